package web_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// pngHeader returns a PNG signature and a valid IHDR claiming w×h pixels,
// followed by nothing: decoding it would fail, but its size is known.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	a := setup(t, stacks()[0], web.Config{MaxImageBytes: 256 << 10, MaxParts: 8, MaxFieldBytes: 1024, TempDir: tmp})
	observer := a.token(t, "gözlemci", review.Observer, "")
	lawyer := a.token(t, "avukat", review.Lawyer, "")
	admin := a.token(t, "yönetici", review.Admin, "")
	good := drawnSample(t).data
	form := part{name: "form", data: []byte("cb-2023")}
	img := func(data []byte) part { return part{name: "image", filename: "p.png", data: data} }

	cases := []struct {
		name   string
		token  string
		parts  []part
		raw    string // a non-multipart body instead of parts
		status int
		code   string
	}{
		{"no token", "", []part{form, img(good)}, "", http.StatusUnauthorized, "unauthenticated"},
		{"bad token", "tt_nope_nope", []part{form, img(good)}, "", http.StatusUnauthorized, "unauthenticated"},
		{"not multipart", observer, nil, `{"image":"x"}`, http.StatusBadRequest, "not_multipart"},
		{"text as image", observer, []part{form, img([]byte("just some text, not a photo"))}, "", http.StatusUnsupportedMediaType, "unsupported_type"},
		{"html as image", observer, []part{form, img([]byte("<html><script>alert(1)</script></html>"))}, "", http.StatusUnsupportedMediaType, "unsupported_type"},
		{"corrupt png", observer, []part{form, img(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...))}, "", http.StatusBadRequest, "bad_image"},
		{"too many pixels", observer, []part{form, img(pngHeader(30000, 30000))}, "", http.StatusRequestEntityTooLarge, "too_many_pixels"},
		{"image too large", observer, []part{form, img(append(pngHeader(100, 100), make([]byte, 300<<10)...))}, "", http.StatusRequestEntityTooLarge, "too_large"},
		{"no image", observer, []part{form}, "", http.StatusBadRequest, "no_image"},
		{"two images", observer, []part{form, img(good), img(good)}, "", http.StatusBadRequest, "duplicate_part"},
		{"no form", observer, []part{img(good)}, "", http.StatusBadRequest, "no_form"},
		{"unknown form", observer, []part{{name: "form", data: []byte("../etc")}, img(good)}, "", http.StatusBadRequest, "unknown_form"},
		{"unknown part", observer, []part{form, {name: "comment", data: []byte("hi")}, img(good)}, "", http.StatusBadRequest, "unknown_part"},
		{"field too long", observer, []part{form, {name: "il", data: bytes.Repeat([]byte("İ"), 1000)}, img(good)}, "", http.StatusBadRequest, "part_too_large"},
		{"typed not json", observer, []part{form, {name: "typed", data: []byte("{")}, img(good)}, "", http.StatusBadRequest, "bad_typed"},
		{"typed unknown field", observer, []part{form, {name: "typed", data: []byte(`{"counts":{"nope":1}}`)}, img(good)}, "", http.StatusBadRequest, "unknown_field"},
		{"typed null", observer, []part{form, {name: "typed", data: []byte(`{"counts":{"aday_1":null}}`)}, img(good)}, "", http.StatusBadRequest, "bad_typed"},
		{"typed negative", observer, []part{form, {name: "typed", data: []byte(`{"counts":{"aday_1":-4}}`)}, img(good)}, "", http.StatusBadRequest, "bad_count"},
		{"lawyer cannot upload", lawyer, []part{form, img(good)}, "", http.StatusForbidden, "forbidden"},
		{"observer of another province", a.token(t, "ankara-gözlemci", review.Observer, "Ankara"),
			[]part{form, {name: "il", data: []byte("İzmir")}, {name: "ilce", data: []byte("Gaziemir")}, {name: "sandik_no", data: []byte("12")}, img(good)},
			"", http.StatusForbidden, "forbidden"},
		{"part of a box", observer, []part{form, {name: "il", data: []byte("İzmir")}, img(good)}, "", http.StatusBadRequest, "partial_box"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e errJSON
			var resp *http.Response
			if c.parts != nil {
				resp = a.upload(t, c.token, c.parts, &e)
			} else {
				resp = a.call(t, c.token, http.MethodPost, "/api/v1/sheets", strings.NewReader(c.raw), "application/json", &e)
			}
			if resp.StatusCode != c.status || e.Error.Code != c.code {
				t.Fatalf("got %d %+v, want %d %s", resp.StatusCode, e.Error, c.status, c.code)
			}
			if e.Error.Message == "" || e.Error.MessageEN == "" {
				t.Errorf("error without messages: %+v", e.Error)
			}
		})
	}

	t.Run("TooManyParts", func(t *testing.T) {
		var e errJSON
		parts := []part{form, {name: "il"}, {name: "ilce"}, {name: "sandik_no"}, {name: "typed", data: []byte(`{"counts":{}}`)}}
		small := setup(t, stacks()[0], web.Config{MaxParts: 3, TempDir: t.TempDir()})
		tok := small.token(t, "g", review.Observer, "")
		resp := small.upload(t, tok, parts, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Code != "too_many_parts" {
			t.Fatalf("got %d %+v", resp.StatusCode, e.Error)
		}
	})

	t.Run("NothingHalfStored", func(t *testing.T) {
		var list struct{ Sheets []sheetJSON }
		a.call(t, admin, http.MethodGet, "/api/v1/sheets", nil, "", &list)
		if len(list.Sheets) != 0 {
			t.Fatalf("%d sheets stored by refused uploads", len(list.Sheets))
		}
		left, _ := os.ReadDir(tmp)
		if len(left) != 0 {
			t.Fatalf("%d spooled files left behind", len(left))
		}
		rep, err := a.svc.VerifyCustody(t.Context())
		if err != nil || rep.Entries != 0 {
			t.Fatalf("custody has %d entries after refused uploads (%v)", rep.Entries, err)
		}
	})

	t.Run("JSONErrorsForUnknownRoutes", func(t *testing.T) {
		var e errJSON
		resp := a.call(t, observer, http.MethodGet, "/api/v1/nope", nil, "", &e)
		if resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Fatalf("got %d %+v", resp.StatusCode, e)
		}
		resp = a.call(t, observer, http.MethodGet, "/api/v1/sheets/sh_missing", nil, "", &e)
		if resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
			t.Fatalf("got %d %+v", resp.StatusCode, e)
		}
		resp = a.call(t, observer, http.MethodPut, "/api/v1/sheets/sh_missing/typed", strings.NewReader("{"), "application/json", &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Code != "bad_json" {
			t.Fatalf("got %d %+v", resp.StatusCode, e)
		}
	})

	// A figure sent as null is refused, never read as 0, on both routes
	// that take typed figures as JSON.
	t.Run("NullTypedFigure", func(t *testing.T) {
		for _, c := range []struct{ path, body string }{
			{"/api/v1/sheets/sh_missing/typed", `{"counts":{"aday_1":null}}`},
			{"/api/v1/typed", `{"form":"cb-2023","il":"İzmir","ilce":"Gaziemir","sandik_no":"7","counts":{"aday_1":null}}`},
		} {
			var e errJSON
			resp := a.call(t, admin, http.MethodPut, c.path, strings.NewReader(c.body), "application/json", &e)
			if resp.StatusCode != http.StatusBadRequest || e.Error.Code != "bad_json" {
				t.Fatalf("%s: got %d %+v", c.path, resp.StatusCode, e)
			}
		}
	})
}

