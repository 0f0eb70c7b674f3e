package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// send posts a raw body as the pages' scripts do: the session cookie and
// the page's CSRF token in a header.
func (b *browser) send(method, path, csrf, ctype string, body io.Reader) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// TestOfficialPage: the legal team's import page lists every import, the
// newest first, and only the legal team and admins reach it; the page's
// way of posting (session cookie and CSRF header to the API) works, and a
// bad file is answered with the API's bilingual error.
func TestOfficialPage(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	a.user(t, "hukuk", review.Legal, "", "hukuk parola")
	a.user(t, "avukat", review.Lawyer, "İzmir", "avukat parola")
	legal := newBrowser(t, a.url)
	csrf := legal.login("hukuk", "hukuk parola")

	resp, page := legal.do(http.MethodGet, "/official", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="official-file"`) || !strings.Contains(page, `id="official-partial"`) ||
		!strings.Contains(page, "Henüz aktarım yok.") || !strings.Contains(page, "il,ilce,sandik_no,kayitli_secmen,") {
		t.Fatalf("empty official page: %d\n%s", resp.StatusCode, page)
	}
	if _, legalPage := legal.do(http.MethodGet, "/legal", nil, nil); !strings.Contains(legalPage, `href="/official"`) {
		t.Fatalf("the legal page does not lead to the import page:\n%s", legalPage)
	}

	imports := []struct {
		name, query, csv string
		status           int
		code             string
	}{
		{"final", "?source=ysk-1.csv", "il,ilce,sandik_no,aday_1\nİzmir,Buca,1,10\nİzmir,Buca,2,11\n", http.StatusCreated, ""},
		{"partial", "?source=ysk-2.csv&partial=1", "il,ilce,sandik_no,aday_1\nİzmir,Buca,3,12\n", http.StatusCreated, ""},
		{"bad header", "?source=bad.csv", "ilce,il,sandik_no,aday_1\n", http.StatusBadRequest, "bad_header"},
		{"unknown field", "?source=bad.csv", "il,ilce,sandik_no,aday_9\n", http.StatusBadRequest, "unknown_field"},
	}
	for _, c := range imports {
		t.Run(c.name, func(t *testing.T) {
			resp, body := legal.send(http.MethodPost, "/api/v1/official"+c.query, csrf, "text/csv", strings.NewReader(c.csv))
			if resp.StatusCode != c.status || !strings.Contains(body, c.code) {
				t.Fatalf("import: %d %s, want %d %s", resp.StatusCode, body, c.status, c.code)
			}
			if c.code != "" && (!strings.Contains(body, `"message":"`) || !strings.Contains(body, `"message_en":"`)) {
				t.Fatalf("error is not bilingual: %s", body)
			}
		})
	}
	if resp, _ := legal.send(http.MethodPost, "/api/v1/official", "", "text/csv", strings.NewReader(imports[0].csv)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("import without the CSRF token: %d", resp.StatusCode)
	}

	resp, page = legal.do(http.MethodGet, "/official", nil, nil)
	rows := regexp.MustCompile(`<tr data-import="(\d+)">`).FindAllStringSubmatch(page, -1)
	if resp.StatusCode != http.StatusOK || len(rows) != 2 || rows[0][1] != "2" || rows[1][1] != "1" ||
		!strings.Contains(page, "ysk-1.csv") || !strings.Contains(page, "ysk-2.csv") || !strings.Contains(page, "user:1:hukuk") {
		t.Fatalf("history: %d %v\n%s", resp.StatusCode, rows, page)
	}
	list, err := a.svc.OfficialImports(context.Background(), review.User{Role: review.Admin}, "")
	if err != nil || len(list) != 2 || !list[0].Partial || list[0].Boxes != 1 || list[1].Partial || list[1].Boxes != 2 ||
		!strings.Contains(page, "<code>"+list[1].SHA256+"</code>") {
		t.Fatalf("imports: %+v, %v", list, err)
	}

	lawyer := newBrowser(t, a.url)
	lawyer.login("avukat", "avukat parola")
	for _, path := range []string{"/official"} {
		if resp, page := lawyer.do(http.MethodGet, path, nil, nil); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "yetkiniz yok") {
			t.Fatalf("lawyer on %s: %d", path, resp.StatusCode)
		}
	}
	if _, page := lawyer.do(http.MethodGet, "/legal", nil, nil); strings.Contains(page, `href="/official"`) {
		t.Fatal("a lawyer is shown the import link")
	}
	legal.do(http.MethodGet, "/lang/en", nil, nil)
	if _, page := legal.do(http.MethodGet, "/official", nil, nil); !strings.Contains(page, "Import history") || !strings.Contains(page, "Partial: still being entered") ||
		!strings.Contains(page, `<span data-k="done">Imported.</span>`) {
		t.Fatalf("official page in English:\n%s", page)
	}
	var byAPI struct{ Imports []review.OfficialImportEntry }
	token := a.token(t, "hukuk-api", review.Legal, "")
	if resp := a.call(t, token, http.MethodGet, "/api/v1/official", nil, "", &byAPI); resp.StatusCode != http.StatusOK ||
		len(byAPI.Imports) != 2 || byAPI.Imports[0].Source != "ysk-2.csv" {
		t.Fatalf("imports by API: %d %+v", resp.StatusCode, byAPI)
	}
}

// TestResultsDrillDown: the results page goes from provinces to a
// province's districts to a district's boxes, each with the turnout and
// the candidates' shares beside it.
func TestResultsDrillDown(t *testing.T) {
	right := correctFigures()
	a := setupWith(t, stacks()[0], web.Config{}, figuresReader{values: right})
	observer := a.token(t, "gözlemci", review.Observer, "")
	a.uploadBox(t, observer, 1, "Gaziemir", "1", right)
	wrong := correctFigures()
	wrong["aday_2"] = 40
	a.uploadBox(t, observer, 2, "Buca", "2", wrong)
	a.user(t, "hukuk", review.Legal, "", "hukuk parola")
	b := newBrowser(t, a.url)
	b.login("hukuk", "hukuk parola")

	izmir := "/results/" + url.PathEscape("İZMİR")
	gaziemir := izmir + "/" + url.PathEscape("GAZİEMİR")
	cases := []struct {
		name string
		path string
		want []string
	}{
		{"provinces", "/results", []string{`<a class="drill" href="` + izmir + `">İZMİR</a>`,
			// 260 of 329 registered voters voted in the one accepted box.
			`<p class="big" id="turnout">%79</p>`, `width="79"`, "RECEP TAYYİP ERDOĞAN", `<td class="num" title="aday_1">104 <b>%41.3</b></td>`,
			`<rect class="state-accepted" x="0" y="0" width="50"`}},
		{"districts", izmir, []string{`<a class="drill" href="` + izmir + `/BUCA">BUCA</a>`,
			`<a class="drill" href="` + gaziemir + `">GAZİEMİR</a>`, `<a href="` + izmir + `">İZMİR</a>`, "İlçeler"}},
		{"districts, lower case in the path", "/results/izmir", []string{`<a class="drill" href="` + gaziemir + `">GAZİEMİR</a>`,
			`href="/api/v1/results?format=csv&amp;il=` + url.QueryEscape("İZMİR") + `&amp;level=sandik"`}},
		{"boxes", gaziemir, []string{`<a class="drill" href="/legal?il=` + url.QueryEscape("İZMİR"), `<td class="state-accepted">kabul</td>`,
			`<span class="num">%79</span>`, `<span class="leader">KEMAL KILIÇDAROĞLU %52.8</span>`, `<a href="` + gaziemir + `">GAZİEMİR</a>`}},
		{"a district without boxes", izmir + "/BORNOVA", []string{"Burada henüz sandık yok."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, page := b.do(http.MethodGet, c.path, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d\n%s", c.path, resp.StatusCode, page)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s lacks %q", c.path, w)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", page)
			}
		})
	}
}
