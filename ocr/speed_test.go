package ocr

// Benchmarks of the geometry stages on synthetic photos, for measuring them
// apart from the whole check.

import (
	"image"
	"math/rand/v2"
	"testing"
)

// speedPhoto is a photo-sized image with some texture, for the benchmarks.
func speedPhoto() *image.Gray {
	return gridPhoto(rand.New(rand.NewPCG(5, 6)), 4000, 3000, 97, 83)
}

// speedHomography maps form pixels into speedPhoto with some perspective.
func speedHomography() homography {
	return homography{1.9, 0.03, 150, -0.02, 1.85, 120, 0.00001, -0.000008, 1}
}

func BenchmarkWarpGray(b *testing.B) {
	g := speedPhoto()
	h := speedHomography().compose(scaling(2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		warpGray(g, h, 900, 700)
	}
}

func BenchmarkMeasureLine(b *testing.B) {
	g := speedPhoto()
	lp := newLineProbe(g, speedHomography())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < 20; k++ {
			lp.measureLine(formLine{Pos: 100 + 50*float64(k), From: 0, To: 1500, Vertical: k%2 == 0}, 300+20*float64(k), 40)
			lp.measureLine(formLine{Pos: 100 + 50*float64(k), From: 0, To: 1500, Vertical: k%2 == 1}, 300+20*float64(k), 10)
		}
	}
}

func BenchmarkFindPage(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := image.NewGray(image.Rect(0, 0, 3000, 4000))
	for y := 0; y < 4000; y++ {
		for x := 0; x < 3000; x++ {
			v := 40 + rng.IntN(30)
			// A slightly turned page with a printed grid.
			if u, w := x-400+y/25, y-400-x/30; u > 0 && u < 2100 && w > 0 && w < 3000 {
				v = 200 + rng.IntN(40)
				if u > 200 && u < 1900 && w > 200 && w < 2800 && (u%150 < 4 || w%90 < 4) {
					v = 50
				}
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	// The reader decodes photos at half size.
	g = boxDown(g, 2)
	if _, ok := findPage(g); !ok {
		b.Fatal("no page")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		findPage(g)
	}
}
