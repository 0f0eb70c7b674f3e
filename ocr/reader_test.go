package ocr_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// sharedSamples is the reference corpus every developer and CI has beside the
// project; a user's clone may not.
const sharedSamples = "../../shared/samples/cb-2023"

type readerBundle struct {
	reader *ocr.Reader
	form   *ocr.Form
}

func setupReader(tb testing.TB) readerBundle {
	tb.Helper()
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		tb.Fatal(err)
	}
	tess, err := ocr.NewTesseract(ocr.TesseractConfig{Handles: 2})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(tess.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return readerBundle{reader: ocr.NewReader(ocr.Config{KeepPage: true}, tess, newRecognizer(tb), log), form: form}
}

var headerIDs = []string{"il", "ilce", "sandik_no"}

func TestReaderSharedSamples(t *testing.T) {
	recs, err := synth.ReadTruth(filepath.Join(sharedSamples, "truth.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no ../shared beside the project (a user's clone); CI always has it")
	}
	if err != nil {
		t.Fatal(err)
	}
	b := setupReader(t)
	headersRight, fields, fieldsRight, cleanVerified, clean := 0, 0, 0, 0, 0
	for _, rec := range recs {
		data, err := os.ReadFile(filepath.Join(sharedSamples, rec.File))
		if err != nil {
			t.Fatal(err)
		}
		rd, err := b.reader.Read(context.Background(), b.form, data)
		if err != nil {
			t.Fatalf("%s: %v", rec.File, err)
		}
		if !rec.Hard && !rd.PageFound {
			t.Errorf("%s: page not found", rec.File)
		}
		ok := true
		for _, id := range headerIDs {
			if rd.Printed[id] != rec.Truth.Printed[id] {
				ok = false
				t.Logf("%s: %s read %q, want %q", rec.File, id, rd.Printed[id], rec.Truth.Printed[id])
			}
		}
		if ok {
			headersRight++
		}
		res := review.Verify(b.form, rd, rec.Typed.Counts)
		if rec.Hard {
			continue
		}
		for id, want := range rec.Truth.Counts {
			fields++
			if v := rd.Fields[id].Value; v != nil && *v == want {
				fieldsRight++
			}
		}
		if len(rec.Typed.Errors) > 0 {
			// Every injected typing error must be flagged, on its own field.
			if res.Verdict == review.Verified {
				t.Errorf("%s: typing errors in %v not flagged", rec.File, rec.Typed.Errors)
			}
			for _, id := range rec.Typed.Errors {
				if st := res.Fields[id].Status; st != review.StatusMismatch {
					t.Errorf("%s: %s typed wrong, status %q", rec.File, id, st)
				}
			}
			continue
		}
		clean++
		if res.Verdict == review.Verified {
			cleanVerified++
		} else {
			t.Logf("%s: clean sheet %s: %+v", rec.File, res.Verdict, res.Reasons)
		}
	}
	if headersRight < 11 {
		t.Errorf("il, ilce and sandik_no right on %d of %d samples, want at least 11", headersRight, len(recs))
	}
	// Floors just below what was measured (130/130 fields, 10/10 clean sheets verified).
	if fieldsRight < fields-3 {
		t.Errorf("%d of %d handwritten fields read right on ordinary samples, want at least %d", fieldsRight, fields, fields-3)
	}
	if cleanVerified < clean-1 {
		t.Errorf("%d of %d clean ordinary samples verified, want at least %d", cleanVerified, clean, clean-1)
	}
}

