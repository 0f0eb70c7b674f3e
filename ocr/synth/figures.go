package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/tutanak/tutanak/ocr"
)

// ErrUnsupportedForm is returned when a form lacks the fields the figure model fills.
var ErrUnsupportedForm = errors.New("form not supported by the generator")

// countFields are the field ids the figure model fills, in form order.
var countFields = []string{
	"kayitli_secmen", "oy_kullanan_kayitli", "kanun_geregi", "oy_kullanan_toplam",
	"sandiktan_cikan_zarf", "itirazsiz_gecerli", "itirazli_gecerli", "gecerli_oy", "gecersiz_oy",
}

// candidateShares are plausible vote-share ranges per candidate, in ballot order.
var candidateShares = [][2]float64{{0.30, 0.62}, {0.0, 0.05}, {0.28, 0.58}, {0.02, 0.09}}

// checkForm reports whether the figure model can fill the form.
func checkForm(form *ocr.Form) error {
	for _, id := range countFields {
		if _, ok := form.Field(id); !ok {
			return fmt.Errorf("%w: %s has no field %q", ErrUnsupportedForm, form.ID, id)
		}
	}
	if len(candidates(form)) == 0 {
		return fmt.Errorf("%w: %s has no candidate fields", ErrUnsupportedForm, form.ID)
	}
	return nil
}

