package digits

import (
	"errors"
	"image"
	"math"
	"testing"
)

// fuzzCrop draws a cell crop from data: a 240×124 crop of paper, as the page
// reader cuts a cell at 150 DPI, with its cell's printed borders, and then a
// stroke for every five bytes (x, y, width, height, ink level). The first
// four bytes move the reported cell a few px off its borders. Strokes are
// what the reader's segmentation sorts into digits, specks and leftovers of
// lines, so the fuzzer reaches its joins and cuts far more often than with
// random pixels.
func fuzzCrop(data []byte) (*image.Gray, image.Rectangle) {
	const w, h = 240, 124
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 225
	}
	fill := func(x0, y0, x1, y1 int, v uint8) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				g.Pix[y*w+x] = v
			}
		}
	}
	fill(0, 30, w, 32, 70)
	fill(0, 92, w, 94, 70)
	fill(14, 0, 16, h, 70)
	fill(224, 0, 226, h, 70)
	cell := image.Rect(15, 31, 225, 93)
	if len(data) >= 4 {
		off := func(b byte) int { return int(b%7) - 3 }
		cell = image.Rect(15+off(data[0]), 31+off(data[1]), 225+off(data[2]), 93+off(data[3]))
		data = data[4:]
	}
	for ; len(data) >= 5; data = data[5:] {
		x, y := int(data[0])%w, int(data[1])%h
		fill(x, y, x+1+int(data[2])%40, y+1+int(data[3])%60, data[4]/2)
	}
	return g, cell
}

// FuzzReadNumber reads generated cells. The reader must never panic, may
// refuse only a cell outside its crop, and must return at most a few more
// digits than a cell holds, each a distribution, with a confidence in 0–1.
func FuzzReadNumber(f *testing.F) {
	// Two specks a few px apart beside a 1: the reader indexed out[-1] here
	// (TestReadNumberOddInputs, "specks side by side").
	f.Add([]byte{3, 3, 3, 3, 60, 60, 4, 4, 80, 68, 60, 4, 4, 80, 128, 40, 7, 43, 80})
	// Three touching bars, a wide group to cut.
	f.Add([]byte{3, 3, 3, 3, 80, 40, 9, 45, 60, 88, 40, 30, 6, 60, 112, 40, 9, 45, 60})
	f.Add([]byte{})
	r := NewReader(loadModel(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 5*40+4 {
			return // a cell holds a few figures, not a drawing
		}
		crop, cell := fuzzCrop(data)
		n, err := r.ReadNumber(crop, cell)
		if err != nil {
			if !errors.Is(err, ErrCellOutside) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if n.SegConfidence < 0 || n.SegConfidence > 1 || math.IsNaN(n.SegConfidence) {
			t.Fatalf("seg confidence %v", n.SegConfidence)
		}
		// Every group splits into at most MaxDigits digits.
		if len(n.Digits) > 4*MaxDigits {
			t.Fatalf("%d digits", len(n.Digits))
		}
		for i, d := range n.Digits {
			sum := 0.0
			for _, p := range d {
				if p < 0 || math.IsNaN(p) {
					t.Fatalf("digit %d: probability %v", i, p)
				}
				sum += p
			}
			if math.Abs(sum-1) > 1e-3 {
				t.Fatalf("digit %d: probabilities sum to %v", i, sum)
			}
		}
	})
}
