package ocr

import "testing"

func TestPlaceLists(t *testing.T) {
	if len(districts) != len(provinces) {
		t.Errorf("districts of %d provinces, want %d", len(districts), len(provinces))
	}
	total := 0
	for _, p := range provinces {
		if len(districts[p]) == 0 {
			t.Errorf("province %s has no districts", p)
		}
		total += len(districts[p])
	}
	// Turkey has 973 districts; a list with fewer or more is not the whole list.
	if total != 973 {
		t.Errorf("%d districts, want 973", total)
	}
}

func TestIsDistrict(t *testing.T) {
	tests := []struct {
		name, il, ilce string
		want           bool
	}{
		{"district of its province", "İZMİR", "KARŞIYAKA", true},
		{"central district", "ÇANAKKALE", "MERKEZ", true},
		{"district of another province", "İZMİR", "KADIKÖY", false},
		{"name shared by provinces", "ANKARA", "GÖLBAŞI", true},
		{"not upper case", "İZMİR", "Karşıyaka", false},
		{"without Turkish letters", "İZMİR", "KARSIYAKA", false},
		{"unknown province", "ADAN LİA", "SEYHAN", false},
		{"empty", "İZMİR", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDistrict(tt.il, tt.ilce); got != tt.want {
				t.Errorf("IsDistrict(%q, %q) = %v, want %v", tt.il, tt.ilce, got, tt.want)
			}
		})
	}
}

func TestNearestPlace(t *testing.T) {
	tests := []struct {
		name, il, read string
		want           string
		ok             bool
	}{
		{"province read right", "", "İZMİR", "İZMİR", true},
		{"province with a lost letter", "", "ZMİR", "İZMİR", true},
		{"province too far off", "", "ADAN LİA", "", false},
		{"district read right", "İZMİR", "KARŞIYAKA", "KARŞIYAKA", true},
		{"district with dotless i", "İZMİR", "KARSIYAKA", "KARŞIYAKA", true},
		{"district with a letter dropped at the end", "ADANA", "SARIÇA", "SARIÇAM", true},
		{"district of another province", "İZMİR", "KADIKÖY", "", false},
		// SULTANBEYLİ and SULTANGAZİ are both İstanbul's: a reading between
		// them is not snapped to either.
		{"between two districts", "İSTANBUL", "SULTANGEYLİ", "SULTANBEYLİ", true},
		{"too far from any district", "İSTANBUL", "SULTANXXXXX", "", false},
		// One letter from ESENLER, two from ESENYURT: not clearly either.
		{"not clearly nearer one district", "İSTANBUL", "ESENYER", "", false},
		{"short name read wrong", "TRABZON", "0F", "", false},
		{"unknown province", "ADAN LİA", "SEYHAN", "", false},
		{"empty", "İZMİR", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := provinces[:]
			if tt.il != "" {
				names = districts[tt.il]
			}
			got, ok := nearestName(tt.read, names)
			if got != tt.want || ok != tt.ok {
				t.Errorf("nearest(%q, %q) = %q, %v; want %q, %v", tt.il, tt.read, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCanonicalPlace(t *testing.T) {
	tests := []struct {
		name, il, typed, want string
	}{
		{"province as printed", "", "İZMİR", "İZMİR"},
		{"province without marks", "", "IZMIR", "İZMİR"},
		{"province with some marks", "", "ÇANAKKALE", "ÇANAKKALE"},
		{"province with the marks of another", "", "CANAKKALE", "ÇANAKKALE"},
		{"no such province", "", "ADAN LİA", "ADAN LİA"},
		{"district without marks", "İZMİR", "KARSIYAKA", "KARŞIYAKA"},
		{"district with dotted capitals typed", "İZMİR", "KARSİYAKA", "KARŞIYAKA"},
		{"district as printed", "ADANA", "SARIÇAM", "SARIÇAM"},
		{"district of another province", "İZMİR", "KADIKOY", "KADIKOY"},
		{"district of an unknown province", "IZMIR", "KARSIYAKA", "KARSIYAKA"},
		{"misspelt, not snapped", "İZMİR", "KARSIYKA", "KARSIYKA"},
		{"empty", "İZMİR", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CanonicalProvince(tt.typed)
			if tt.il != "" {
				got = CanonicalDistrict(tt.il, tt.typed)
			}
			if got != tt.want {
				t.Errorf("canonical(%q, %q) = %q, want %q", tt.il, tt.typed, got, tt.want)
			}
		})
	}
}

// Every place must stay its own when typed without marks, or a name typed so
// could not be taken for it.
func TestFoldedPlacesUnique(t *testing.T) {
	unique := func(what string, names []string) {
		for i, a := range names {
			for _, b := range names[i+1:] {
				if foldedEqual(a, b) {
					t.Errorf("%s %s and %s fold alike", what, a, b)
				}
			}
		}
	}
	unique("provinces", provinces[:])
	for _, p := range provinces {
		unique(p+"'s districts", districts[p])
	}
}

func BenchmarkCanonicalDistrict(b *testing.B) {
	for _, name := range []string{"KARŞIYAKA", "KARSIYAKA", "KARSİYKA"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				CanonicalDistrict(CanonicalProvince("İZMİR"), name)
			}
		})
	}
}