// TestSlowClients checks the connection limits: headers must come in time,
// but an upload that keeps progressing may take as long as it needs.
func TestSlowClients(t *testing.T) {
	const idle = 300 * time.Millisecond
	a := setup(t, stacks()[0], web.Config{ReadHeaderTimeout: idle, IdleReadTimeout: idle, TempDir: t.TempDir()})
	observer := a.token(t, "gözlemci", review.Observer, "")
	addr := strings.TrimPrefix(a.url, "http://")

	t.Run("StalledHeadersAreCutOff", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err = io.ReadAll(conn) // returns when the server hangs up
		if err != nil {
			t.Fatalf("server did not close the stalled connection: %v", err)
		}
	})

	body, ctype := multipartBody(t, []part{{name: "form", data: []byte("cb-2023")}, {name: "image", filename: "p.png", data: drawnSample(t).data}})
	send := func(t *testing.T, stallAt int) *http.Response {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		w := bufio.NewWriter(conn)
		w.WriteString("POST /api/v1/sheets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + observer + "\r\n")
		w.WriteString("Content-Type: " + ctype + "\r\nContent-Length: " + itoa(body.Len()) + "\r\n\r\n")
		w.Flush()
		data := body.Bytes()
		chunks := 8
		step := (len(data) + chunks - 1) / chunks
		for i := 0; i < len(data); i += step {
			if i/step == stallAt {
				break // stop sending; the idle deadline must end the request
			}
			// Each pause is well under the idle limit; all of them are well over it.
			time.Sleep(idle / 3)
			conn.Write(data[i:min(i+step, len(data))])
		}
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return nil
		}
		resp.Body.Close()
		return resp
	}
	t.Run("SlowUploadCompletes", func(t *testing.T) {
		if resp := send(t, -1); resp == nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("slow upload: %+v", resp)
		}
	})
	t.Run("StalledUploadIsCutOff", func(t *testing.T) {
		if resp := send(t, 4); resp != nil && resp.StatusCode < 400 {
			t.Fatalf("stalled upload answered %d", resp.StatusCode)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
