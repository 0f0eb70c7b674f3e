package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// photoReader reads each photo as the figures given for its bytes, so that
// two photos of one box can both be verified and still disagree.
type photoReader map[string]map[string]int

func (p photoReader) Read(ctx context.Context, form *ocr.Form, data []byte) (*ocr.Reading, error) {
	return figuresReader{values: p[string(data)]}.Read(ctx, form, data)
}

// uploadPhoto uploads photo n under a box with figures typed as the photo
// shows them, and waits for its verdict, which must be verified.
func (a app) uploadPhoto(t *testing.T, token string, n int, box review.Box, typed map[string]int) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"counts": typed})
	var up struct{ ID string }
	resp := a.upload(t, token, []part{
		{name: "form", data: []byte("cb-2023")},
		{name: "il", data: []byte(box.Il)},
		{name: "ilce", data: []byte(box.Ilce)},
		{name: "sandik_no", data: []byte(box.SandikNo)},
		{name: "typed", data: body},
		{name: "image", filename: "tutanak.png", data: photoPNG(t, n)},
	}, &up)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload %v: %d", box, resp.StatusCode)
	}
	if v := a.waitVerdict(t, token, up.ID); v.Status != "verified" {
		t.Fatalf("photo %d of %v: %s, want verified", n, box, v.Status)
	}
	return up.ID
}

