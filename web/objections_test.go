package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestLegalObjections: a lawyer's objection on the review screen puts its
// sheet at the top of the legal team's page, with the field objected to,
// the deadline and the evidence bundle, and in GET /api/v1/objections;
// another province's legal team sees none of it.
func TestLegalObjections(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	legal := a.token(t, "hukuk-api", review.Legal, "İzmir")
	ankara := a.token(t, "hukuk-ankara", review.Legal, "Ankara")
	a.user(t, "avukat", review.Lawyer, "İzmir", "avukat parola")
	a.user(t, "hukuk", review.Legal, "İzmir", "hukuk parola")
	objected := flaggedSheet(t, a, observer, "31")
	flaggedSheet(t, a, observer, "32") // flagged, not decided on

	lawyer := newBrowser(t, a.url)
	lawyer.login("avukat", "avukat parola")
	_, page := lawyer.do(http.MethodGet, "/review/"+objected, nil, nil)
	form := with(decideForm(t, page, "aday_1"), "kind", "object", "note", "ıslak imzalı tutanakta 48")
	if resp, page := lawyer.do(http.MethodPost, "/review/"+objected+"/decisions", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("objection: %d\n%s", resp.StatusCode, page)
	}

	b := newBrowser(t, a.url)
	b.login("hukuk", "hukuk parola")
	resp, page := b.do(http.MethodGet, "/legal", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/legal: %d", resp.StatusCode)
	}
	section, _, ok := strings.Cut(page, `<form method="get" action="/legal"`)
	if !ok || !strings.Contains(section, `<section id="objections">`) {
		t.Fatalf("no objections above the search:\n%s", page)
	}
	for _, want := range []string{"İtiraz edilecek tutanaklar", "<td>31</td>", "RECEP TAYYİP ERDOĞAN", "/api/v1/sheets/" + objected + "/evidence.zip", "UTC"} {
		if !strings.Contains(section, want) {
			t.Errorf("the objections lack %q:\n%s", want, section)
		}
	}
	if strings.Contains(section, "<td>32</td>") {
		t.Errorf("a sheet nobody objected to is listed:\n%s", section)
	}
	// In the search below, the objected sheet reads "objection" (and still
	// "open": its other flagged fields wait), the other one only "open".
	_, search, _ := strings.Cut(page, `<div id="results">`)
	for box, want := range map[string]string{"31": "<td><b>itiraz</b>, bekliyor</td>", "32": "<td>bekliyor</td>"} {
		_, row, _ := strings.Cut(search, "<td>"+box+"</td>")
		row, _, _ = strings.Cut(row, "</tr>")
		if !strings.Contains(row, want) {
			t.Errorf("box %s's row in the search reads %q, want %q", box, row, want)
		}
	}

	// Once every other flagged field is decided, the review is resolved; the
	// legal team still reads "objection", never "resolved".
	lawyerAPI := a.token(t, "avukat-api", review.Lawyer, "İzmir")
	path := "/api/v1/sheets/" + objected + "/decisions"
	var d review.Decisions
	a.call(t, lawyerAPI, http.MethodGet, path, nil, "", &d)
	decideTheRest(t, a, lawyerAPI, path, &d)
	if d.ReviewState != review.ReviewResolved || len(d.Objections) != 1 {
		t.Fatalf("after deciding the rest: %+v", d)
	}
	_, page = b.do(http.MethodGet, "/legal?sandik_no=31", nil, nil)
	_, search, _ = strings.Cut(page, `<div id="results">`)
	if _, row, _ := strings.Cut(search, "<td>31</td>"); !strings.Contains(row, "<td><b>itiraz</b></td>") {
		t.Errorf("the resolved sheet with an objection reads %q, want itiraz alone", row)
	}

	cases := []struct {
		name  string
		token string
		want  []string
	}{
		{"the province's legal team", legal, []string{objected}},
		{"another province's", ankara, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out struct {
				Objections []struct {
					Sheet  struct{ ID string }
					Fields []string
				}
			}
			if resp := a.call(t, c.token, http.MethodGet, "/api/v1/objections", nil, "", &out); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /api/v1/objections: %d", resp.StatusCode)
			}
			got := []string{}
			for _, o := range out.Objections {
				got = append(got, o.Sheet.ID)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("objections %v, want %v", got, c.want)
			}
		})
	}
}

