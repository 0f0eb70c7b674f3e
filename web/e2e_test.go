package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/web"
)

// TestEndToEnd runs the service on SQLite + disk and on PostgreSQL + MinIO:
// upload photos with typed figures, see verdicts, re-upload, fetch the
// original, try to delete it, check and break the custody chain.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			a := setup(t, st, web.Config{})
			observer := a.token(t, "gözlemci", review.Observer, "")
			other := a.token(t, "başka-gözlemci", review.Observer, "")
			lawyerIzmir := a.token(t, "avukat-izmir", review.Lawyer, "İzmir")
			lawyerAnkara := a.token(t, "avukat-ankara", review.Lawyer, "Ankara")
			entry := a.token(t, "veri-girişi", review.Entry, "")

			for _, resp := range []*http.Response{
				a.call(t, "", http.MethodGet, "/healthz", nil, "", nil),
				a.call(t, "", http.MethodGet, "/readyz", nil, "", nil),
			} {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d", resp.Request.URL.Path, resp.StatusCode)
				}
			}

			for i, s := range samples(t, 3) {
				t.Run(s.name, func(t *testing.T) {
					typed, _ := json.Marshal(map[string]any{"counts": s.typed})
					parts := []part{
						{name: "form", data: []byte("cb-2023")},
						{name: "il", data: []byte("İzmir")},
						{name: "ilce", data: []byte("Gaziemir")},
						{name: "sandik_no", data: []byte(strconv.Itoa(1001 + i))},
						{name: "typed", data: typed},
						{name: "image", filename: s.name, data: s.data},
					}
					var up struct{ ID, SHA256, Status string }
					resp := a.upload(t, observer, parts, &up)
					sum := sha256.Sum256(s.data)
					if resp.StatusCode != http.StatusCreated || up.Status != "queued" || up.SHA256 != hex.EncodeToString(sum[:]) {
						t.Fatalf("upload: %d %+v", resp.StatusCode, up)
					}
					got := a.waitVerdict(t, observer, up.ID)
					for id, n := range s.typed {
						if f := got.Fields[id]; f.Typed == nil || *f.Typed != n {
							t.Errorf("field %s typed = %v, want %d", id, f.Typed, n)
						}
					}

					var again struct{ ID string }
					if resp := a.upload(t, observer, parts, &again); resp.StatusCode != http.StatusOK || again.ID != up.ID {
						t.Fatalf("re-upload: %d, id %s, want 200 and %s", resp.StatusCode, again.ID, up.ID)
					}
					// The same bytes from another observer: kept once, and said so.
					var clash errJSON
					if resp := a.upload(t, other, parts, &clash); resp.StatusCode != http.StatusConflict ||
						clash.Error.Code != "already_received" || clash.Error.Message == "" || clash.Error.MessageEN == "" {
						t.Fatalf("another observer's upload of the same bytes: %d %+v, want 409 already_received", resp.StatusCode, clash)
					}

					var original []byte
					resp = a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/original", nil, "", &original)
					if resp.StatusCode != http.StatusOK || string(original) != string(s.data) {
						t.Fatalf("original: %d, %d bytes", resp.StatusCode, len(original))
					}
					// One user's view of their province: no cache keeps it on a shared phone.
					if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("original's Cache-Control %q, want no-store", cc)
					}
					if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; resp.Header.Get("Repr-Digest") != want {
						t.Errorf("Repr-Digest %q, want %q", resp.Header.Get("Repr-Digest"), want)
					}

					var thumb []byte
					resp = a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/images/thumbnail", nil, "", &thumb)
					if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
						t.Errorf("thumbnail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
					} else if cfg, err := png.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width > 400 {
						t.Errorf("thumbnail: %+v, %v", cfg, err)
					}
					if resp := a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/images/../../x", nil, "", nil); resp.StatusCode != http.StatusNotFound {
						t.Errorf("image outside the sheet: %d", resp.StatusCode)
					}

					for name, tok := range map[string]string{"other observer": other, "lawyer of Ankara": lawyerAnkara} {
						var e errJSON
						if resp := a.call(t, tok, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &e); resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
							t.Errorf("%s: %d %+v", name, resp.StatusCode, e)
						}
					}
					if resp := a.call(t, lawyerIzmir, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &sheetJSON{}); resp.StatusCode != http.StatusOK {
						t.Errorf("lawyer of İzmir: %d", resp.StatusCode)
					}

					if err := a.store.RemoveOriginal(ctx, up.SHA256); !errors.Is(err, storage.ErrLocked) {
						t.Errorf("remove locked original: %v, want ErrLocked", err)
					}
				})
			}

			t.Run("TypedByBoxBeforeAndAfter", func(t *testing.T) {
				s := drawnSample(t)
				box := `"form":"cb-2023","il":"İzmir","ilce":"Karşıyaka","sandik_no":"7"`
				var res struct{ Sheets []string }
				resp := a.call(t, entry, http.MethodPut, "/api/v1/typed", strings.NewReader(`{`+box+`,"counts":{"aday_1":5}}`), "application/json", &res)
				if resp.StatusCode != http.StatusOK || len(res.Sheets) != 0 {
					t.Fatalf("typed before photo: %d %+v", resp.StatusCode, res)
				}
				s.data = append(s.data[:len(s.data):len(s.data)], 0) // different bytes, same picture
				var up struct{ ID string }
				a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("izmir")},
					{name: "ilce", data: []byte("KARŞIYAKA")}, {name: "sandik_no", data: []byte("7")},
					{name: "image", filename: "x.png", data: s.data}}, &up)
				got := a.waitVerdict(t, observer, up.ID)
				if f := got.Fields["aday_1"]; f.Typed == nil || *f.Typed != 5 {
					t.Fatalf("typed from box: %+v", f)
				}
				resp = a.call(t, entry, http.MethodPut, "/api/v1/typed", strings.NewReader(`{`+box+`,"counts":{"aday_1":6}}`), "application/json", &res)
				if resp.StatusCode != http.StatusOK || len(res.Sheets) != 1 || res.Sheets[0] != up.ID {
					t.Fatalf("typed after photo: %d %+v", resp.StatusCode, res)
				}
				var after sheetJSON
				a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &after)
				if f := after.Fields["aday_1"]; f.Typed == nil || *f.Typed != 6 {
					t.Fatalf("recomputed: %+v", f)
				}
				resp = a.call(t, observer, http.MethodPut, "/api/v1/sheets/"+up.ID+"/typed", strings.NewReader(`{"counts":{"aday_1":7}}`), "application/json", &after)
				if f := after.Fields["aday_1"]; resp.StatusCode != http.StatusOK || f.Typed == nil || *f.Typed != 7 {
					t.Fatalf("sheet typed: %d %+v", resp.StatusCode, f)
				}
			})

			t.Run("Metrics", func(t *testing.T) {
				var body []byte
				a.call(t, "", http.MethodGet, "/metrics", nil, "", &body)
				if !strings.Contains(string(body), `tutanak_uploads_total{outcome="created"}`) {
					t.Fatalf("metrics lack uploads:\n%s", body)
				}
			})

			t.Run("CustodyVerify", func(t *testing.T) {
				rep, err := a.svc.VerifyCustody(ctx)
				if err != nil || !rep.OK() || rep.Entries == 0 {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
				tamper(t, a.db)
				rep, err = a.svc.VerifyCustody(ctx)
				if err != nil || rep.OK() {
					t.Fatalf("custody after tampering: %+v, %v", rep, err)
				}
			})
		})
	}
}

