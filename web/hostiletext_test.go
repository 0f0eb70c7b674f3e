package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestHostileText: a place name, a search or an official import's source
// that is not text (a NUL, bytes that are not UTF-8, a control or format
// character) is refused as the client's mistake, 400, on every stack:
// never stored as it came nor turned into a 500 by a database that
// refuses it (PostgreSQL stores no NUL and no invalid UTF-8), and never a
// name that looks like a place on a lawyer's page and is none.
func TestHostileText(t *testing.T) {
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			a := setup(t, st, web.Config{TempDir: t.TempDir()})
			admin := a.token(t, "yönetici", review.Admin, "")
			photo := 0
			box := func(il, ilce, no string) []part {
				photo++
				return []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte(il)},
					{name: "ilce", data: []byte(ilce)}, {name: "sandik_no", data: []byte(no)},
					{name: "image", filename: "p.png", data: photoPNG(t, photo)}}
			}
			typed := func(il, ilce string) string {
				return `{"form":"cb-2023","il":"` + il + `","ilce":"` + ilce + `","sandik_no":"12","counts":{"aday_1":1}}`
			}
			const header = "il,ilce,sandik_no,aday_1\n"
			cases := []struct {
				name, method, path, ctype string
				parts                     []part
				body                      string
				code                      string
			}{
				{name: "upload il with NUL", parts: box("İZ\x00MİR", "BUCA", "12"), code: "bad_box"},
				{name: "upload ilce not UTF-8", parts: box("İZMİR", "BU\xffCA", "12"), code: "bad_box"},
				{name: "upload ilce with an escape", parts: box("İZMİR", "BU\x1bCA", "12"), code: "bad_box"},
				{name: "upload il with a right-to-left override", parts: box("\u202eARAKNA", "BUCA", "12"), code: "bad_box"},
				{name: "upload ilce with a zero-width space", parts: box("İZMİR", "BU\u200bCA", "12"), code: "bad_box"},
				{name: "typed il with NUL", method: http.MethodPut, path: "/api/v1/typed", ctype: "application/json", body: typed(`İZ\u0000MİR`, "BUCA"), code: "bad_box"},
				{name: "typed ilce with an escape", method: http.MethodPut, path: "/api/v1/typed", ctype: "application/json", body: typed("İZMİR", `BU\u001bCA`), code: "bad_box"},
				{name: "official il with NUL", method: http.MethodPost, path: "/api/v1/official?form=cb-2023", ctype: "text/csv",
					body: header + "İZ\x00MİR,BUCA,1,5\n", code: "bad_row"},
				{name: "official ilce not UTF-8", method: http.MethodPost, path: "/api/v1/official?form=cb-2023", ctype: "text/csv",
					body: header + "İZMİR,BU\xffCA,1,5\n", code: "bad_row"},
				{name: "official source with NUL", method: http.MethodPost, path: "/api/v1/official?form=cb-2023&source=" + url.QueryEscape("ysk\x00.csv"),
					ctype: "text/csv", body: header + "İZMİR,BUCA,1,5\n", code: "bad_source"},
				{name: "official source not UTF-8", method: http.MethodPost, path: "/api/v1/official?form=cb-2023&source=%FF",
					ctype: "text/csv", body: header + "İZMİR,BUCA,1,5\n", code: "bad_source"},
				{name: "search il with NUL", method: http.MethodGet, path: "/api/v1/sheets?il=%00", code: "bad_box"},
				{name: "search ilce not UTF-8", method: http.MethodGet, path: "/api/v1/sheets?il=izmir&ilce=%FF", code: "bad_box"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var e errJSON
					var resp *http.Response
					if c.parts != nil {
						resp = a.upload(t, admin, c.parts, &e)
					} else {
						var body io.Reader
						if c.body != "" {
							body = strings.NewReader(c.body)
						}
						resp = a.call(t, admin, c.method, c.path, body, c.ctype, &e)
					}
					if resp.StatusCode != http.StatusBadRequest || e.Error.Code != c.code {
						t.Fatalf("got %d %+v, want 400 %s", resp.StatusCode, e.Error, c.code)
					}
				})
			}
			t.Run("search status with NUL finds nothing", func(t *testing.T) {
				var list struct{ Sheets []sheetJSON }
				if resp := a.call(t, admin, http.MethodGet, "/api/v1/sheets?status=%00", nil, "", &list); resp.StatusCode != http.StatusOK || len(list.Sheets) != 0 {
					t.Fatalf("got %d with %d sheets, want 200 and none", resp.StatusCode, len(list.Sheets))
				}
			})
			t.Run("a name typed with spaces is still taken", func(t *testing.T) {
				var up struct{ ID string }
				if resp := a.upload(t, admin, box(" izmir\t", "buca\n", "12"), &up); resp.StatusCode != http.StatusCreated {
					t.Fatalf("got %d, want 201", resp.StatusCode)
				}
				var v sheetJSON
				a.call(t, admin, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &v)
				if v.Box != (review.Box{Il: "İZMİR", Ilce: "BUCA", SandikNo: "12"}) {
					t.Fatalf("filed under %+v", v.Box)
				}
			})
			t.Run("nothing stored", func(t *testing.T) {
				var list struct{ Sheets []sheetJSON }
				a.call(t, admin, http.MethodGet, "/api/v1/sheets", nil, "", &list)
				var imports struct{ Imports []any }
				a.call(t, admin, http.MethodGet, "/api/v1/official", nil, "", &imports)
				if len(list.Sheets) != 1 || len(imports.Imports) != 0 {
					t.Fatalf("%d sheets and %d imports stored, want the one good sheet and none", len(list.Sheets), len(imports.Imports))
				}
			})
		})
	}
}
