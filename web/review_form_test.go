package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// decideForm returns the decision form the review screen shows for field:
// its hidden inputs, as a browser would send them.
func decideForm(t *testing.T, page, field string) url.Values {
	t.Helper()
	m := regexp.MustCompile(`(?s)<article class="field[^"]*" id="field-` + regexp.QuoteMeta(field) + `".*?</article>`).FindString(page)
	if m == "" {
		t.Fatalf("no form for %s on the review screen:\n%s", field, page)
	}
	form := url.Values{}
	for _, h := range hiddenInput.FindAllStringSubmatch(m, -1) {
		form.Set(h[1], h[2])
	}
	return form
}

func with(form url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// flaggedSheet uploads a drawn photo of box sandik with aday_1 typed as 84;
// the stand-in reader reads nothing, so every typed figure is flagged.
func flaggedSheet(t *testing.T, a app, observer, sandik string) string {
	t.Helper()
	s := drawnSample(t)
	s.data = append(append([]byte(nil), s.data...), "photo of box "+sandik...)
	var up struct{ ID string }
	if resp := a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("İzmir")},
		{name: "ilce", data: []byte("Gaziemir")}, {name: "sandik_no", data: []byte(sandik)},
		{name: "typed", data: []byte(`{"counts":{"aday_1":84,"aday_2":3,"gecerli_oy":87}}`)},
		{name: "image", filename: s.name, data: s.data}}, &up); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	if v := a.waitVerdict(t, observer, up.ID); v.Status != "flagged" {
		t.Fatalf("verdict %s, want flagged", v.Status)
	}
	return up.ID
}

// TestReviewFormStale: the review screen's decision is about the figures
// it showed. When the field changed before the lawyer pressed the button
// (the figure typed again, another lawyer's decision, the same form sent
// twice), the decision is refused and the screen shows the field as it is
// now; nothing is recorded on figures the lawyer never saw.
func TestReviewFormStale(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	colleague := a.token(t, "avukat-2", review.Lawyer, "İzmir")
	a.user(t, "avukat", review.Lawyer, "İzmir", "avukat parola")
	b := newBrowser(t, a.url)
	b.login("avukat", "avukat parola")
	admin := review.User{Role: review.Admin}

	cases := []struct {
		name      string
		meanwhile func(t *testing.T, id string, form url.Values)
		// shown is what the screen must show of aday_1 afterwards.
		shown string
	}{
		{"figure typed again", func(t *testing.T, id string, _ url.Values) {
			body := strings.NewReader(`{"counts":{"aday_1":90,"aday_2":3,"gecerli_oy":93}}`)
			if resp := a.call(t, observer, http.MethodPut, "/api/v1/sheets/"+id+"/typed", body, "application/json", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("retype: %d", resp.StatusCode)
			}
		}, `<dd class="typed">90</dd>`},
		{"another lawyer decided", func(t *testing.T, id string, _ url.Values) {
			body := strings.NewReader(`{"field":"aday_1","kind":"correct","value":85,"note":"ıslak imzalı nüsha 85 diyor"}`)
			if resp := a.call(t, colleague, http.MethodPost, "/api/v1/sheets/"+id+"/decisions", body, "application/json", nil); resp.StatusCode != http.StatusCreated {
				t.Fatalf("colleague's decision: %d", resp.StatusCode)
			}
		}, "ıslak imzalı nüsha 85 diyor"},
		{"the same form sent twice", func(t *testing.T, id string, form url.Values) {
			if resp, _ := b.do(http.MethodPost, "/review/"+id+"/decisions", form, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("first submission: %d", resp.StatusCode)
			}
		}, "girilen onaylandı"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := flaggedSheet(t, a, observer, fmt.Sprint(30+i))
			resp, page := b.do(http.MethodGet, "/review/"+id, nil, nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<dd class="typed">84</dd>`) {
				t.Fatalf("review screen: %d", resp.StatusCode)
			}
			form := with(decideForm(t, page, "aday_1"), "kind", "confirm_typed", "note", "84, fotoğraftaki gibi")
			c.meanwhile(t, id, form)
			mid, err := a.svc.Decisions(context.Background(), admin, id)
			if err != nil {
				t.Fatal(err)
			}
			resp, page = b.do(http.MethodPost, "/review/"+id+"/decisions", form, nil)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "sayfayı açtıktan sonra değişti") || !strings.Contains(page, c.shown) {
				t.Fatalf("decision on a screen that changed since: %d, want 409 with the field as it is now\n%s", resp.StatusCode, page)
			}
			d, err := a.svc.Decisions(context.Background(), admin, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Decisions) != len(mid.Decisions) {
				t.Fatalf("a decision on figures the lawyer never saw was recorded: %+v", d.Decisions[len(d.Decisions)-1])
			}
			// Decided again on the screen as it is now, it is recorded.
			again := with(decideForm(t, page, "aday_1"), "kind", "confirm_typed", "note", "baktım")
			if resp, _ := b.do(http.MethodPost, "/review/"+id+"/decisions", again, nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("decision on the screen as it is now: %d", resp.StatusCode)
			}
		})
	}
}

// TestReviewFormEnter: pressing Enter in the note or the corrected figure
// submits a form through its default button, its first submit button.
// That must not be a decision (it was "confirm typed"), and a corrected
// figure sent with any decision but a correction is refused, never
// dropped in silence.
func TestReviewFormEnter(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	a.user(t, "avukat", review.Lawyer, "İzmir", "avukat parola")
	b := newBrowser(t, a.url)
	b.login("avukat", "avukat parola")
	id := flaggedSheet(t, a, observer, "40")
	_, page := b.do(http.MethodGet, "/review/"+id, nil, nil)

	t.Run("default button decides nothing", func(t *testing.T) {
		forms := regexp.MustCompile(`(?s)<form method="post" action="/review/[^"]+/decisions" class="decide">.*?</form>`).FindAllString(page, -1)
		if len(forms) == 0 {
			t.Fatalf("no decision form:\n%s", page)
		}
		for _, f := range forms {
			first := regexp.MustCompile(`<button[^>]*>`).FindString(f)
			if !strings.Contains(first, " disabled") || strings.Contains(first, `name="kind"`) {
				t.Fatalf("the form's default button, which Enter presses, is %s: want a disabled button that decides nothing", first)
			}
		}
	})

	form := decideForm(t, page, "aday_1")
	cases := []struct {
		name string
		kind string
	}{
		{"confirm typed", "confirm_typed"},
		{"accept read", "accept_read"},
		{"object", "object"},
	}
	for _, c := range cases {
		t.Run("figure with "+c.name, func(t *testing.T) {
			resp, page := b.do(http.MethodPost, "/review/"+id+"/decisions", with(form, "kind", c.kind, "value", "85", "note", "fotoğrafta 85"), nil)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Yalnızca düzeltmede sayı girilir") {
				t.Fatalf("%s with a corrected figure: %d, want 400 unexpected_value", c.kind, resp.StatusCode)
			}
			d, err := a.svc.Decisions(context.Background(), review.User{Role: review.Admin}, id)
			if err != nil || len(d.Decisions) != 0 {
				t.Fatalf("decisions recorded: %+v, %v", d.Decisions, err)
			}
		})
	}
}