// TestSheetPagesObjection: the sheet's own pages, which the legal team
// opens from its list of sheets to object to, read "objection" while a
// lawyer's objection stands, as the legal page does: never "resolved", once
// the sheet's other fields are decided, for a sheet that counts in no total.
// The sheet page names the fields as the printed sheet does.
func TestSheetPagesObjection(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	lawyerAPI := a.token(t, "avukat-api", review.Lawyer, "İzmir")
	a.user(t, "hukuk", review.Legal, "İzmir", "hukuk parola")
	id := flaggedSheet(t, a, observer, "51")
	path := "/api/v1/sheets/" + id + "/decisions"
	var d review.Decisions
	body := `{"field":"aday_1","kind":"object","note":"ıslak imzalı tutanakta 48"}`
	if resp := a.call(t, lawyerAPI, http.MethodPost, path, strings.NewReader(body), "application/json", &d); resp.StatusCode != http.StatusCreated {
		t.Fatalf("object: %d", resp.StatusCode)
	}
	b := newBrowser(t, a.url)
	b.login("hukuk", "hukuk parola")
	// The sheet page gives the figures in the printed sheet's order under
	// its labels, and names each decision's field the same way, not by the
	// form's internal ids.
	t.Run("labels", func(t *testing.T) {
		resp, page := b.do(http.MethodGet, "/sheets/"+id, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sheet page: %d", resp.StatusCode)
		}
		form, err := a.svc.Form("cb-2023")
		if err != nil {
			t.Fatal(err)
		}
		tables := regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`).FindAllStringSubmatch(page, -1)
		if len(tables) < 2 {
			t.Fatalf("want the figures and the decisions tables:\n%s", page)
		}
		var rows []string
		for _, m := range regexp.MustCompile(`<tr><td>(.*?)</td>`).FindAllStringSubmatch(tables[0][1], -1) {
			rows = append(rows, m[1])
		}
		if len(rows) != len(form.Fields) {
			t.Fatalf("%d rows of figures, want %d: %q", len(rows), len(form.Fields), rows)
		}
		for i, f := range form.Fields {
			if want := html.EscapeString(f.Label); rows[i] != want {
				t.Errorf("row %d is %q, want %q (the form's order, the printed label)", i, rows[i], want)
			}
		}
		row := regexp.MustCompile(`<tr><td>\d+</td><td>(.*?)</td>`).FindStringSubmatch(tables[1][1])
		if want := html.EscapeString(form.Label("aday_1")); row == nil || row[1] != want {
			t.Errorf("the decision's field reads %q, want %q", row, want)
		}
	})
	state := func(t *testing.T, page string) string {
		t.Helper()
		_, s, ok := strings.Cut(page, `<b id="review-state">`)
		s, _, _ = strings.Cut(s, "</b>")
		if !ok {
			t.Fatalf("no review state on the page:\n%s", page)
		}
		return s
	}
	check := func(t *testing.T, want string) {
		for _, p := range []string{"/sheets/" + id, "/review/" + id} {
			resp, page := b.do(http.MethodGet, p, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			if got := state(t, page); got != want {
				t.Errorf("%s reads the review %q, want %q", p, got, want)
			}
		}
	}
	t.Run("other fields waiting", func(t *testing.T) { check(t, "itiraz, bekliyor") })

	decideTheRest(t, a, lawyerAPI, path, &d)
	if d.ReviewState != review.ReviewResolved || len(d.Objections) != 1 {
		t.Fatalf("after deciding the rest: %+v", d)
	}
	t.Run("every other field decided", func(t *testing.T) { check(t, "itiraz") })

	body = `{"field":"aday_1","kind":"correct","value":48,"note":"kurul düzeltti"}`
	if resp := a.call(t, lawyerAPI, http.MethodPost, path, strings.NewReader(body), "application/json", &d); resp.StatusCode != http.StatusCreated {
		t.Fatalf("replace the objection: %d", resp.StatusCode)
	}
	t.Run("objection replaced", func(t *testing.T) { check(t, "karara bağlandı") })
}

// decideTheRest corrects every field of d's sheet still undecided to 0
// through the API at path, as token, until none is left: a correction can
// break a rule that puts another field in question.
func decideTheRest(t *testing.T, a app, token, path string, d *review.Decisions) {
	t.Helper()
	for round := 0; len(d.Undecided) > 0 && round < 5; round++ {
		for _, field := range d.Undecided {
			body := `{"field":"` + field + `","kind":"correct","value":0,"note":"fotoğrafta 0"}`
			if resp := a.call(t, token, http.MethodPost, path, strings.NewReader(body), "application/json", d); resp.StatusCode != http.StatusCreated {
				t.Fatalf("decide %s: %d", field, resp.StatusCode)
			}
		}
	}
}
