package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestDecomposedPlaceNames: a place name with its Turkish letters written
// decomposed (a letter and a combining mark, as some keyboards, file names
// and JavaScript's toLowerCase of "İ" give them) is the place it names: an
// observer of İzmir may upload for it, a typist of İzmir may type for it,
// and the sheet is filed under the name the authority prints, where a
// search with the same spelling finds it.
func TestDecomposedPlaceNames(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{TempDir: t.TempDir()})
	observer := a.token(t, "gözlemci", review.Observer, "İzmir")
	typist := a.token(t, "veri", review.Entry, "İzmir")
	want := review.Box{Il: "İZMİR", Ilce: "KARŞIYAKA", SandikNo: "7"}
	cases := []struct{ name, il, ilce string }{
		{"decomposed capitals", "I\u0307ZMI\u0307R", "KARS\u0327IYAKA"},
		{"İ lower-cased outside Turkish", "i\u0307zmi\u0307r", "kars\u0327ıyaka"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var up struct{ ID string }
			resp := a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte(c.il)},
				{name: "ilce", data: []byte(c.ilce)}, {name: "sandik_no", data: []byte("7")},
				{name: "image", filename: "p.png", data: photoPNG(t, 100+i)}}, &up)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload: %d, want 201", resp.StatusCode)
			}
			var v sheetJSON
			a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &v)
			if v.Box != want {
				t.Fatalf("filed under %+v, want %+v", v.Box, want)
			}
			body, _ := json.Marshal(map[string]any{"form": "cb-2023", "il": c.il, "ilce": c.ilce, "sandik_no": "7", "counts": map[string]int{"aday_1": 1}})
			if resp := a.call(t, typist, http.MethodPut, "/api/v1/typed", strings.NewReader(string(body)), "application/json", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("typed: %d, want 200", resp.StatusCode)
			}
			var list struct{ Sheets []sheetJSON }
			a.call(t, typist, http.MethodGet, "/api/v1/sheets?"+url.Values{"il": {c.il}, "ilce": {c.ilce}, "sandik_no": {"7"}}.Encode(), nil, "", &list)
			if len(list.Sheets) != i+1 {
				t.Fatalf("search found %d sheets, want %d", len(list.Sheets), i+1)
			}
		})
	}
}