// TestReaderGeneratedSheets reads sheets the project makes itself, with MNIST
// test-split handwriting: ordinary phone photos, flat scans and hard photos.
func TestReaderGeneratedSheets(t *testing.T) {
	b := setupReader(t)
	cfg := synth.DefaultConfig()
	cfg.Seed = 2024
	cfg.ScanShare, cfg.HardShare = 0.2, 0.2
	g := ocrtest.Generator(t, b.form, cfg)
	const n = 16
	pages, headers, ordinary := 0, 0, 0
	for i := 0; i < n; i++ {
		data, rec, err := g.Sheet(i)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := b.reader.Read(context.Background(), b.form, data)
		if err != nil {
			t.Fatalf("sheet %d: %v", i, err)
		}
		if rec.Hard {
			continue
		}
		ordinary++
		if rd.PageFound {
			pages++
		} else {
			t.Errorf("sheet %d (%v): page not found", i, rec.Photo != nil)
		}
		ok := true
		for _, id := range headerIDs {
			if rd.Printed[id] != rec.Truth.Printed[id] {
				ok = false
				t.Logf("sheet %d: %s read %q, want %q", i, id, rd.Printed[id], rec.Truth.Printed[id])
			}
		}
		if ok {
			headers++
		}
	}
	if ordinary == 0 {
		t.Fatal("no ordinary photos generated")
	}
	if float64(headers) < 0.9*float64(ordinary) {
		t.Errorf("header right on %d of %d ordinary sheets, want ≥ 90%%", headers, ordinary)
	}
}

func TestReaderNoPage(t *testing.T) {
	b := setupReader(t)
	tests := []struct {
		name string
		data []byte
	}{
		{"uniform grey photo", encodeJPEG(t, uniform(1200, 1600, 128))},
		{"white photo", encodeJPEG(t, uniform(1200, 1600, 250))},
		{"noise", encodeJPEG(t, noise(800, 1000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := b.reader.Read(context.Background(), b.form, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if rd.PageFound {
				t.Error("a page was found in a photo with no form")
			}
			if rd.Quality.OK || len(rd.Quality.Problems) == 0 {
				t.Errorf("quality %+v, want a problem", rd.Quality)
			}
		})
	}
}

// TestReaderPageOnWhiteTable reads a sheet lying on a white surface, where the
// page's edges are lost in the background and the table's grid must be used.
func TestReaderPageOnWhiteTable(t *testing.T) {
	b := setupReader(t)
	cfg := synth.DefaultConfig()
	cfg.Seed, cfg.ScanShare = 77, 1
	cfg.ScanSizes = [][2]int{{1240, 1754}}
	data, rec, err := ocrtest.Generator(t, b.form, cfg).Sheet(0)
	if err != nil {
		t.Fatal(err)
	}
	page, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	white := color.NRGBA{240, 240, 238, 255}
	rotated := imaging.Rotate(page, 4, white)
	canvas := imaging.New(rotated.Bounds().Dx()+300, rotated.Bounds().Dy()+300, white)
	canvas = imaging.Paste(canvas, rotated, image.Pt(150, 120))
	rd, err := b.reader.Read(context.Background(), b.form, encodeJPEG(t, canvas))
	if err != nil {
		t.Fatal(err)
	}
	if !rd.PageFound {
		t.Fatal("page not found on a white table")
	}
	for _, id := range headerIDs {
		if rd.Printed[id] != rec.Truth.Printed[id] {
			t.Errorf("%s read %q, want %q", id, rd.Printed[id], rec.Truth.Printed[id])
		}
	}
}

// TestReaderTurnedPhoto reads photos taken sideways and upside down with no
// EXIF orientation to say so.
func TestReaderTurnedPhoto(t *testing.T) {
	b := setupReader(t)
	cfg := synth.DefaultConfig()
	cfg.Seed, cfg.ScanShare, cfg.HardShare = 99, 0, 0
	cfg.Sizes = [][2]int{{1536, 2048}}
	data, rec, err := ocrtest.Generator(t, b.form, cfg).Sheet(0)
	if err != nil {
		t.Fatal(err)
	}
	photo, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		img  image.Image
	}{
		{"sideways, clockwise", imaging.Rotate90(photo)},
		{"sideways, counter-clockwise", imaging.Rotate270(photo)},
		{"upside down", imaging.Rotate180(photo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := b.reader.Read(context.Background(), b.form, encodeJPEG(t, tt.img))
			if err != nil {
				t.Fatal(err)
			}
			if !rd.PageFound {
				t.Fatal("page not found")
			}
			if got, want := rd.Printed["sandik_no"], rec.Truth.Printed["sandik_no"]; got != want {
				t.Errorf("sandik_no %q, want %q", got, want)
			}
		})
	}
}
