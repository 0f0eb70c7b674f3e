package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestWarpGray checks the warp against bilinear called for every pixel, for
// maps that keep the output inside the source and maps that run off it,
// where rows take the careful path.
func TestWarpGray(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	src := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	for _, tc := range []struct {
		name string
		h    homography
	}{
		{"identity", homography{1, 0, 0, 0, 1, 0, 0, 0, 1}},
		{"scaled and shifted inside", homography{1.7, 0.05, 12.3, -0.04, 1.6, 9.1, 0, 0, 1}},
		{"perspective inside", homography{1.5, 0.1, 20, 0.05, 1.4, 15, 0.0004, 0.0002, 1}},
		{"running off the right and bottom", homography{2.3, 0.2, 40, 0.1, 2.2, 30, 0.0003, 0.0001, 1}},
		{"starting off the left", homography{1.2, 0, -25.5, 0, 1.1, -3.2, 0, 0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const w, hh = 150, 100
			got, want := warpGray(src, tc.h, w, hh), warpByPixel(src, tc.h, w, hh)
			for i := range want.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Fatalf("(%d,%d) = %d, bilinear %d", i%w, i/w, got.Pix[i], want.Pix[i])
				}
			}
		})
	}
}

// warpByPixel is warpGray's definition: the same running sums along each
// row, every pixel through bilinear.
func warpByPixel(src *image.Gray, h homography, w, hgt int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, w, hgt))
	for y := 0; y < hgt; y++ {
		fy := float64(y) + 0.5
		nx := h[1]*fy + h[2] + h[0]*0.5
		ny := h[4]*fy + h[5] + h[3]*0.5
		nw := h[7]*fy + h[8] + h[6]*0.5
		for x := 0; x < w; x++ {
			dst.Pix[y*dst.Stride+x] = bilinear(src, src.Rect.Dx(), src.Rect.Dy(), nx/nw-0.5, ny/nw-0.5)
			nx += h[0]
			ny += h[3]
			nw += h[6]
		}
	}
	return dst
}
