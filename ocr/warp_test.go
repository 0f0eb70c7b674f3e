package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestWarpGrayRandom checks the warp against its definition, bilinear for
// every pixel, on many random homographies: shifted, scaled, sheared and in
// perspective, some keeping every row inside the source, some running rows
// partly or wholly off it.
func TestWarpGrayRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	src := image.NewGray(image.Rect(0, 0, 257, 193))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	insideRows, outsideRows := 0, 0
	for trial := 0; trial < 300; trial++ {
		s := 0.3 + 2.5*rng.Float64()
		h := homography{
			s * (0.8 + 0.4*rng.Float64()), 0.2 * (rng.Float64() - 0.5), 120 * (rng.Float64() - 0.3),
			0.2 * (rng.Float64() - 0.5), s * (0.8 + 0.4*rng.Float64()), 90 * (rng.Float64() - 0.3),
			0.002 * (rng.Float64() - 0.5), 0.002 * (rng.Float64() - 0.5), 1,
		}
		w, hh := 1+rng.IntN(160), 1+rng.IntN(120)
		for y := 0; y < hh; y++ {
			fy := float64(y) + 0.5
			if rowInside(h, h[1]*fy+h[2]+h[0]*0.5, h[4]*fy+h[5]+h[3]*0.5, h[7]*fy+h[8]+h[6]*0.5, w, sw, sh) {
				insideRows++
			} else {
				outsideRows++
			}
		}
		got, want := warpGray(src, h, w, hh), warpByPixel(src, h, w, hh)
		for i := range want.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Fatalf("trial %d, %v: (%d,%d) = %d, bilinear %d", trial, h, i%w, i/w, got.Pix[i], want.Pix[i])
			}
		}
	}
	if insideRows < 1000 || outsideRows < 1000 {
		t.Fatalf("%d rows inside and %d not: the test misses a path", insideRows, outsideRows)
	}
}
