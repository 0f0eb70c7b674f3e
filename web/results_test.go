package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// figuresReader reads every photo as the same clearly written figures.
type figuresReader struct{ values map[string]int }

func (f figuresReader) Read(ctx context.Context, form *ocr.Form, data []byte) (*ocr.Reading, error) {
	rd, err := decodingReader{}.Read(ctx, form, data)
	if err != nil {
		return nil, err
	}
	for id, v := range f.values {
		fr := rd.Fields[id]
		fr.Value, fr.Confidence, fr.Number = &v, 0.99, ocrtest.SureNumber(v)
		rd.Fields[id] = fr
	}
	return rd, nil
}

// correctFigures is a consistent set of figures for cb-2023.
func correctFigures() map[string]int {
	return map[string]int{
		"kayitli_secmen": 329, "oy_kullanan_kayitli": 260, "kanun_geregi": 0, "oy_kullanan_toplam": 260,
		"sandiktan_cikan_zarf": 260, "itirazsiz_gecerli": 249, "itirazli_gecerli": 3, "gecerli_oy": 252,
		"gecersiz_oy": 8, "aday_1": 104, "aday_2": 4, "aday_3": 133, "aday_4": 11,
	}
}

// photoPNG is a distinct small page for each n, so each upload is its own sheet.
func photoPNG(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 120, 170))
	for i := range img.Pix {
		img.Pix[i] = 230
	}
	img.SetGray(n%120, n/120, color.Gray{Y: 0})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadBox uploads photo n of a box with typed figures and waits for its verdict.
func (a app) uploadBox(t *testing.T, token string, n int, ilce, sandik string, typed map[string]int) sheetJSON {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"counts": typed})
	var up struct{ ID string }
	resp := a.upload(t, token, []part{
		{name: "form", data: []byte("cb-2023")},
		{name: "il", data: []byte("İzmir")},
		{name: "ilce", data: []byte(ilce)},
		{name: "sandik_no", data: []byte(sandik)},
		{name: "typed", data: body},
		{name: "image", filename: "tutanak.png", data: photoPNG(t, n)},
	}, &up)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s/%s: %d", ilce, sandik, resp.StatusCode)
	}
	return a.waitVerdict(t, token, up.ID)
}

