package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// headerReader is decodingReader that also reads a printed header, box
// İzmir / Gaziemir / 12, and the figures aday_1 84 and aday_2 3, as the
// real reader does on a clear photo of that box's sheet.
type headerReader struct{ decodingReader }

func (r headerReader) Read(ctx context.Context, form *ocr.Form, data []byte) (*ocr.Reading, error) {
	rd, err := r.decodingReader.Read(ctx, form, data)
	if err != nil {
		return nil, err
	}
	rd.Printed = map[string]string{"il": "İZMİR", "ilce": "GAZİEMİR", "muhtarlik": "ATATÜRK MAH.",
		"sandik_alani": "GAZİ İLKOKULU", "sandik_no": "12"}
	// A whole sheet whose rules hold; aday_1 and aday_2 are typed.
	for id, v := range map[string]int{"kayitli_secmen": 329, "oy_kullanan_kayitli": 260, "kanun_geregi": 0,
		"oy_kullanan_toplam": 260, "sandiktan_cikan_zarf": 260, "itirazsiz_gecerli": 249, "itirazli_gecerli": 3,
		"gecerli_oy": 252, "gecersiz_oy": 8, "aday_1": 84, "aday_2": 3, "aday_3": 154, "aday_4": 11} {
		fr := rd.Fields[id]
		fr.Value, fr.Confidence, fr.Number = &v, 0.99, ocrtest.SureNumber(v)
		rd.Fields[id] = fr
	}
	return rd, nil
}

