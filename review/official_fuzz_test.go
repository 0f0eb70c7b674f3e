package review

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
)

// fuzzRowCap is the row cap under fuzzing, small enough to be reached.
const fuzzRowCap = 3

func loadFuzzForm(t testing.TB) *ocr.Form {
	t.Helper()
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	return form
}

// writeOfficialCSV writes parsed rows back as an official results file.
func writeOfficialCSV(t *testing.T, p officialCSV) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(append([]string{"il", "ilce", "sandik_no"}, p.fields...)); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.rows {
		rec := []string{r.box.Il, r.box.Ilce, r.box.SandikNo}
		for _, f := range p.fields {
			v := ""
			if n, ok := r.counts[f]; ok {
				v = strconv.Itoa(n)
			}
			rec = append(rec, v)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzParseOfficialCSV checks the official results parser: it never panics,
// refuses with an *InputError, and what it accepts has complete normalised
// box keys, each box once, figures in range for the form's fields exactly
// as the cells say, at most the row cap, and writes back to the same rows.
func FuzzParseOfficialCSV(f *testing.F) {
	for _, s := range []string{
		"il,ilce,sandik_no,aday_1,aday_2\nİzmir,Gaziemir,7,84,4\nizmir, gaziemir ,8,,3\n",
		"\ufeffil,ilce,sandik_no,kayitli_secmen,gecerli_oy\r\nAnkara,Çankaya,1001,350,290\r\n",
		"il,ilce,sandik_no,aday_1\n\"İzmir\",\"Bornova\",\"12\",\"100000\"\n",
		"il,ilce,sandik_no,aday_1\nA,B,1,1\nA,B,2,2\nA,B,3,3\nA,B,4,4\n",
		"il,ilce,sandik_no,aday_1\nA,B,1,-1\n",
		"il,ilce,sandik_no,aday_1\nA,B,1,100001\n",
		"il,ilce,sandik_no,aday_1\nA,B,1\n",
		"il,ilce,sandik_no,aday_1\na,b,1,1\nA,B,1,2\n",
		"il,ilce,sandik_no,nope\nA,B,1,1\n",
		"il,ilce,sandik\n",
		"",
	} {
		f.Add([]byte(s))
	}
	form := loadFuzzForm(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseOfficialCSV(form, bytes.NewReader(data), MaxOfficialRows)
		capped, cappedErr := parseOfficialCSV(form, bytes.NewReader(data), fuzzRowCap)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if cappedErr == nil {
				t.Fatalf("accepted under a cap of %d, refused without: %v", fuzzRowCap, err)
			}
			return
		}
		switch {
		case len(p.rows) > fuzzRowCap && cappedErr == nil:
			t.Fatalf("%d rows accepted under a cap of %d", len(p.rows), fuzzRowCap)
		case len(p.rows) <= fuzzRowCap && (cappedErr != nil || !reflect.DeepEqual(capped, p)):
			t.Fatalf("%d rows, under the cap: %v", len(p.rows), cappedErr)
		}
		records, rerr := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if rerr == nil && len(records) != len(p.rows)+1 {
			t.Fatalf("%d rows from %d records", len(p.rows), len(records))
		}
		seen := map[Box]bool{}
		for i, r := range p.rows {
			if !r.box.complete() || r.box.normalized() != r.box || seen[r.box] {
				t.Fatalf("row %d: box %+v incomplete, not normalised or twice", i, r.box)
			}
			seen[r.box] = true
			for id, n := range r.counts {
				if _, ok := form.Field(id); !ok || n < 0 || n > MaxCount {
					t.Fatalf("row %d: %s = %d accepted", i, id, n)
				}
			}
			if rerr == nil {
				// Every cell is the row's figure for its column; blank is absent.
				for c, id := range p.fields {
					cell := strings.TrimSpace(records[i+1][3+c])
					n, ok := r.counts[id]
					want, werr := strconv.Atoi(cell)
					if (cell == "") == ok || (ok && (werr != nil || want != n)) {
						t.Fatalf("row %d: column %d (%s) says %q, the row has %d (%t)", i, c, id, cell, n, ok)
					}
				}
			}
		}
		back, err := parseOfficialCSV(form, bytes.NewReader(writeOfficialCSV(t, p)), MaxOfficialRows)
		if err != nil {
			t.Fatalf("written back: %v", err)
		}
		if !reflect.DeepEqual(back.fields, p.fields) || !reflect.DeepEqual(back.rows, p.rows) {
			t.Fatalf("written back: %+v, want %+v", back, p)
		}
	})
}

// FuzzCheckTyped checks typed figures the way an upload or a typed entry
// brings them: JSON {"counts":{…}} decoded into a map and checked against
// the form. Accepted figures are within 0…MaxCount for the form's fields
// only; a refusal names unknown_field or bad_count truthfully.
func FuzzCheckTyped(f *testing.F) {
	for _, s := range []string{`{"counts":{"aday_1":84,"aday_2":4}}`, `{"counts":{}}`, `{"counts":{"aday_1":-1}}`,
		`{"counts":{"aday_1":100001}}`, `{"counts":{"aday_9":1}}`, `{"counts":{"Aday_1":1}}`, `{"counts":{"aday_1":null}}`,
		`{"counts":{"aday_1":1,"aday_1":2}}`, `{"counts":{"aday_1":1e3}}`, `{"counts":{"aday_1":9223372036854775807}}`} {
		f.Add(s)
	}
	form := loadFuzzForm(f)
	f.Fuzz(func(t *testing.T, body string) {
		var tb TypedFigures
		if json.Unmarshal([]byte(body), &tb) != nil {
			return
		}
		err := CheckTyped(form, tb.Counts)
		var unknown, bad bool
		for id, v := range tb.Counts {
			_, ok := form.Field(id)
			unknown = unknown || !ok
			bad = bad || v < 0 || v > MaxCount
		}
		if err == nil {
			if unknown || bad {
				t.Fatalf("accepted %v", tb.Counts)
			}
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) || (ie.Code == "unknown_field" && !unknown) || (ie.Code == "bad_count" && !bad) ||
			(ie.Code != "unknown_field" && ie.Code != "bad_count") {
			t.Fatalf("checkTyped(%v) = %v", tb.Counts, err)
		}
	})
}
