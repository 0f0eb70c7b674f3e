package ocr

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// provinces are Turkey's 81 provinces as the authority prints them. The il
// header is always one of them, so a reading one or two letters off is snapped.
var provinces = [...]string{
	"ADANA", "ADIYAMAN", "AFYONKARAHİSAR", "AĞRI", "AMASYA", "ANKARA", "ANTALYA", "ARTVİN", "AYDIN",
	"BALIKESİR", "BİLECİK", "BİNGÖL", "BİTLİS", "BOLU", "BURDUR", "BURSA", "ÇANAKKALE", "ÇANKIRI",
	"ÇORUM", "DENİZLİ", "DİYARBAKIR", "EDİRNE", "ELAZIĞ", "ERZİNCAN", "ERZURUM", "ESKİŞEHİR",
	"GAZİANTEP", "GİRESUN", "GÜMÜŞHANE", "HAKKARİ", "HATAY", "ISPARTA", "MERSİN", "İSTANBUL", "İZMİR",
	"KARS", "KASTAMONU", "KAYSERİ", "KIRKLARELİ", "KIRŞEHİR", "KOCAELİ", "KONYA", "KÜTAHYA", "MALATYA",
	"MANİSA", "KAHRAMANMARAŞ", "MARDİN", "MUĞLA", "MUŞ", "NEVŞEHİR", "NİĞDE", "ORDU", "RİZE", "SAKARYA",
	"SAMSUN", "SİİRT", "SİNOP", "SİVAS", "TEKİRDAĞ", "TOKAT", "TRABZON", "TUNCELİ", "ŞANLIURFA", "UŞAK",
	"VAN", "YOZGAT", "ZONGULDAK", "AKSARAY", "BAYBURT", "KARAMAN", "KIRIKKALE", "BATMAN", "ŞIRNAK",
	"BARTIN", "ARDAHAN", "IĞDIR", "YALOVA", "KARABÜK", "KİLİS", "OSMANİYE", "DÜZCE",
}

// IsProvince tells whether name is one of the 81 provinces, spelt as the
// authority prints them (upper case, Turkish letters).
func IsProvince(name string) bool { return slices.Contains(provinces[:], name) }

// IsDistrict tells whether ilce is one of province il's districts, both
// spelt as the authority prints them.
func IsDistrict(il, ilce string) bool { return slices.Contains(districts[il], ilce) }

// Districts returns province il's districts in alphabetical order; none when
// il is not a province.
func Districts(il string) []string { return slices.Clone(districts[il]) }

// Places returns every province with its districts, for forms that offer
// them to choose from.
func Places() map[string][]string {
	out := make(map[string][]string, len(districts))
	for p, ds := range districts {
		out[p] = slices.Clone(ds)
	}
	return out
}

// CanonicalProvince returns the province name is, typed in upper case with
// or without the marks of Turkish letters ("IZMIR" is İZMİR), and name itself
// when it is none of them.
func CanonicalProvince(name string) string { return canonicalName(name, provinces[:]) }

// CanonicalDistrict returns the district of province il that name is, typed
// in upper case with or without the marks of Turkish letters ("KARSIYAKA" is
// KARŞIYAKA), and name itself when it is none of them.
func CanonicalDistrict(il, name string) string { return canonicalName(name, districts[il]) }

// canonicalName returns the one name in names that name is once the marks of
// Turkish letters are dropped from both; name when none or several are.
func canonicalName(name string, names []string) string {
	if name == "" || slices.Contains(names, name) {
		return name
	}
	found := ""
	for _, n := range names {
		if foldedEqual(name, n) {
			if found != "" {
				return name
			}
			found = n
		}
	}
	return cmp.Or(found, name)
}

// foldedEqual tells whether a and b are the same once the marks of Turkish
// letters are dropped, as a keyboard without them types them. It allocates
// nothing: the totals compare every sheet's box this way.
func foldedEqual(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if foldTurkish(ra) != foldTurkish(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

func foldTurkish(r rune) rune {
	switch r {
	case 'Ç':
		return 'C'
	case 'Ğ':
		return 'G'
	case 'İ':
		return 'I'
	case 'Ö':
		return 'O'
	case 'Ş':
		return 'S'
	case 'Ü':
		return 'U'
	}
	return r
}

// nearestName returns the name in names s most likely is: the closest by
// edit distance, if it is within a third of the name's length (Tesseract
// tends to lose letters at the ends of a line) and clearly closer than any
// other.
func nearestName(s string, names []string) (string, bool) {
	if s == "" {
		return "", false
	}
	best, second := 1<<30, 1<<30
	var name string
	for _, p := range names {
		d := editDistance([]rune(s), []rune(p))
		if d < best {
			second, best, name = best, d, p
		} else if d < second {
			second = d
		}
	}
	limit := len([]rune(name)) / 3
	if best <= limit && second > best+1 {
		return name, true
	}
	return "", false
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