// TestResultsAPI checks the totals API on both stacks: only verified
// figures count, and the box counts stand beside every total.
func TestResultsAPI(t *testing.T) {
	right := correctFigures()
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			a := setupWith(t, st, web.Config{}, figuresReader{values: right})
			observer := a.token(t, "gözlemci", review.Observer, "")
			legal := a.token(t, "hukuk", review.Legal, "")
			if v := a.uploadBox(t, observer, 1, "Gaziemir", "1", right); v.Status != "verified" {
				t.Fatalf("box 1: %s, want verified", v.Status)
			}
			wrong := correctFigures()
			wrong["aday_2"] = 40
			if v := a.uploadBox(t, observer, 2, "Buca", "2", wrong); v.Status != "flagged" {
				t.Fatalf("box 2: %s, want flagged", v.Status)
			}

			cases := []struct {
				name   string
				token  string
				query  string
				status int
				rows   int
				aday1  int
				counts review.BoxCounts
			}{
				{"by il", legal, "", http.StatusOK, 1, 104, review.BoxCounts{Boxes: 2, Accepted: 1, Flagged: 1}},
				{"by ilce", legal, "?level=ilce", http.StatusOK, 2, 104, review.BoxCounts{Boxes: 2, Accepted: 1, Flagged: 1}},
				{"one ilce by sandik", legal, "?level=sandik&il=izmir&ilce=buca", http.StatusOK, 1, 0, review.BoxCounts{Boxes: 1, Flagged: 1}},
				{"bad level", legal, "?level=mahalle", http.StatusBadRequest, 0, 0, review.BoxCounts{}},
				{"bad format", legal, "?format=xml", http.StatusBadRequest, 0, 0, review.BoxCounts{}},
				{"observer", observer, "", http.StatusForbidden, 0, 0, review.BoxCounts{}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var r review.Results
					resp := a.call(t, c.token, http.MethodGet, "/api/v1/results"+c.query, nil, "", &r)
					if resp.StatusCode != c.status {
						t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
					}
					if c.status != http.StatusOK {
						return
					}
					if len(r.Rows) != c.rows || r.Total.Figures["aday_1"] != c.aday1 || r.Total.Counts != c.counts {
						t.Fatalf("rows %d, aday_1 %d, counts %+v; want %d, %d, %+v", len(r.Rows), r.Total.Figures["aday_1"],
							r.Total.Counts, c.rows, c.aday1, c.counts)
					}
				})
			}

			t.Run("CSV", func(t *testing.T) {
				var raw []byte
				resp := a.call(t, legal, http.MethodGet, "/api/v1/results?level=sandik&format=csv", nil, "", &raw)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
					t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				// Header, two boxes in place order, the total; a box
				// without accepted figures shows blanks, never zeros.
				if len(recs) != 4 || recs[0][0] != "il" || recs[1][1] != "BUCA" || recs[1][4] != "flagged" || recs[1][5] != "" || recs[2][3] != "1" || recs[2][4] != "accepted" || recs[3][0] != "TOPLAM" {
					t.Fatalf("csv: %q", recs)
				}
				col := map[string]int{}
				for i, h := range recs[0] {
					col[h] = i
				}
				if recs[3][col["aday_1"]] != "104" || recs[3][col["boxes"]] != "2" || recs[3][col["flagged"]] != "1" {
					t.Fatalf("csv total: %q", recs[3])
				}
			})

			t.Run("OfficialAndDiscrepancies", func(t *testing.T) {
				csvBody := "il,ilce,sandik_no,aday_1,aday_2\nİzmir,Gaziemir,1,100,4\nİzmir,Buca,2,104,4\n"
				var imp review.OfficialImportResult
				if resp := a.call(t, observer, http.MethodPost, "/api/v1/official", strings.NewReader(csvBody), "text/csv", nil); resp.StatusCode != http.StatusForbidden {
					t.Fatalf("observer import: %d", resp.StatusCode)
				}
				resp := a.call(t, legal, http.MethodPost, "/api/v1/official?source=ysk.csv", strings.NewReader(csvBody), "text/csv", &imp)
				if resp.StatusCode != http.StatusCreated || imp.Boxes != 2 {
					t.Fatalf("import: %d %+v", resp.StatusCode, imp)
				}
				var d review.Discrepancies
				if resp := a.call(t, legal, http.MethodGet, "/api/v1/discrepancies", nil, "", &d); resp.StatusCode != http.StatusOK {
					t.Fatalf("discrepancies: %d", resp.StatusCode)
				}
				// Box 2 is flagged, so only box 1 is compared.
				if len(d.Discrepancies) != 1 || d.Discrepancies[0].Field != "aday_1" || d.Discrepancies[0].Official != 100 ||
					d.Discrepancies[0].Accepted != 104 || d.Discrepancies[0].SandikNo != "1" || len(d.Discrepancies[0].SheetIDs) != 1 {
					t.Fatalf("discrepancies: %+v", d)
				}
				// The legal team's page shows the same, with the evidence link.
				a.user(t, "hukuk-sayfa", review.Legal, "", "hukuk parola")
				b := newBrowser(t, a.url)
				b.login("hukuk-sayfa", "hukuk parola")
				resp, page := b.do(http.MethodGet, "/discrepancies", nil, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Tutarsızlıklar") ||
					!strings.Contains(page, "/api/v1/sheets/"+d.Discrepancies[0].SheetIDs[0]+"/evidence.zip") ||
					!strings.Contains(page, "<td>100</td><td>104</td>") {
					t.Fatalf("discrepancies page: %d\n%s", resp.StatusCode, page)
				}
				// Half the boxes count; aday_1 has 104 of 252 valid votes.
				resp, page = b.do(http.MethodGet, "/results", nil, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<rect class="state-accepted" x="0" y="0" width="50"`) ||
					!strings.Contains(page, `<td class="num" title="aday_1">104 <b>%41.3</b></td>`) {
					t.Fatalf("results page: %d\n%s", resp.StatusCode, page)
				}

				// A lawyer's review accepts box 2 (the photo's aday_2 = 4), and a
				// re-import publishes it with 5: exactly these two fields differ.
				var queue struct{ Sheets []review.SheetView }
				if resp := a.call(t, legal, http.MethodGet, "/api/v1/review-queue", nil, "", &queue); resp.StatusCode != http.StatusOK || len(queue.Sheets) != 1 {
					t.Fatalf("queue: %d %+v", resp.StatusCode, queue)
				}
				box2 := queue.Sheets[0].ID
				var dec review.Decisions
				a.call(t, legal, http.MethodGet, "/api/v1/sheets/"+box2+"/decisions", nil, "", &dec)
				// A copy: each answer is decoded into dec.
				for _, f := range slices.Clone(dec.Undecided) {
					body := `{"field":"` + f + `","kind":"confirm_typed"}`
					if f == "aday_2" {
						body = `{"field":"aday_2","kind":"accept_read","note":"fotoğraf açık"}`
					}
					if resp := a.call(t, legal, http.MethodPost, "/api/v1/sheets/"+box2+"/decisions", strings.NewReader(body), "application/json", &dec); resp.StatusCode != http.StatusCreated {
						t.Fatalf("decide %s: %d", f, resp.StatusCode)
					}
				}
				if dec.ReviewState != review.ReviewResolved {
					t.Fatalf("box 2 review: %+v", dec)
				}
				csv2 := "il,ilce,sandik_no,aday_1,aday_2\nİzmir,Buca,2,104,5\n"
				if resp := a.call(t, legal, http.MethodPost, "/api/v1/official", strings.NewReader(csv2), "text/csv", &imp); resp.StatusCode != http.StatusCreated {
					t.Fatalf("re-import: %d", resp.StatusCode)
				}
				d = review.Discrepancies{}
				a.call(t, legal, http.MethodGet, "/api/v1/discrepancies", nil, "", &d)
				var got []string
				for _, x := range d.Discrepancies {
					got = append(got, fmt.Sprintf("%s/%s/%s %d≠%d", x.Ilce, x.SandikNo, x.Field, x.Official, x.Accepted))
				}
				slices.Sort(got)
				if want := []string{"BUCA/2/aday_2 5≠4", "GAZİEMİR/1/aday_1 100≠104"}; !slices.Equal(got, want) {
					t.Fatalf("discrepancies after review and re-import: %v, want %v", got, want)
				}
				if _, page := b.do(http.MethodGet, "/discrepancies", nil, nil); !strings.Contains(page, "<td>5</td><td>4</td>") || !strings.Contains(page, "<td>100</td><td>104</td>") {
					t.Fatalf("discrepancies page after re-import:\n%s", page)
				}
			})
		})
	}
}
