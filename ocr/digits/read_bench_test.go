package digits

import (
	"encoding/json"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// fixtureCell is one crop of the test fixtures with its cell.
type fixtureCell struct {
	crop *image.Gray
	cell image.Rectangle
}

// fixtureCells loads the crops of the holdout and sample-sheet fixtures.
func fixtureCells(tb testing.TB) []fixtureCell {
	tb.Helper()
	var out []fixtureCell
	for _, dir := range []string{filepath.Join("testdata", "holdout"), filepath.Join("testdata", "cells")} {
		raw, err := os.ReadFile(filepath.Join(dir, "cells.json"))
		if err != nil {
			tb.Fatal(err)
		}
		var cases []cellCase
		if err := json.Unmarshal(raw, &cases); err != nil {
			tb.Fatal(err)
		}
		for _, tc := range cases {
			f, err := os.Open(filepath.Join(dir, tc.File))
			if err != nil {
				tb.Fatal(err)
			}
			img, err := jpeg.Decode(f)
			f.Close()
			if err != nil {
				tb.Fatalf("decode %s: %v", tc.File, err)
			}
			g, ok := img.(*image.Gray)
			if !ok {
				g = image.NewGray(img.Bounds())
				draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
			}
			out = append(out, fixtureCell{g, image.Rect(tc.Cell[0], tc.Cell[1], tc.Cell[2], tc.Cell[3])})
		}
	}
	return out
}

// BenchmarkReadFixtureCells reads every crop of the holdout and sample-sheet
// fixtures per op, classification included.
func BenchmarkReadFixtureCells(b *testing.B) {
	cells := fixtureCells(b)
	r := NewReader(loadModel(b))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cells {
			if _, err := r.ReadNumber(c.crop, c.cell); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPageFixtureCells runs the reader's work on the page, before any
// classification, over every fixture crop per op: paper level, threshold,
// line search and erasing, components.
func BenchmarkPageFixtureCells(b *testing.B) {
	cells := fixtureCells(b)
	var p page
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cells {
			p.reset(c.crop, c.cell.Sub(c.crop.Bounds().Min))
			p.binarise()
			p.removeLines()
			p.components()
		}
	}
}
