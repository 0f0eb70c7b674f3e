package ocr

import (
	"image"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMeasureLine checks the measurement against its definition, every
// sample through h.apply and bilinear, on a photo with printed lines and
// noise, for lines inside the photo and lines running off its edges.
func TestMeasureLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	g := gridPhoto(rng, 400, 300, 50, 60)
	lp := newLineProbe(g, homography{})
	seen := 0
	for trial := 0; trial < 2000; trial++ {
		lp.h = homography{
			0.9 + 0.2*rng.Float64(), 0.05 * (rng.Float64() - 0.5), 40 * (rng.Float64() - 0.5),
			0.05 * (rng.Float64() - 0.5), 0.9 + 0.2*rng.Float64(), 40 * (rng.Float64() - 0.5),
			0.0004 * (rng.Float64() - 0.5), 0.0004 * (rng.Float64() - 0.5), 1,
		}
		l := formLine{Pos: 400 * rng.Float64(), From: -20, To: 420, Vertical: rng.IntN(2) == 0}
		along := 320*rng.Float64() - 10
		search := []float64{10, 40, 60}[rng.IntN(3)]
		want := profileByApply(g, lp.h, l, along, search)
		if got := lp.sampleAcross(l, along, search); !slices.Equal(got, want) {
			t.Fatalf("trial %d: profile %v, want %v", trial, got, want)
		}
		off, ok := lp.measureLine(l, along, search)
		wantOff, wantOK := lp.linePeak(want, search)
		if off != wantOff || ok != wantOK {
			t.Fatalf("trial %d: %v %v, want %v %v", trial, off, ok, wantOff, wantOK)
		}
		if ok {
			seen++
		}
	}
	if seen < 100 {
		t.Fatalf("only %d lines seen: the test does not exercise the peak", seen)
	}
}

// profileByApply is sampleAcross's definition: every sample of the profile
// through h.apply and bilinear.
func profileByApply(g *image.Gray, h homography, l formLine, along, search float64) []float64 {
	n := int(2*search) + 1
	profile := make([]float64, n)
	w, hh := g.Rect.Dx(), g.Rect.Dy()
	for i := 0; i < n; i++ {
		off := float64(i) - search
		var sum float64
		cnt := 0
		for s := -stripHalf; s <= stripHalf; s += 3 {
			var fp pt
			if l.Vertical {
				fp = pt{l.Pos + off, along + float64(s)}
			} else {
				fp = pt{along + float64(s), l.Pos + off}
			}
			p := h.apply(fp)
			sum += float64(bilinear(g, w, hh, p.X-0.5, p.Y-0.5))
			cnt++
		}
		profile[i] = 255 - sum/float64(cnt)
	}
	return profile
}

// gridPhoto is a w×h photo of noisy paper ruled every xEvery and yEvery
// pixels with dark lines three pixels wide.
func gridPhoto(rng *rand.Rand, w, h, xEvery, yEvery int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 200 + rng.IntN(40)
			if x%xEvery < 3 || y%yEvery < 3 {
				v = 40 + rng.IntN(60)
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	return g
}
