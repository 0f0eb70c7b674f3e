package ocr

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// TestTextVariants checks the variants against their definition, every
// pixel stretched and binarised in full images, on crops with ink, without
// ink, and too flat to stretch.
func TestTextVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 300; trial++ {
		w, h := 20+rng.IntN(200), 10+rng.IntN(60)
		g := image.NewGray(image.Rect(0, 0, w, h))
		paper, spread := 150+rng.IntN(100), 1+rng.IntN(40)
		for i := range g.Pix {
			g.Pix[i] = uint8(min(255, paper+rng.IntN(spread)))
		}
		if trial%3 != 0 {
			// A block of ink somewhere, possibly touching the edges.
			x0, y0 := rng.IntN(w), rng.IntN(h)
			x1, y1 := min(w, x0+1+rng.IntN(w)), min(h, y0+1+rng.IntN(h))
			ink := rng.IntN(120)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					if rng.IntN(3) > 0 {
						g.Pix[y*g.Stride+x] = uint8(ink + rng.IntN(30))
					}
				}
			}
		}
		got, want := textVariants(g), textVariantsByPixel(g)
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d variants, want %d", trial, len(got), len(want))
		}
		for k := range want {
			if got[k].Rect != want[k].Rect || got[k].Stride != want[k].Stride {
				t.Fatalf("trial %d variant %d: %v stride %d, want %v stride %d", trial, k, got[k].Rect, got[k].Stride, want[k].Rect, want[k].Stride)
			}
			for i := range want[k].Pix {
				if got[k].Pix[i] != want[k].Pix[i] {
					t.Fatalf("trial %d variant %d: pixel %d = %d, want %d", trial, k, i, got[k].Pix[i], want[k].Pix[i])
				}
			}
		}
	}
}

// textVariantsByPixel is textVariants' definition: the whole crop stretched
// and binarised pixel by pixel, then cut to the ink.
func textVariantsByPixel(g *image.Gray) []*image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var hist [256]int
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	paper := percentile(hist, w*h, 0.97)
	ink := percentile(hist, w*h, 0.01)
	if paper-ink < 20 {
		return []*image.Gray{g}
	}
	stretched := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := (float64(g.Pix[y*g.Stride+x]) - ink) * 255 / (paper - ink)
			stretched.Pix[y*stretched.Stride+x] = uint8(math.Max(0, math.Min(255, v)))
		}
	}
	t := otsu(stretched)
	binary := image.NewGray(stretched.Rect)
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255)
			if stretched.Pix[y*stretched.Stride+x] <= t {
				v = 0
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
			binary.Pix[y*binary.Stride+x] = v
		}
	}
	if x1 < 0 {
		return []*image.Gray{stretched}
	}
	ink2 := image.Rect(x0, y0, x1+1, y1+1)
	around := image.Rect(x0-rawMargin, 0, x1+1+rawMargin, h).Intersect(g.Rect.Sub(g.Rect.Min))
	raw := image.NewGray(image.Rect(0, 0, around.Dx(), h))
	for y := 0; y < h; y++ {
		copy(raw.Pix[y*raw.Stride:y*raw.Stride+around.Dx()], g.Pix[y*g.Stride+around.Min.X:y*g.Stride+around.Max.X])
	}
	pad := func(g *image.Gray) *image.Gray {
		out := image.NewGray(image.Rect(0, 0, ink2.Dx()+40, ink2.Dy()+40))
		for i := range out.Pix {
			out.Pix[i] = 255
		}
		for y := ink2.Min.Y; y < ink2.Max.Y; y++ {
			copy(out.Pix[(y-ink2.Min.Y+20)*out.Stride+20:], g.Pix[y*g.Stride+ink2.Min.X:y*g.Stride+ink2.Max.X])
		}
		return out
	}
	return []*image.Gray{raw, pad(binary), pad(stretched)}
}
