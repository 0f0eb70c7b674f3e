package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestBrighterMask checks the eight-at-a-time comparison against comparing
// byte by byte, for every threshold on random words and on words of levels
// next to the threshold.
func TestBrighterMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for th := 0; th < 256; th++ {
		b := newBrighter(uint8(th))
		for trial := 0; trial < 2000; trial++ {
			var v uint64
			for i := 0; i < 8; i++ {
				lv := rng.IntN(256)
				if trial%2 == 0 {
					lv = min(255, max(0, th-2+rng.IntN(5)))
				}
				v |= uint64(lv) << (8 * i)
			}
			var want uint64
			for i := 0; i < 8; i++ {
				if uint8(v>>(8*i)) > uint8(th) {
					want |= 0x80 << (8 * i)
				}
			}
			if got := b.mask(v); got != want {
				t.Fatalf("t=%d, v=%016x: mask %016x, want %016x", th, v, got, want)
			}
		}
	}
}

// TestLargestComponentRuns checks the runs against the pixel-by-pixel
// definition, at random thresholds on images of runs of random lengths (so
// the eight-pixel steps meet run ends at every offset), and that they come
// row by row and left to right, as findPage's outline relies on.
func TestLargestComponentRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for trial := 0; trial < 300; trial++ {
		w, h := 1+rng.IntN(70), 1+rng.IntN(40)
		th := uint8(rng.IntN(256))
		g := image.NewGray(image.Rect(0, 0, w, h))
		long := 1 + rng.IntN(30)
		for y := 0; y < h; y++ {
			for x := 0; x < w; {
				lv := uint8(rng.IntN(256))
				for n := 1 + rng.IntN(long); n > 0 && x < w; n-- {
					g.Pix[y*g.Stride+x] = lv
					x++
				}
			}
		}
		want := pixelFill(g, th)
		runs := largestComponentRuns(g, th)
		if (runs == nil) != (want == nil) {
			t.Fatalf("trial %d: no runs %v, want %v", trial, runs == nil, want == nil)
		}
		got := make([]bool, w*h)
		for i, r := range runs {
			if i > 0 {
				if p := runs[i-1]; p.y > r.y || p.y == r.y && p.x1+1 >= r.x0 {
					t.Fatalf("trial %d: run %v after %v", trial, r, p)
				}
			}
			for x := r.x0; x <= r.x1; x++ {
				got[int(r.y)*w+int(x)] = true
			}
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d (t=%d): pixel (%d,%d) marked %v, want %v", trial, th, i%w, i/w, got[i], want[i])
			}
		}
	}
}

// TestOtsuHistogram checks otsu's split histograms against counting pixel by
// pixel, on random images of every width modulo four, cut from a larger one
// so rows have a stride.
func TestOtsuHistogram(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	for trial := 0; trial < 200; trial++ {
		big := image.NewGray(image.Rect(0, 0, 80, 60))
		lo, span := rng.IntN(200), 1+rng.IntN(56)
		for i := range big.Pix {
			big.Pix[i] = uint8(lo + rng.IntN(span))
			if rng.IntN(3) == 0 {
				big.Pix[i] = uint8(rng.IntN(256))
			}
		}
		x0, y0 := rng.IntN(10), rng.IntN(10)
		g := big.SubImage(image.Rect(x0, y0, x0+1+rng.IntN(70), y0+1+rng.IntN(50))).(*image.Gray)
		var hist [256]int
		b := g.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				hist[g.GrayAt(x, y).Y]++
			}
		}
		if got, want := otsu(g), otsuHist(&hist, b.Dx()*b.Dy()); got != want {
			t.Fatalf("trial %d: otsu %d, want %d", trial, got, want)
		}
	}
}