// candidates lists the fields of the "adaylar" section.
func candidates(form *ocr.Form) []string {
	var ids []string
	for _, f := range form.Fields {
		if f.Section == "adaylar" {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// makeCounts draws the figures of one ballot box. They satisfy the form's
// rules; the inequalities are strict now and then (empty envelopes, envelopes
// not put in the box), as on real sheets.
func makeCounts(form *ocr.Form, rng *rand.Rand) (map[string]int, error) {
	for range 100 {
		c := drawCounts(form, rng)
		if err := checkRules(form, c); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("draw counts for %s: no draw satisfied the rules", form.ID)
}

func drawCounts(form *ocr.Form, rng *rand.Rand) map[string]int {
	c := make(map[string]int)
	c["kayitli_secmen"] = 150 + rng.IntN(301)
	c["oy_kullanan_kayitli"] = int(math.Round(float64(c["kayitli_secmen"]) * (0.70 + 0.25*rng.Float64())))
	switch p := rng.Float64(); {
	case p < 0.4:
		c["kanun_geregi"] = 0
	case p < 0.95:
		c["kanun_geregi"] = 1 + rng.IntN(5)
	default:
		c["kanun_geregi"] = 6 + rng.IntN(8)
	}
	c["oy_kullanan_toplam"] = c["oy_kullanan_kayitli"] + c["kanun_geregi"]
	missing := 0 // envelopes handed out but not put in the box
	if rng.Float64() < 0.25 {
		missing = 1 + rng.IntN(2)
	}
	c["sandiktan_cikan_zarf"] = c["oy_kullanan_toplam"] - missing
	empty := 0 // empty envelopes
	if rng.Float64() < 0.3 {
		empty = 1 + rng.IntN(3)
	}
	switch p := rng.Float64(); {
	case p < 0.12:
		c["gecersiz_oy"] = 0
	case p < 0.9:
		c["gecersiz_oy"] = 1 + rng.IntN(6)
	default:
		c["gecersiz_oy"] = 7 + rng.IntN(10)
	}
	c["gecerli_oy"] = c["sandiktan_cikan_zarf"] - empty - c["gecersiz_oy"]
	if rng.Float64() < 0.2 {
		c["itirazli_gecerli"] = 1 + rng.IntN(4)
	}
	c["itirazsiz_gecerli"] = c["gecerli_oy"] - c["itirazli_gecerli"]

	cands := candidates(form)
	weights := make([]float64, len(cands))
	var sum float64
	for i := range cands {
		r := [2]float64{0.05, 0.3}
		if i < len(candidateShares) {
			r = candidateShares[i]
		}
		weights[i] = r[0] + (r[1]-r[0])*rng.Float64()
		sum += weights[i]
	}
	left, largest := c["gecerli_oy"], 0
	for i, id := range cands {
		v := int(math.Floor(float64(c["gecerli_oy"]) * weights[i] / sum))
		c[id] = v
		left -= v
		if v > c[cands[largest]] {
			largest = i
		}
	}
	c[cands[largest]] += left
	return c
}

// checkRules returns an error naming the first rule the counts break.
func checkRules(form *ocr.Form, counts map[string]int) error {
	for _, r := range form.Rules {
		holds, ok := r.Holds(counts)
		if !ok || !holds {
			return fmt.Errorf("rule %q does not hold", r.Text)
		}
	}
	return nil
}

// Kinds of typing errors.
const (
	errDigit = iota
	errTranspose
	errMoveVotes
	errSwapRows
	errKinds
)

// makeTyped copies truth and, when withError, puts one realistic typing error
// in it. The returned list names the changed fields; it is nil when the copy
// is unchanged, and an error never leaves the figures equal.
func makeTyped(form *ocr.Form, truth map[string]int, withError bool, rng *rand.Rand) (map[string]int, []string) {
	typed := make(map[string]int, len(truth))
	for k, v := range truth {
		typed[k] = v
	}
	if !withError {
		return typed, nil
	}
	first := rng.IntN(errKinds)
	for k := range errKinds {
		if fields := applyError((first+k)%errKinds, form, typed, rng); fields != nil {
			return typed, fields
		}
	}
	return typed, nil
}

// applyError changes typed in place and returns the changed fields, or nil
// when this kind of error is impossible on these figures.
func applyError(kind int, form *ocr.Form, typed map[string]int, rng *rand.Rand) []string {
	ids := form.FieldIDs()
	switch kind {
	case errDigit:
		id := ids[rng.IntN(len(ids))]
		s := []byte(strconv.Itoa(typed[id]))
		pos := rng.IntN(len(s))
		d := byte('0' + rng.IntN(10))
		for d == s[pos] || (pos == 0 && d == '0' && len(s) > 1) {
			d = byte('0' + rng.IntN(10))
		}
		s[pos] = d
		v, _ := strconv.Atoi(string(s))
		typed[id] = v
		return []string{id}
	case errTranspose:
		var pick []string
		for _, id := range ids {
			if canTranspose(typed[id]) {
				pick = append(pick, id)
			}
		}
		if len(pick) == 0 {
			return nil
		}
		id := pick[rng.IntN(len(pick))]
		s := []byte(strconv.Itoa(typed[id]))
		for {
			i := rng.IntN(len(s) - 1)
			if s[i] == s[i+1] || (i == 0 && s[1] == '0') {
				continue
			}
			s[i], s[i+1] = s[i+1], s[i]
			break
		}
		v, _ := strconv.Atoi(string(s))
		typed[id] = v
		return []string{id}
	case errMoveVotes:
		cands := candidates(form)
		if len(cands) < 2 {
			return nil
		}
		from := cands[rng.IntN(len(cands))]
		to := cands[rng.IntN(len(cands))]
		if from == to || typed[from] == 0 {
			return nil
		}
		n := 1 + rng.IntN(min(typed[from], 30))
		typed[from] -= n
		typed[to] += n
		return []string{to, from}
	default: // errSwapRows
		a, b := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
		if typed[a] == typed[b] {
			return nil
		}
		typed[a], typed[b] = typed[b], typed[a]
		return []string{a, b}
	}
}

// canTranspose reports whether swapping some two adjacent digits of v changes
// it without making a leading zero.
func canTranspose(v int) bool {
	s := strconv.Itoa(v)
	for i := 0; i+1 < len(s); i++ {
		if s[i] != s[i+1] && !(i == 0 && s[1] == '0') {
			return true
		}
	}
	return false
}

// places maps provinces to some of their districts.
var places = []struct {
	il      string
	ilceler []string
}{
	{"İZMİR", []string{"KONAK", "KARŞIYAKA", "BORNOVA", "BUCA", "ÇİĞLİ", "GAZİEMİR", "TORBALI", "MENEMEN", "FOÇA", "SEFERİHİSAR", "MENDERES", "ÖDEMİŞ"}},
	{"İSTANBUL", []string{"KADIKÖY", "ÜSKÜDAR", "BEŞİKTAŞ", "ŞİŞLİ", "FATİH", "BAĞCILAR", "ESENYURT", "PENDİK", "SARIYER", "ÜMRANİYE"}},
	{"ANKARA", []string{"ÇANKAYA", "KEÇİÖREN", "YENİMAHALLE", "MAMAK", "ETİMESGUT", "SİNCAN", "ALTINDAĞ", "GÖLBAŞI", "POLATLI"}},
	{"BURSA", []string{"OSMANGAZİ", "NİLÜFER", "YILDIRIM", "İNEGÖL", "GEMLİK", "MUDANYA"}},
	{"ANTALYA", []string{"MURATPAŞA", "KEPEZ", "KONYAALTI", "ALANYA", "MANAVGAT", "KUMLUCA"}},
	{"KONYA", []string{"SELÇUKLU", "MERAM", "KARATAY", "EREĞLİ", "AKŞEHİR", "BEYŞEHİR"}},
	{"ADANA", []string{"SEYHAN", "ÇUKUROVA", "YÜREĞİR", "SARIÇAM", "CEYHAN", "KOZAN"}},
	{"TRABZON", []string{"ORTAHİSAR", "AKÇAABAT", "YOMRA", "ARSİN", "OF", "SÜRMENE"}},
	{"DİYARBAKIR", []string{"BAĞLAR", "KAYAPINAR", "SUR", "YENİŞEHİR", "ERGANİ", "BİSMİL"}},
	{"ESKİŞEHİR", []string{"ODUNPAZARI", "TEPEBAŞI", "SİVRİHİSAR", "ÇİFTELER"}},
	{"MUĞLA", []string{"MENTEŞE", "BODRUM", "FETHİYE", "MARMARİS", "MİLAS", "DATÇA"}},
	{"ÇANAKKALE", []string{"MERKEZ", "GELİBOLU", "BİGA", "ÇAN", "EZİNE", "AYVACIK"}},
}

var mahalleler = []string{
	"YENİ MAH.", "CUMHURİYET MAH.", "ATATÜRK MAH.", "BAHRİYE ÜÇOK MAH.", "KAZIMDİRİK MAH.",
	"ÇARŞI MAH.", "YALI MAH.", "ATAKENT MAH.", "İNÖNÜ MAH.", "FATİH MAH.", "GÜZELYALI MAH.",
	"İSTİKLAL MAH.", "MEVLANA MAH.", "ŞEHİTLER MAH.", "YEŞİLTEPE MAH.", "GÜLBAHÇE MAH.",
	"HÜRRİYET MAH.", "ÇAMLIK MAH.", "KÜLTÜR MAH.", "ORHANGAZİ MAH.", "YUNUS EMRE MAH.",
}

var okullar = []string{
	"CUMHURİYET ANADOLU LİSESİ", "GAZİ İLKOKULU", "ŞEHİT ÖĞRETMEN İLKOKULU", "HÜRRİYET ORTAOKULU",
	"NECATİBEY ORTAOKULU", "ATATÜRK İLKOKULU", "FATİH SULTAN MEHMET ORTAOKULU", "MİMAR SİNAN LİSESİ",
	"İSMET İNÖNÜ İLKOKULU", "YUNUS EMRE ORTAOKULU", "ÇAĞDAŞ ÖĞRETMENLER İLKOKULU",
	"MEHMET AKİF ERSOY ANADOLU LİSESİ", "ZÜBEYDE HANIM MESLEKİ VE TEKNİK ANADOLU LİSESİ",
	"ŞEHİT PİYADE ER ÖZGÜR KARAKAYA İLKOKULU", "KIZILAY ORTAOKULU",
}

// makePrinted draws header values for the form's printed fields; unknown
// fields get a plausible upper-case word.
func makePrinted(form *ocr.Form, rng *rand.Rand) map[string]string {
	place := places[rng.IntN(len(places))]
	values := map[string]string{
		"il":           place.il,
		"ilce":         place.ilceler[rng.IntN(len(place.ilceler))],
		"muhtarlik":    mahalleler[rng.IntN(len(mahalleler))],
		"sandik_alani": okullar[rng.IntN(len(okullar))],
		"sandik_no":    strconv.Itoa(1000 + rng.IntN(4000)),
	}
	out := make(map[string]string, len(form.Printed))
	for _, p := range form.Printed {
		v, ok := values[p.ID]
		if !ok {
			v = strings.ToUpper(p.ID)
		}
		out[p.ID] = v
	}
	return out
}
