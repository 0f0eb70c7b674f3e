// Package ocrtest holds what tests outside package ocr build readings and
// generated sheets from.
package ocrtest

import (
	"fmt"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
)

// SureNumber is what a recogniser sure of every digit of v reports: each
// digit at 0.991, the others at 0.001, the digit count at 0.99.
func SureNumber(v int) ocr.Number {
	n := ocr.Number{SegConfidence: 0.99}
	for _, c := range fmt.Sprint(v) {
		var p ocr.DigitProbs
		for d := range p {
			p[d] = 0.001
		}
		p[c-'0'] = 0.991
		n.Digits = append(n.Digits, p)
	}
	return n
}

// Generator makes sheets of form with MNIST test-split handwriting, the split
// kept for measurement, and fails tb when the digits cannot be loaded.
func Generator(tb testing.TB, form *ocr.Form, cfg synth.Config) *synth.Generator {
	tb.Helper()
	dir, err := synth.MNISTDir()
	if err != nil {
		tb.Fatal(err)
	}
	digits, err := synth.NewMNISTDigits(dir, synth.SplitTest)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := synth.NewGenerator(form, digits, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// BenchPhoto is the photo the check-path benchmarks read: one generated
// 3000×4000 phone photo of the cb-2023 form (seed 12, neither a scan nor a
// bad photo), with the form and its typed figures.
func BenchPhoto(tb testing.TB) (*ocr.Form, []byte, map[string]int) {
	tb.Helper()
	form, sheets := BenchSheets(tb, 0)
	return form, sheets[0].Photo, sheets[0].Typed
}

// BenchSheet is one photo of the benchmarks' generator, with its typed
// figures and how it was photographed.
type BenchSheet struct {
	Photo []byte
	Typed map[string]int
	Shot  synth.Photo
}

// The size of the benchmarks' photos: 12 megapixels.
const benchWidth, benchHeight = 3000, 4000

// Name names the photo by its JPEG quality and its bits a pixel, the two
// that set a decode's work: "q89-2.4bpp".
func (s BenchSheet) Name() string {
	return fmt.Sprintf("q%d-%.1fbpp", s.Shot.JPEGQuality, float64(len(s.Photo))*8/(benchWidth*benchHeight))
}

// BenchSheets makes sheets idx of the generator BenchPhoto's photo is sheet
// 0 of. They differ in what makes the work of a check vary: JPEG quality and
// sensor noise, hence the bytes to decode, and the handwriting.
func BenchSheets(tb testing.TB, idx ...int) (*ocr.Form, []BenchSheet) {
	tb.Helper()
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := synth.DefaultConfig()
	cfg.Seed = 12
	cfg.ScanShare, cfg.HardShare = 0, 0
	cfg.Sizes = [][2]int{{benchWidth, benchHeight}}
	g := Generator(tb, form, cfg)
	out := make([]BenchSheet, len(idx))
	for k, i := range idx {
		data, rec, err := g.Sheet(i)
		if err != nil {
			tb.Fatal(err)
		}
		if rec.Photo == nil {
			tb.Fatalf("sheet %d is not a photo", i)
		}
		out[k] = BenchSheet{Photo: data, Typed: rec.Typed.Counts, Shot: *rec.Photo}
	}
	return form, out
}

// Tesseract starts a printed-text reader with the default configuration and
// closes it when tb ends.
func Tesseract(tb testing.TB) *ocr.Tesseract {
	tb.Helper()
	tess, err := ocr.NewTesseract(ocr.TesseractConfig{})
	if err != nil {
		tb.Fatal("tesseract:", err)
	}
	tb.Cleanup(tess.Close)
	return tess
}