// tamper rewrites a custody entry the way someone with database access
// could, going around the append-only triggers.
func tamper(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{`DROP TRIGGER custody_no_update`}
	if db.Dialect() == storage.Postgres {
		stmts = []string{`ALTER TABLE custody DISABLE TRIGGER custody_no_change`}
	}
	stmts = append(stmts, `UPDATE custody SET detail = '{}' WHERE seq = 2`)
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		for _, s := range stmts {
			if err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEndToEndOfficial is issue 6's end to end, with the reader tutanak
// serves with (Tesseract and the digit model) on generated phone photos:
// observers upload a handful of sheets, some verify on their own and the
// rest are accepted through a lawyer's review; the legal team imports the
// official results twice, first as still being entered, then final and
// differing from the accepted figures on two boxes; the API and the
// discrepancies page list exactly those two fields. Both stacks, four
// sheets each: about fifteen seconds a stack.
func TestEndToEndOfficial(t *testing.T) {
	reader := realReader(t)
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) { endToEndOfficial(t, setupWith(t, st, web.Config{}, reader)) })
	}
}

func endToEndOfficial(t *testing.T, a app) {
	observer := a.token(t, "gözlemci", review.Observer, "")
	lawyer := a.token(t, "avukat", review.Lawyer, "İzmir")
	legal := a.token(t, "hukuk", review.Legal, "")
	a.user(t, "hukuk-sayfa", review.Legal, "", "hukuk parola")

	// Photos first, as on the night: figures are typed later, if at all.
	photos := phonePhotos(t, 4)
	sheets := make([]sheetJSON, len(photos))
	for i, data := range photos {
		var up struct{ ID string }
		resp := a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("İzmir")},
			{name: "ilce", data: []byte("Karşıyaka")}, {name: "sandik_no", data: []byte(strconv.Itoa(i + 1))},
			{name: "image", filename: fmt.Sprintf("tutanak-%d.jpg", i+1), data: data}}, &up)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload %d: %d", i+1, resp.StatusCode)
		}
		sheets[i] = a.waitVerdict(t, observer, up.ID)
		if sheets[i].Status == "unreadable" {
			t.Fatalf("sheet %d unreadable: %+v", i+1, sheets[i].Reasons)
		}
	}
	// The last box's figures are typed with a slip in aday_1, so at least
	// one sheet needs a lawyer whatever the reader makes of the photos.
	last := &sheets[len(sheets)-1]
	typed := map[string]int{}
	for id, f := range last.Fields {
		if f.Read != nil {
			typed[id] = *f.Read
		}
	}
	typed["aday_1"] += 10
	body, _ := json.Marshal(map[string]any{"counts": typed})
	if resp := a.call(t, observer, http.MethodPut, "/api/v1/sheets/"+last.ID+"/typed", bytes.NewReader(body), "application/json", last); resp.StatusCode != http.StatusOK || last.Status != "flagged" {
		t.Fatalf("typing slip: %d, status %s", resp.StatusCode, last.Status)
	}

	// A lawyer settles every flagged sheet by the photo.
	reviewed := 0
	for _, sh := range sheets {
		t.Logf("box %s: %s", sh.Box.SandikNo, sh.Status)
		if sh.Status != "flagged" {
			continue
		}
		reviewed++
		var dec review.Decisions
		a.call(t, lawyer, http.MethodGet, "/api/v1/sheets/"+sh.ID+"/decisions", nil, "", &dec)
		for _, f := range slices.Clone(dec.Undecided) {
			in := review.DecisionInput{Field: f, Kind: review.AcceptRead, Note: "fotoğrafta açık"}
			if sh.Fields[f].Read == nil {
				t.Fatalf("box %s: %s flagged and not read", sh.Box.SandikNo, f)
			}
			body, _ := json.Marshal(in)
			if resp := a.call(t, lawyer, http.MethodPost, "/api/v1/sheets/"+sh.ID+"/decisions", bytes.NewReader(body), "application/json", &dec); resp.StatusCode != http.StatusCreated {
				t.Fatalf("decide %s/%s: %d", sh.Box.SandikNo, f, resp.StatusCode)
			}
		}
		if dec.ReviewState != review.ReviewResolved {
			t.Fatalf("box %s after review: %+v", sh.Box.SandikNo, dec)
		}
	}
	t.Logf("%d of %d sheets went through review", reviewed, len(sheets))

	// Every box now counts; its accepted figures are what the official
	// results are checked against.
	var res review.Results
	q := "/api/v1/results?level=sandik&il=" + url.QueryEscape("İzmir") + "&ilce=" + url.QueryEscape("Karşıyaka")
	if resp := a.call(t, legal, http.MethodGet, q, nil, "", &res); resp.StatusCode != http.StatusOK || len(res.Rows) != len(sheets) {
		t.Fatalf("results: %d, %d rows", resp.StatusCode, len(res.Rows))
	}
	accepted := map[string]map[string]int{}
	for _, r := range res.Rows {
		if r.State != review.BoxAccepted {
			t.Fatalf("box %s: %s, want accepted", r.SandikNo, r.State)
		}
		accepted[r.SandikNo] = r.Figures
	}
	if got := accepted[last.Box.SandikNo]["aday_1"]; got != typed["aday_1"]-10 {
		t.Fatalf("reviewed box aday_1 = %d, want the photo's %d", got, typed["aday_1"]-10)
	}

	// The official file: the accepted figures, but for one field on each
	// of two boxes (one verified on its own, the reviewed one).
	official := map[string]map[string]int{}
	for box, figs := range accepted {
		official[box] = maps.Clone(figs)
	}
	official["1"]["aday_3"] += 7
	official[last.Box.SandikNo]["gecersiz_oy"] += 2
	want := []string{
		fmt.Sprintf("1/aday_3 %d≠%d", official["1"]["aday_3"], accepted["1"]["aday_3"]),
		fmt.Sprintf("%s/gecersiz_oy %d≠%d", last.Box.SandikNo, official[last.Box.SandikNo]["gecersiz_oy"], accepted[last.Box.SandikNo]["gecersiz_oy"]),
	}
	slices.Sort(want)
	csvBody := officialCSV(res.Fields, official)

	discrepancies := func() []string {
		t.Helper()
		var d review.Discrepancies
		if resp := a.call(t, legal, http.MethodGet, "/api/v1/discrepancies", nil, "", &d); resp.StatusCode != http.StatusOK {
			t.Fatalf("discrepancies: %d", resp.StatusCode)
		}
		got := []string{}
		for _, x := range d.Discrepancies {
			got = append(got, fmt.Sprintf("%s/%s %d≠%d", x.SandikNo, x.Field, x.Official, x.Accepted))
		}
		slices.Sort(got)
		return got
	}
	b := newBrowser(t, a.url)
	b.login("hukuk-sayfa", "hukuk parola")
	onPage := func() []string {
		t.Helper()
		resp, page := b.do(http.MethodGet, "/discrepancies", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("discrepancies page: %d", resp.StatusCode)
		}
		got := []string{}
		for _, m := range discrepancyRow.FindAllStringSubmatch(page, -1) {
			if m[1] != "İZMİR" || m[2] != "KARŞIYAKA" {
				t.Fatalf("row of another place: %q", m[0])
			}
			got = append(got, fmt.Sprintf("%s/%s %s≠%s", m[3], m[4], m[5], m[6]))
		}
		slices.Sort(got)
		return got
	}

	// Still being entered: shown as partial, never compared.
	var imp review.OfficialImportResult
	if resp := a.call(t, legal, http.MethodPost, "/api/v1/official?partial=1&source=ysk-ara.csv", strings.NewReader(csvBody), "text/csv", &imp); resp.StatusCode != http.StatusCreated || !imp.Partial || imp.Boxes != len(sheets) {
		t.Fatalf("partial import: %d %+v", resp.StatusCode, imp)
	}
	if got := discrepancies(); len(got) != 0 {
		t.Fatalf("discrepancies of a partial import: %v", got)
	}
	if got := onPage(); len(got) != 0 {
		t.Fatalf("discrepancies page of a partial import: %v", got)
	}

	if resp := a.call(t, legal, http.MethodPost, "/api/v1/official?source=ysk.csv", strings.NewReader(csvBody), "text/csv", &imp); resp.StatusCode != http.StatusCreated || imp.Partial {
		t.Fatalf("final import: %d %+v", resp.StatusCode, imp)
	}
	if got := discrepancies(); !slices.Equal(got, want) {
		t.Fatalf("API discrepancies %v, want exactly %v", got, want)
	}
	if got := onPage(); !slices.Equal(got, want) {
		t.Fatalf("page discrepancies %v, want exactly %v", got, want)
	}
}

// discrepancyRow is one row of the discrepancies page: place, box, field,
// official and accepted figures.
var discrepancyRow = regexp.MustCompile(`<tr>\s*<td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td>`)

// officialCSV writes the official results file of boxes of İzmir/Karşıyaka.
func officialCSV(fields []string, boxes map[string]map[string]int) string {
	var sb strings.Builder
	sb.WriteString("il,ilce,sandik_no," + strings.Join(fields, ",") + "\n")
	for _, box := range slices.Sorted(maps.Keys(boxes)) {
		sb.WriteString("İzmir,Karşıyaka," + box)
		for _, f := range fields {
			sb.WriteString("," + strconv.Itoa(boxes[box][f]))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
