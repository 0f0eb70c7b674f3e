package ocr

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMeasureLine checks the measurement against its definition, every
// sample through h.apply and bilinear, on a photo with printed lines and
// noise, for lines inside the photo and lines running off its edges.
func TestMeasureLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	g := image.NewGray(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			v := 200 + rng.IntN(40)
			if x%50 < 2 || y%60 < 3 {
				v = 40 + rng.IntN(60)
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
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
		off, ok := lp.measureLine(l, along, search)
		wantOff, wantOK := measureLineByApply(g, lp.h, l, along, search)
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

// measureLineByApply is measureLine's definition: every sample of the
// profile through h.apply and bilinear.
func measureLineByApply(g *image.Gray, h homography, l formLine, along, search float64) (float64, bool) {
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
	best, bestI := -1.0, 0
	for i := 1; i < n-1; i++ {
		v := profile[i-1] + profile[i] + profile[i+1]
		v *= 1 - 0.15*math.Abs(float64(i)-search)/search
		if v > best {
			best, bestI = v, i
		}
	}
	scratch := append([]float64(nil), profile...)
	median := SelectNth(scratch, n/2)
	paper := SelectNth(scratch[:n/2], n/4)
	dev := scratch
	for i, v := range profile {
		dev[i] = math.Abs(v - median)
	}
	devMedian := SelectNth(dev, n/2)
	peak := profile[bestI]
	if peak-paper < 25 || peak-median < 4*devMedian {
		return 0, false
	}
	var m, s float64
	for i := bestI - 2; i <= bestI+2; i++ {
		if i < 0 || i >= n {
			continue
		}
		wgt := math.Max(0, profile[i]-paper)
		m += wgt * float64(i)
		s += wgt
	}
	if s == 0 {
		return 0, false
	}
	return m/s - search, true
}
