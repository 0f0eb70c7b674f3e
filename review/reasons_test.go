package review

import (
	"testing"

	"github.com/tutanak/tutanak/ocr"
)

// TestRuleBrokenText: a broken rule is told by the fields' printed labels
// and the figures that broke it, not by the form's identifiers.
func TestRuleBrokenText(t *testing.T) {
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]ocr.Rule{}
	for _, r := range form.Rules {
		rules[r.Text] = r
	}
	tests := []struct {
		name, rule string
		values     map[string]int
		tr         string
	}{
		{"more voters than registered", "oy_kullanan_kayitli <= kayitli_secmen",
			map[string]int{"oy_kullanan_kayitli": 120, "kayitli_secmen": 100},
			"Kural tutmuyor: Oy kullanan kayıtlı seçmen sayısı (120) ≤ Sandık seçmen listesinde kayıtlı seçmen sayısı (100)"},
		{"candidates' votes", "aday_1 + aday_2 + aday_3 + aday_4 == gecerli_oy",
			map[string]int{"aday_1": 105, "aday_2": 3, "aday_3": 133, "aday_4": 11, "gecerli_oy": 251},
			"Kural tutmuyor: RECEP TAYYİP ERDOĞAN (105) + MUHARREM İNCE (3) + KEMAL KILIÇDAROĞLU (133) + SİNAN OĞAN (11) = Geçerli oy pusulalarının toplamı (251)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := rules[tt.rule]
			if !ok {
				t.Fatalf("the form has no rule %q", tt.rule)
			}
			got := ruleBroken(form, r, tt.values)
			if got.Code != "rule_broken" || got.Rule != tt.rule || got.TR != tt.tr || got.EN != "Rule broken: "+tt.tr[len("Kural tutmuyor: "):] {
				t.Errorf("got %+v\nwant TR %q", got, tt.tr)
			}
		})
	}
}
