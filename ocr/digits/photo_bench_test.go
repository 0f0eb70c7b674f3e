package digits_test

import (
	"context"
	"image"
	"io"
	"log/slog"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/digits"
	"github.com/tutanak/tutanak/ocr/ocrtest"
)

// recorder keeps the crops the page reader hands its recogniser.
type recorder struct {
	r     *digits.Reader
	crops []*image.Gray
	cells []image.Rectangle
}

func (c *recorder) ReadNumber(crop *image.Gray, cell image.Rectangle) (ocr.Number, error) {
	c.crops, c.cells = append(c.crops, crop), append(c.cells, cell)
	return c.r.ReadNumber(crop, cell)
}

// photoCells reads the photo of ocr's BenchmarkReadStages once and returns
// the figure cells its digits stage reads.
func photoCells(tb testing.TB) (*digits.Reader, *recorder) {
	tb.Helper()
	form, data, _ := ocrtest.BenchPhoto(tb)
	tess := ocrtest.Tesseract(tb)
	m, err := digits.Load()
	if err != nil {
		tb.Fatal(err)
	}
	r := digits.NewReader(m)
	rec := &recorder{r: r}
	rd := ocr.NewReader(ocr.Config{}, tess, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := rd.Read(context.Background(), form, data); err != nil {
		tb.Fatal(err)
	}
	if len(rec.crops) == 0 {
		tb.Fatal("no figure cells read")
	}
	return r, rec
}

// BenchmarkReadPhotoCells reads, per op, the figure cells of the photo
// ocr's BenchmarkReadStages checks: its digits stage alone.
func BenchmarkReadPhotoCells(b *testing.B) {
	r, rec := photoCells(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, crop := range rec.crops {
			if _, err := r.ReadNumber(crop, rec.cells[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
