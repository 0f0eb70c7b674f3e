package review

import (
	"strconv"
	"testing"

	"github.com/tutanak/tutanak/ocr"
)

// sheet is a correct set of figures for cb-2023.
func sheet() map[string]int {
	return map[string]int{
		"kayitli_secmen": 329, "oy_kullanan_kayitli": 260, "kanun_geregi": 0, "oy_kullanan_toplam": 260,
		"sandiktan_cikan_zarf": 260, "itirazsiz_gecerli": 249, "itirazli_gecerli": 3, "gecerli_oy": 252,
		"gecersiz_oy": 8, "aday_1": 104, "aday_2": 4, "aday_3": 133, "aday_4": 11,
	}
}

// written is how a recogniser sees v written clearly: probability p on each
// true digit, the rest spread evenly.
func written(v int, p float64) ocr.Number { return writtenAs(strconv.Itoa(v), p) }

// writtenAs is how a recogniser sees the digits s written clearly, leading
// zeros and all.
func writtenAs(s string, p float64) ocr.Number {
	n := ocr.Number{SegConfidence: 1}
	for _, c := range s {
		var d ocr.DigitProbs
		for k := range d {
			d[k] = (1 - p) / 9
		}
		d[c-'0'] = p
		n.Digits = append(n.Digits, d)
	}
	return n
}

func readingOf(counts map[string]int, p float64) *ocr.Reading {
	rd := &ocr.Reading{FormID: "cb-2023", PageFound: true, Quality: ocr.Quality{OK: true}, Fields: map[string]ocr.FieldReading{}}
	for id, v := range counts {
		rd.Fields[id] = ocr.FieldReading{Number: written(v, p)}
	}
	return rd
}

func with(m map[string]int, kv ...any) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(int)
	}
	return out
}

