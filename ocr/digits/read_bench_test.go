package digits

import (
	"image"
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
		for _, tc := range loadCellCases(tb, dir) {
			crop := loadGray(tb, filepath.Join(dir, tc.File))
			out = append(out, fixtureCell{crop, image.Rect(tc.Cell[0], tc.Cell[1], tc.Cell[2], tc.Cell[3])})
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
