package web_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// The upload refuses exactly the photos the OCR reader refuses for their
// size: one it took and the reader then refused would be marked unreadable,
// and its observer told to retake a photo that fails the same way forever.
// Both run with their defaults here, as tutanak serve's flags default to them.
func TestUploadRefusesWhatTheReaderRefuses(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	form, err := ocr.LoadForm(review.DefaultForm)
	if err != nil {
		t.Fatal(err)
	}
	reader := ocr.NewReader(ocr.Config{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))

	cases := []struct {
		name        string
		w, h        uint32
		wantRefused bool
	}{
		{"the reader's limit exactly", 10000, 5000, false},
		{"one row over the reader's limit", 10000, 5001, true},
		{"52 megapixels, which the upload once took", 8000, 6500, true},
		{"60 megapixels, the upload's old limit", 10000, 6000, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			photo := pngHeader(c.w, c.h)
			// The reader checks the size from the header before it needs
			// its text reader or recogniser, so it runs here without them.
			_, err := reader.Read(t.Context(), form, photo)
			if got := errors.Is(err, ocr.ErrTooLarge); got != c.wantRefused {
				t.Fatalf("reader refuses %d×%d as too large: %v (%v), want %v", c.w, c.h, got, err, c.wantRefused)
			}
			var e errJSON
			resp := a.upload(t, observer, []part{{name: "form", data: []byte(review.DefaultForm)},
				{name: "image", filename: "p.png", data: photo}}, &e)
			refused := resp.StatusCode == http.StatusRequestEntityTooLarge && e.Error.Code == "too_many_pixels"
			if refused != c.wantRefused {
				t.Fatalf("upload of %d×%d: %d %+v, want refused %v", c.w, c.h, resp.StatusCode, e.Error, c.wantRefused)
			}
			if !refused && resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload of %d×%d: %d %+v, want it taken", c.w, c.h, resp.StatusCode, e.Error)
			}
			if refused && (e.Error.Message == "" || e.Error.MessageEN == "") {
				t.Errorf("refusal without messages: %+v", e.Error)
			}
		})
	}
}
