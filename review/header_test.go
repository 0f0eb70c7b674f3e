package review

import (
	"slices"
	"testing"
)

func TestHeaderBox(t *testing.T) {
	tests := []struct {
		name    string
		printed map[string]string
		want    Box
	}{
		{"read right", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "3119"}},
		{"spelt in lower case", map[string]string{"il": "İzmir", "ilce": "Gaziemir", "sandik_no": "1631"},
			Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1631"}},
		// A district is known only as a district of its province.
		{"province misread", map[string]string{"il": "ADAN LİA", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{SandikNo: "3119"}},
		{"province with a letter lost", map[string]string{"il": "ADAN", "ilce": "SARIÇAM", "sandik_no": "3119"},
			Box{SandikNo: "3119"}},
		{"district misread", map[string]string{"il": "ADANA", "ilce": "SARI ÇA", "sandik_no": "3119"},
			Box{Il: "ADANA", SandikNo: "3119"}},
		{"district of another province", map[string]string{"il": "ADANA", "ilce": "TARSUS", "sandik_no": "3119"},
			Box{Il: "ADANA", SandikNo: "3119"}},
		{"box number with letters", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3113 A"},
			Box{Il: "ADANA", Ilce: "SARIÇAM"}},
		{"box number too long", map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "1234567"},
			Box{Il: "ADANA", Ilce: "SARIÇAM"}},
		{"nothing read", map[string]string{"il": "", "ilce": "", "sandik_no": ""}, Box{}},
		{"no header at all", map[string]string{}, Box{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := headerBox(tt.printed); got != tt.want {
				t.Errorf("headerBox(%q) = %+v, want %+v", tt.printed, got, tt.want)
			}
		})
	}
}

func TestHeaderContradicts(t *testing.T) {
	header := map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3119"}
	tests := []struct {
		name    string
		box     Box
		printed map[string]string
		want    []string
	}{
		{"the same box", Box{Il: "Adana", Ilce: "Sarıçam", SandikNo: "3119"}, header, nil},
		{"leading zeros", Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "03119"}, header, nil},
		{"the next box at the school", Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "3120"}, header, []string{"sandik_no"}},
		{"another province", Box{Il: "MERSİN", Ilce: "SARIÇAM", SandikNo: "3119"}, header, []string{"il"}},
		{"every part", Box{Il: "MERSİN", Ilce: "TARSUS", SandikNo: "12"}, header, []string{"il", "ilce", "sandik_no"}},
		{"another district", Box{Il: "ADANA", Ilce: "SEYHAN", SandikNo: "3119"}, header, []string{"ilce"}},
		{"misread district says nothing", Box{Il: "ADANA", Ilce: "SEYHAN", SandikNo: "3119"},
			map[string]string{"il": "ADANA", "ilce": "SARI ÇA", "sandik_no": "3119"}, nil},
		{"misread province says nothing", Box{Il: "MERSİN", Ilce: "SARIÇAM", SandikNo: "3119"},
			map[string]string{"il": "ADAN LİA", "ilce": "SARIÇAM", "sandik_no": "3119"}, nil},
		{"misread box number says nothing", Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "3119"},
			map[string]string{"il": "ADANA", "ilce": "SARIÇAM", "sandik_no": "3113 A"}, nil},
		{"header not read", Box{Il: "ADANA", Ilce: "SARIÇAM", SandikNo: "3119"}, map[string]string{}, nil},
		{"no box filed", Box{}, header, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HeaderContradicts(tt.box, tt.printed); !slices.Equal(got, tt.want) {
				t.Errorf("HeaderContradicts(%+v, %q) = %q, want %q", tt.box, tt.printed, got, tt.want)
			}
		})
	}
}

func TestUnknownPlace(t *testing.T) {
	tests := []struct {
		name string
		box  Box
		want bool
	}{
		{"known", Box{Il: "İZMİR", Ilce: "KARŞIYAKA", SandikNo: "12"}, false},
		{"district misspelt", Box{Il: "İZMİR", Ilce: "KARSİYKA", SandikNo: "12"}, true},
		{"district of another province", Box{Il: "İZMİR", Ilce: "SEYHAN", SandikNo: "12"}, true},
		{"province misspelt", Box{Il: "İZMR", Ilce: "KARŞIYAKA", SandikNo: "12"}, true},
		// A missing part is said otherwise: the box is incomplete.
		{"no district", Box{Il: "İZMİR", SandikNo: "12"}, false},
		{"no box", Box{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (SheetView{Box: tt.box}).UnknownPlace(); got != tt.want {
				t.Errorf("UnknownPlace(%+v) = %v, want %v", tt.box, got, tt.want)
			}
		})
	}
}
