package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"testing"
)

// fuzzConfig keeps the limits small so that the fuzzer reaches them.
var fuzzConfig = Config{MaxImageBytes: 4096, MaxParts: 6, MaxFieldBytes: 256}

// fuzzPNG is a valid photo under fuzzConfig's limits.
func fuzzPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody writes parts (name, body) and returns the body and its
// Content-Type; a header value "qp" sends that part quoted-printable.
func multipartBody(t testing.TB, boundary string, parts ...[3]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p[0]+`"`)
		if p[0] == "image" {
			h.Set("Content-Disposition", `form-data; name="image"; filename="tutanak.png"`)
			h.Set("Content-Type", "image/png")
		}
		if p[2] == "qp" {
			h.Set("Content-Transfer-Encoding", "quoted-printable")
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// sentImage is the image part as an independent reading of the body sees
// it: nil when there is none.
func sentImage(contentType string, body []byte) []byte {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "image" {
			data, err := io.ReadAll(p)
			if err != nil {
				return nil
			}
			return data
		}
	}
}

// FuzzReadUpload feeds arbitrary bodies and content types to the multipart
// reading of an upload. It must never panic, must refuse with a 4xx *Error
// and leave no temporary file behind, or return a photo whose spooled bytes
// are exactly the image part sent, within the size limit, with its SHA-256.
func FuzzReadUpload(f *testing.F) {
	photo := string(fuzzPNG(f, 8, 8))
	seeds := []struct {
		name  string
		parts [][3]string
	}{
		{"photo and figures", [][3]string{{"form", "cb-2023", ""}, {"il", "İzmir", ""}, {"ilce", "Gaziemir", ""},
			{"sandik_no", "1042", ""}, {"image", photo, ""}, {"typed", `{"counts":{"aday_1":84,"aday_2":4}}`, ""}}},
		{"photo only", [][3]string{{"image", photo, ""}, {"form", "cb-2023", ""}}},
		{"empty counts", [][3]string{{"image", photo, ""}, {"form", "cb-2023", ""}, {"typed", `{"counts":{}}`, ""}}},
		{"bad typed", [][3]string{{"image", photo, ""}, {"form", "cb-2023", ""}, {"typed", `{"counts":[1]}`, ""}}},
		{"quoted-printable photo", [][3]string{{"image", photo, "qp"}, {"form", "cb-2023", ""}}},
		{"two photos", [][3]string{{"image", photo, ""}, {"image", photo, ""}, {"form", "cb-2023", ""}}},
		{"unknown part", [][3]string{{"image", photo, ""}, {"x", "y", ""}}},
		{"text as photo", [][3]string{{"image", "not a photo", ""}, {"form", "cb-2023", ""}}},
		{"truncated png", [][3]string{{"image", photo[:40], ""}, {"form", "cb-2023", ""}}},
		{"no form", [][3]string{{"image", photo, ""}}},
		{"long field", [][3]string{{"image", photo, ""}, {"form", string(make([]byte, 300)), ""}}},
	}
	for _, s := range seeds {
		ct, body := multipartBody(f, "tutanak-sinir", s.parts...)
		f.Add(ct, body)
	}
	f.Add("multipart/form-data", []byte("--x\r\n\r\n--x--\r\n"))
	f.Add("application/json", []byte(`{"counts":{}}`))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		tmp := t.TempDir()
		cfg := fuzzConfig
		cfg.TempDir = tmp
		s := &Server{cfg: cfg.WithDefaults()}
		req := httptest.NewRequest(http.MethodPost, "/api/sheets", nil)
		req.Header.Set("Content-Type", contentType)
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(body)), s.cfg.maxBody())

		in, err := s.readUpload(req)
		left, _ := os.ReadDir(tmp)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status < 400 || apiErr.Status > 499 {
				t.Fatalf("readUpload = %v, want a 4xx *Error", err)
			}
			if len(left) != 0 {
				t.Fatalf("refused upload left %d temporary files", len(left))
			}
			return
		}
		if len(left) != 1 {
			t.Fatalf("accepted upload left %d temporary files, want its photo", len(left))
		}
		got, err := os.ReadFile(in.Photo.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(got)
		switch want := sentImage(contentType, body); {
		case !bytes.Equal(got, want):
			t.Fatalf("spooled %d bytes, the image part has %d", len(got), len(want))
		case in.Photo.Size != int64(len(got)) || in.Photo.Size > s.cfg.MaxImageBytes:
			t.Fatalf("size %d for %d bytes, limit %d", in.Photo.Size, len(got), s.cfg.MaxImageBytes)
		case in.Photo.SHA256 != hex.EncodeToString(sum[:]):
			t.Fatalf("SHA-256 %s, the bytes hash to %x", in.Photo.SHA256, sum)
		case !acceptedTypes[in.Photo.ContentType]:
			t.Fatalf("content type %q accepted", in.Photo.ContentType)
		case in.Form == "":
			t.Fatal("accepted without a form")
		case in.Typed != nil && len(in.Typed) == 0:
			t.Fatal("empty typed figures are not nil")
		}
	})
}

// FuzzParseTyped checks that the "typed" part is either refused with
// bad_typed or gives figures, nil when there are none.
func FuzzParseTyped(f *testing.F) {
	for _, s := range []string{`{"counts":{"aday_1":84,"aday_2":4}}`, `{"counts":{}}`, `{"counts":null}`, `{}`,
		`{"counts":{"aday_1":-1}}`, `{"counts":{"aday_1":1.5}}`, `{"counts":{"aday_1":null}}`, `[]`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typed, err := parseTyped(s)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Code != "bad_typed" || apiErr.Status != http.StatusBadRequest {
				t.Fatalf("parseTyped(%q) = %v, want bad_typed", s, err)
			}
			return
		}
		if typed != nil && len(typed) == 0 {
			t.Fatalf("parseTyped(%q) = empty, want nil", s)
		}
	})
}