// TestReviewConflicts: two photos of one box, each verified, that disagree
// put the box in conflict and out of the totals. The lawyers' pages show
// it: the queue lists the box (within the lawyer's province) with the
// fields that differ and its photos, and a photo's review screen offers a
// decision on each of those fields beside the other photo's figure. A
// correction that makes the photos agree brings the box into the totals.
func TestReviewConflicts(t *testing.T) {
	right := correctFigures()
	other := correctFigures()
	other["aday_1"], other["aday_3"] = 105, 132 // the sums still hold
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			reader := photoReader{}
			for n, figs := range map[int]map[string]int{1: right, 2: other, 3: right, 4: other} {
				reader[string(photoPNG(t, n))] = figs
			}
			a := setupWith(t, st, web.Config{}, reader)
			observer := a.token(t, "gözlemci", review.Observer, "")
			a.user(t, "avukat", review.Lawyer, "İzmir", "izmir parola")
			a.user(t, "avukat-ankara", review.Lawyer, "Ankara", "ankara parola")
			a.user(t, "hukuk", review.Legal, "", "hukuk parola")
			izmirBox := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "7"}
			izmir := []string{a.uploadPhoto(t, observer, 1, izmirBox, right), a.uploadPhoto(t, observer, 2, izmirBox, other)}
			ankaraBox := review.Box{Il: "Ankara", Ilce: "Çankaya", SandikNo: "9"}
			ankara := []string{a.uploadPhoto(t, observer, 3, ankaraBox, right), a.uploadPhoto(t, observer, 4, ankaraBox, other)}

			form, err := a.svc.Form("cb-2023")
			if err != nil {
				t.Fatal(err)
			}
			label := func(id string) string {
				f, _ := form.Field(id)
				return html.EscapeString(f.Label)
			}
			browsers := map[string]*browser{}
			for name, password := range map[string]string{"avukat": "izmir parola", "avukat-ankara": "ankara parola", "hukuk": "hukuk parola"} {
				browsers[name] = newBrowser(t, a.url)
				browsers[name].login(name, password)
			}

			t.Run("Queue", func(t *testing.T) {
				cases := []struct {
					name        string
					user        string
					see, notSee []string // sheets whose links the section must and must not have
					row         string   // the box's cells
				}{
					{"İzmir lawyer sees İzmir's box", "avukat", izmir, ankara, `<td>İZMİR</td><td>GAZİEMİR</td><td>7</td>`},
					{"Ankara lawyer sees Ankara's box only", "avukat-ankara", ankara, izmir, `<td>ANKARA</td><td>ÇANKAYA</td><td>9</td>`},
					{"legal team without a province sees both", "hukuk", append(append([]string{}, izmir...), ankara...), nil, `<td>İZMİR</td><td>GAZİEMİR</td><td>7</td>`},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						resp, page := browsers[c.user].do(http.MethodGet, "/review", nil, nil)
						if resp.StatusCode != http.StatusOK {
							t.Fatalf("queue: %d", resp.StatusCode)
						}
						section := regexp.MustCompile(`(?s)<section id="conflicts">.*?</section>`).FindString(page)
						if !strings.Contains(section, "Çelişkili sandıklar") || !strings.Contains(section, c.row) {
							t.Fatalf("queue without the conflicting box %s:\n%s", c.row, page)
						}
						if want := label("aday_1") + ", " + label("aday_3"); !strings.Contains(section, want) {
							t.Errorf("queue does not name the fields that differ, %q:\n%s", want, section)
						}
						for i, id := range c.see {
							if !strings.Contains(section, `href="/review/`+id+`"`) {
								t.Errorf("queue has no link to photo %d's review screen %s", i+1, id)
							}
						}
						for _, id := range c.notSee {
							if strings.Contains(page, id) {
								t.Errorf("queue shows %s, a sheet of another province", id)
							}
						}
					})
				}
			})

			t.Run("ReviewScreen", func(t *testing.T) {
				resp, page := browsers["avukat"].do(http.MethodGet, "/review/"+izmir[1], nil, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="box-conflict"`) || !strings.Contains(page, "birbirini tutmuyor") {
					t.Fatalf("review screen of a photo of a conflicting box does not say so: %d\n%s", resp.StatusCode, page)
				}
				cases := []struct {
					field             string
					typed, otherPhoto string
				}{
					{"aday_1", "105", "104"},
					{"aday_3", "132", "133"},
				}
				for _, c := range cases {
					t.Run(c.field, func(t *testing.T) {
						article := regexp.MustCompile(`(?s)<article class="field[^"]*" id="field-` + c.field + `".*?</article>`).FindString(page)
						if article == "" {
							t.Fatalf("no decision for %s on the screen:\n%s", c.field, page)
						}
						form := decideForm(t, page, c.field)
						if form.Get("seen_typed") != c.typed || form.Get("seen_read") != c.typed || form.Get("seen_version") != "0" {
							t.Errorf("the form says it was shown %v, want typed and read %s, version 0", form, c.typed)
						}
						decide := regexp.MustCompile(`(?s)<form method="post" action="/review/[^"]+/decisions" class="decide">.*?</form>`).FindString(article)
						first := regexp.MustCompile(`<button[^>]*>`).FindString(decide)
						if !strings.Contains(first, " disabled") || strings.Contains(first, `name="kind"`) {
							t.Errorf("the form's first button is %q: want a disabled one that decides nothing", first)
						}
						if want := `<a href="/review/` + izmir[0] + `">Fotoğraf 1</a>: <b class="other">` + c.otherPhoto + `</b>`; !strings.Contains(article, want) {
							t.Errorf("the other photo's figure is not shown, want %s in:\n%s", want, article)
						}
					})
				}
				if strings.Contains(page, `id="field-aday_2"`) {
					t.Errorf("a field the photos agree on has a decision form")
				}
			})

			t.Run("CorrectionResolves", func(t *testing.T) {
				b := browsers["avukat"]
				lawyer := a.token(t, "avukat-api", review.Lawyer, "İzmir")
				state := func(t *testing.T) (review.BoxState, map[string]int) {
					t.Helper()
					var r review.Results
					if resp := a.call(t, lawyer, http.MethodGet, "/api/v1/results?level=sandik&il=izmir&ilce=gaziemir", nil, "", &r); resp.StatusCode != http.StatusOK || len(r.Rows) != 1 {
						t.Fatalf("results: %d, %d rows", resp.StatusCode, len(r.Rows))
					}
					return r.Rows[0].State, r.Rows[0].Figures
				}
				steps := []struct {
					field, value string
					// next is where the screen goes: back to the photo
					// while the box is still in conflict, else the queue.
					next  string
					state review.BoxState
				}{
					{"aday_1", "104", "/review/" + izmir[1], review.BoxConflict},
					{"aday_3", "133", "/review", review.BoxAccepted},
				}
				for _, s := range steps {
					t.Run(s.field, func(t *testing.T) {
						_, page := b.do(http.MethodGet, "/review/"+izmir[1], nil, nil)
						form := with(decideForm(t, page, s.field), "kind", "correct", "value", s.value, "note", "ıslak imzalı nüsha "+s.value+" diyor")
						resp, _ := b.do(http.MethodPost, "/review/"+izmir[1]+"/decisions", form, nil)
						if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != s.next {
							t.Fatalf("correction: %d to %s, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), s.next)
						}
						if got, _ := state(t); got != s.state {
							t.Fatalf("box after correcting %s: %s, want %s", s.field, got, s.state)
						}
					})
				}
				got, figs := state(t)
				if got != review.BoxAccepted || fmt.Sprint(figs) != fmt.Sprint(right) {
					t.Fatalf("box %s with %v, want accepted with %v", got, figs, right)
				}
				if _, page := b.do(http.MethodGet, "/review", nil, nil); strings.Contains(page, `id="conflicts"`) {
					t.Errorf("the queue still lists a box whose photos now agree:\n%s", page)
				}
			})
		})
	}
}
