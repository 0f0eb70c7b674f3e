package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestSheetPageLabels: the sheet page, which the legal team opens from its
// objections, gives the figures in the printed sheet's order under its
// labels, and names the field of each decision the same way, not by the
// form's internal ids.
func TestSheetPageLabels(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	lawyerAPI := a.token(t, "avukat-api", review.Lawyer, "İzmir")
	a.user(t, "hukuk", review.Legal, "İzmir", "hukuk parola")
	id := flaggedSheet(t, a, observer, "52")
	body := `{"field":"aday_1","kind":"object","note":"ıslak imzalı tutanakta 48"}`
	if resp := a.call(t, lawyerAPI, http.MethodPost, "/api/v1/sheets/"+id+"/decisions", strings.NewReader(body), "application/json", nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("object: %d", resp.StatusCode)
	}
	b := newBrowser(t, a.url)
	b.login("hukuk", "hukuk parola")
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
	firstCells := func(table string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<tr><td>(.*?)</td>`).FindAllStringSubmatch(table, -1) {
			out = append(out, m[1])
		}
		return out
	}
	t.Run("figures", func(t *testing.T) {
		got := firstCells(tables[0][1])
		if len(got) != len(form.Fields) {
			t.Fatalf("%d rows of figures, want %d: %q", len(got), len(form.Fields), got)
		}
		for i, f := range form.Fields {
			if want := htmlText(f.Label); got[i] != want {
				t.Errorf("row %d is %q, want %q (the form's order, the printed label)", i, got[i], want)
			}
		}
	})
	t.Run("decisions", func(t *testing.T) {
		row := regexp.MustCompile(`<tr><td>\d+</td><td>(.*?)</td>`).FindStringSubmatch(tables[1][1])
		if want := htmlText(form.Label("aday_1")); row == nil || row[1] != want {
			t.Errorf("the decision's field reads %q, want %q", row, want)
		}
	})
}

// htmlText is s as html/template writes it in an element.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