// TestMisfiledSheetPages files the photo of box 12 under box 13 as well as
// under 12: the sheet's pages and the discrepancies page say which sheet's
// photo names another box, so that a lawyer does not take a filing mistake
// for a miscount.
func TestMisfiledSheetPages(t *testing.T) {
	a := setupWith(t, stacks()[0], web.Config{}, headerReader{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	a.user(t, "hukuk", review.Legal, "", "hukuk parola")
	s := drawnSample(t)
	upload := func(sandik string) string {
		var up struct{ ID string }
		a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("İzmir")},
			{name: "ilce", data: []byte("Gaziemir")}, {name: "sandik_no", data: []byte(sandik)},
			{name: "typed", data: []byte(`{"counts":{"aday_1":84,"aday_2":3}}`)},
			{name: "image", filename: s.name, data: append(append([]byte(nil), s.data...), sandik...)}}, &up)
		if v := a.waitVerdict(t, observer, up.ID); v.Status != "verified" {
			t.Fatalf("box %s: %s, want verified", sandik, v.Status)
		}
		return up.ID
	}
	right, wrong := upload("12"), upload("13")
	b := newBrowser(t, a.url)
	b.login("hukuk", "hukuk parola")

	const warning = `id="header-differs"`
	for _, c := range []struct {
		name, id string
		warned   bool
	}{
		{"filed under the box its header names", right, false},
		{"filed under the next box", wrong, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/sheets/" + c.id, "/review/" + c.id} {
				resp, page := b.do(http.MethodGet, path, nil, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Fotoğraftaki başlık (okunan)") ||
					!strings.Contains(page, "İZMİR / GAZİEMİR / Sandık 12 · ATATÜRK MAH. · GAZİ İLKOKULU") {
					t.Fatalf("%s: %d, without the header as read\n%s", path, resp.StatusCode, page)
				}
				if got := strings.Contains(page, warning); got != c.warned {
					t.Errorf("%s: header warning shown %v, want %v", path, got, c.warned)
				}
			}
		})
	}

	var misspelt string
	t.Run("FiledUnderAPlaceThatDoesNotExist", func(t *testing.T) {
		var up struct{ ID string }
		a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("İzmir")},
			{name: "ilce", data: []byte("Gaziemr")}, {name: "sandik_no", data: []byte("12")},
			{name: "typed", data: []byte(`{"counts":{"aday_1":84,"aday_2":3}}`)},
			{name: "image", filename: s.name, data: append(append([]byte(nil), s.data...), "misspelt"...)}}, &up)
		if v := a.waitVerdict(t, observer, up.ID); v.Status != "verified" {
			t.Fatalf("misspelt box: %s, want verified", v.Status)
		}
		misspelt = up.ID
		for id, want := range map[string]bool{up.ID: true, right: false} {
			resp, page := b.do(http.MethodGet, "/sheets/"+id, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sheet %s: %d", id, resp.StatusCode)
			}
			if got := strings.Contains(page, `id="unknown-place"`); got != want {
				t.Errorf("sheet %s: unknown place warned %v, want %v", id, got, want)
			}
			if got := strings.Contains(page, `<details class="refile" open>`); got != want {
				t.Errorf("sheet %s: box form open %v, want %v", id, got, want)
			}
		}
	})

	t.Run("Discrepancies", func(t *testing.T) {
		legal, err := a.svc.Authenticate(context.Background(), a.token(t, "hukuk-api", review.Legal, ""))
		if err != nil {
			t.Fatal(err)
		}
		csv := "il,ilce,sandik_no,aday_1,aday_2\nİzmir,Gaziemir,12,80,3\nİzmir,Gaziemir,13,80,3\n"
		if _, err := a.svc.ImportOfficial(context.Background(), legal, review.OfficialImport{Source: "ysk.csv", CSV: strings.NewReader(csv)}); err != nil {
			t.Fatal(err)
		}
		resp, page := b.do(http.MethodGet, "/discrepancies", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("discrepancies page: %d", resp.StatusCode)
		}
		rows := map[string]string{}
		for _, row := range strings.Split(page, "<tr>") {
			for _, id := range []string{right, wrong} {
				if strings.Contains(row, "/sheets/"+id+`"`) {
					rows[id] = row
				}
			}
		}
		if len(rows) != 2 {
			t.Fatalf("discrepancies page lists %d of the two boxes\n%s", len(rows), page)
		}
		if strings.Contains(rows[right], "header-differs") || !strings.Contains(rows[wrong], "header-differs") {
			t.Errorf("header warning on the wrong rows:\nbox 12: %s\nbox 13: %s", rows[right], rows[wrong])
		}
		// The misspelt box is accepted and unpublished: said to be no place,
		// with a link to its sheets.
		_, unpublished, _ := strings.Cut(page, "Yayımlanmamış")
		if !strings.Contains(unpublished, `<a href="/legal?il=%c4%b0ZM%c4%b0R&ilce=GAZ%c4%b0EMR&sandik_no=12">İZMİR / GAZİEMR / 12</a> <b class="unknown-place">`) {
			t.Errorf("the misspelt box is not marked among the unpublished:\n%s", unpublished)
		}
		if resp, page := b.do(http.MethodGet, "/legal?il=%c4%b0ZM%c4%b0R&ilce=GAZ%c4%b0EMR&sandik_no=12", nil, nil); resp.StatusCode != http.StatusOK ||
			!strings.Contains(page, "/sheets/"+misspelt) {
			t.Errorf("the link does not find the misspelt box's sheet: %d\n%s", resp.StatusCode, page)
		}
	})

	t.Run("FiledAgainThroughThePage", func(t *testing.T) {
		_, page := b.do(http.MethodGet, "/sheets/"+wrong, nil, nil)
		if !strings.Contains(page, `action="/sheets/`+wrong+`/box"`) || !strings.Contains(page, `name="sandik_no" value="12"`) {
			t.Fatalf("no box form offering the header's box 12:\n%s", page)
		}
		// The province's districts are offered, since a box must name one.
		if !strings.Contains(page, `<datalist id="districts">`) || !strings.Contains(page, `<option value="KARŞIYAKA">`) ||
			strings.Contains(page, `<option value="SEYHAN">`) {
			t.Fatalf("no list of İzmir's districts on the box form:\n%s", page)
		}
		csrf := csrfOf(t, page)
		form := url.Values{"csrf": {csrf}, "il": {"İZMİR"}, "ilce": {"SEYHAN"}, "sandik_no": {"12"}, "note": {"x"}}
		if resp, page := b.do(http.MethodPost, "/sheets/"+wrong+"/box", form, nil); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(page, "İZMİR ilinin bir ilçesi değil") {
			t.Fatalf("box change to a district İzmir does not have: %d\n%s", resp.StatusCode, page)
		}
		form = url.Values{"csrf": {csrf}, "il": {"İZMİR"}, "ilce": {"GAZİEMİR"}, "sandik_no": {"12"}}
		if resp, page := b.do(http.MethodPost, "/sheets/"+wrong+"/box", form, nil); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(page, "not gerekli") {
			t.Fatalf("box change without a note: %d\n%s", resp.StatusCode, page)
		}
		if resp := a.call(t, observer, http.MethodPut, "/api/v1/sheets/"+wrong+"/box",
			strings.NewReader(`{"il":"İzmir","ilce":"Gaziemir","sandik_no":"12","note":"x"}`), "application/json", nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("observer's box change: %d", resp.StatusCode)
		}
		form.Set("note", "fotoğraftaki başlık 12")
		if resp, _ := b.do(http.MethodPost, "/sheets/"+wrong+"/box", form, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("box change: %d", resp.StatusCode)
		}
		resp, page := b.do(http.MethodGet, "/sheets/"+wrong, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "İZMİR / GAZİEMİR / Sandık 12</h1>") ||
			strings.Contains(page, `id="header-differs"`) || !strings.Contains(page, "sandık değişikliği") {
			t.Fatalf("sheet after the box change: %d\n%s", resp.StatusCode, page)
		}
	})
}
