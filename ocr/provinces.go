package ocr

import "slices"

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

// nearestProvince returns the province s most likely is: the closest by edit
// distance, if it is within a third of the name's length (Tesseract tends to
// lose letters at the ends of a line) and clearly closer than any other.
func nearestProvince(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	best, second := 1<<30, 1<<30
	var name string
	for _, p := range provinces {
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