func TestVerify(t *testing.T) {
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	truth := sheet()
	tests := []struct {
		name     string
		reading  *ocr.Reading
		typed    map[string]int
		verdict  Verdict
		mismatch []string // fields that must be flagged as mismatch or unreadable
		read     map[string]int
		code     string // a reason code that must be present
	}{
		{name: "typed right, photo clear", reading: readingOf(truth, 0.98), typed: truth, verdict: Verified},
		{name: "photo alone, clear", reading: readingOf(truth, 0.98), verdict: Verified, read: truth},
		{name: "one digit mistyped", reading: readingOf(truth, 0.97), typed: with(truth, "kayitli_secmen", 339),
			verdict: Flagged, mismatch: []string{"kayitli_secmen"}, read: map[string]int{"kayitli_secmen": 329}, code: "typed_mismatch"},
		{name: "adjacent digits swapped", reading: readingOf(truth, 0.97), typed: with(truth, "aday_3", 313),
			verdict: Flagged, mismatch: []string{"aday_3"}},
		{name: "votes moved, sums kept", reading: readingOf(truth, 0.97), typed: with(truth, "aday_1", 114, "aday_3", 123),
			verdict: Flagged, mismatch: []string{"aday_1", "aday_3"}},
		{name: "two rows swapped", reading: readingOf(truth, 0.97), typed: with(truth, "itirazsiz_gecerli", 3, "itirazli_gecerli", 249),
			verdict: Flagged, mismatch: []string{"itirazsiz_gecerli", "itirazli_gecerli"}},
		{name: "typed breaks a rule", reading: readingOf(truth, 0.97), typed: with(truth, "gecerli_oy", 253),
			verdict: Flagged, mismatch: []string{"gecerli_oy"}, code: "rule_broken"},
		{name: "uncertain digit settled by the typed figure and the rules", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			n := written(104, 0.98)
			n.Digits[1] = ocr.DigitProbs{0.35, 0, 0, 0, 0, 0, 0, 0, 0.6, 0.05} // 0 looks like 8
			rd.Fields["aday_1"] = ocr.FieldReading{Number: n}
			return rd
		}(), typed: truth, verdict: Verified, read: map[string]int{"aday_1": 104}},
		{name: "poorly read figure pinned by a rule of well-read figures", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["gecerli_oy"] = ocr.FieldReading{Number: written(262, 0.999)} // 252 misread
			return rd
		}(), typed: truth, verdict: Verified},
		{name: "misread total between two rules of well-read figures", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.97)
			n := written(252, 0.97)
			n.Digits[2] = ocr.DigitProbs{0, 0.6, 0.35, 0, 0, 0, 0, 0, 0, 0.05} // 2 looks like 1
			rd.Fields["gecerli_oy"] = ocr.FieldReading{Number: n}
			return rd
		}(), verdict: Flagged, code: "low_confidence", read: map[string]int{"gecerli_oy": 252, "itirazsiz_gecerli": 249, "aday_1": 104}},
		{name: "votes moved where one figure is poorly read", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.97)
			rd.Fields["aday_1"] = ocr.FieldReading{Number: written(184, 0.999)} // 104 misread
			return rd
		}(), typed: with(truth, "aday_1", 114, "aday_3", 123), verdict: Flagged, mismatch: []string{"aday_1", "aday_3"}},
		{name: "stray mark read as an extra digit, the rules bring the figure back", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["sandiktan_cikan_zarf"] = ocr.FieldReading{Number: written(2600, 0.999)} // 260 with a stray 0
			return rd
		}(), typed: truth, verdict: Verified, read: map[string]int{"sandiktan_cikan_zarf": 260}},
		{name: "misread envelopes held from both sides by well-read figures", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["sandiktan_cikan_zarf"] = ocr.FieldReading{Number: written(26, 0.999)} // the 0 lost
			return rd
		}(), typed: truth, verdict: Verified},
		{name: "misread envelopes between bounds that differ", reading: func() *ocr.Reading {
			rd := readingOf(with(truth, "gecersiz_oy", 7, "sandiktan_cikan_zarf", 259), 0.98)
			rd.Fields["sandiktan_cikan_zarf"] = ocr.FieldReading{Number: written(25, 0.999)} // the 9 lost
			return rd
		}(), typed: with(truth, "gecersiz_oy", 7, "sandiktan_cikan_zarf", 259), verdict: Flagged, mismatch: []string{"sandiktan_cikan_zarf"}},
		{name: "mistyped envelopes are not held by the bounds", reading: readingOf(truth, 0.98),
			typed: with(truth, "sandiktan_cikan_zarf", 206), verdict: Flagged, mismatch: []string{"sandiktan_cikan_zarf"}},
		{name: "mistyped figure in a cell the photo barely shows", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["kayitli_secmen"] = ocr.FieldReading{Number: written(329, 0.3)} // smudged
			return rd
		}(), typed: with(truth, "kayitli_secmen", 392), verdict: Flagged, mismatch: []string{"kayitli_secmen"}},
		{name: "mistyped figure in a cell read at random", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["kayitli_secmen"] = ocr.FieldReading{Number: written(329, 0.1)} // every digit alike
			return rd
		}(), typed: with(truth, "kayitli_secmen", 392), verdict: Flagged, mismatch: []string{"kayitli_secmen"}, code: "typed_unsupported"},
		{name: "figure written with leading zeros, photo alone", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["gecersiz_oy"] = ocr.FieldReading{Number: writtenAs("008", 0.98)}
			return rd
		}(), verdict: Verified, read: map[string]int{"gecersiz_oy": 8}},
		{name: "mistyped figure written with leading zeros", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["gecersiz_oy"] = ocr.FieldReading{Number: writtenAs("008", 0.98)}
			return rd
		}(), typed: with(truth, "gecersiz_oy", 3), verdict: Flagged, mismatch: []string{"gecersiz_oy"},
			read: map[string]int{"gecersiz_oy": 8}, code: "typed_mismatch"},
		{name: "mistyped figure written with a leading zero", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["gecersiz_oy"] = ocr.FieldReading{Number: writtenAs("08", 0.98)}
			return rd
		}(), typed: with(truth, "gecersiz_oy", 3), verdict: Flagged, mismatch: []string{"gecersiz_oy"},
			read: map[string]int{"gecersiz_oy": 8}, code: "typed_mismatch"},
		{name: "sheet breaks a rule, typed as written", reading: readingOf(with(truth, "aday_1", 105), 0.98),
			typed: with(truth, "aday_1", 105), verdict: Flagged, code: "rule_broken", read: map[string]int{"aday_1": 105}},
		{name: "field unreadable", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Fields["aday_2"] = ocr.FieldReading{}
			return rd
		}(), typed: truth, verdict: Flagged, mismatch: []string{"aday_2"}, code: "field_unreadable"},
		{name: "no page", reading: &ocr.Reading{FormID: "cb-2023"}, typed: truth, verdict: Unreadable, code: "page_not_found"},
		{name: "poor photo", reading: func() *ocr.Reading {
			rd := readingOf(truth, 0.98)
			rd.Quality = ocr.Quality{OK: false, Problems: []ocr.Problem{{Code: ocr.ProblemBlurred, TR: "bulanık", EN: "blurred"}}}
			return rd
		}(), typed: truth, verdict: Unreadable, code: "photo_blurred"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Verify(form, tt.reading, tt.typed)
			if res.Verdict != tt.verdict {
				t.Errorf("verdict %q, want %q; reasons %+v", res.Verdict, tt.verdict, res.Reasons)
			}
			want := map[string]bool{}
			for _, id := range tt.mismatch {
				want[id] = true
			}
			if tt.verdict != Unreadable {
				for id, fr := range res.Fields {
					bad := fr.Status == StatusMismatch || fr.Status == StatusUnreadable
					if bad != want[id] {
						t.Errorf("field %s: status %q", id, fr.Status)
					}
				}
			}
			for id, v := range tt.read {
				if fr := res.Fields[id]; fr.Value == nil || *fr.Value != v {
					t.Errorf("field %s read as %v, want %d", id, fr.Value, v)
				}
			}
			if tt.code != "" {
				found := false
				for _, r := range res.Reasons {
					if r.Code == tt.code {
						found = true
						if r.TR == "" || r.EN == "" {
							t.Errorf("reason %q has no text", r.Code)
						}
					}
				}
				if !found {
					t.Errorf("no reason %q in %+v", tt.code, res.Reasons)
				}
			}
			if tt.name == "poorly read figure pinned by a rule of well-read figures" && res.Fields["gecerli_oy"].VerifiedBy == "" {
				t.Error("gecerli_oy verified without naming the rule that vouches for it")
			}
			if by := res.Fields["sandiktan_cikan_zarf"].VerifiedBy; tt.name == "misread envelopes held from both sides by well-read figures" &&
				by != "gecerli_oy + gecersiz_oy <= sandiktan_cikan_zarf; sandiktan_cikan_zarf <= oy_kullanan_toplam" {
				t.Errorf("sandiktan_cikan_zarf verified by %q, want both rules that hold it", by)
			}
			if tt.verdict == Flagged {
				for _, r := range res.Reasons {
					if r.Code == "typed_mismatch" && (r.Field == "" || r.Typed == nil || r.Read == nil) {
						t.Errorf("mismatch reason without field, typed and read: %+v", r)
					}
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		b.Fatal(err)
	}
	truth := sheet()
	rd := readingOf(truth, 0.9)
	typed := with(truth, "aday_1", 114, "aday_3", 123)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Verify(form, rd, typed)
	}
}
