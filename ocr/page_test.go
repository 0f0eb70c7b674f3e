package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestLargestComponent checks the scanline fill against a plain pixel fill
// on random images, where regions are ragged and many tie in size.
func TestLargestComponent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name   string
		w, h   int
		bright float64 // share of bright pixels
	}{
		{"sparse", 40, 30, 0.3},
		{"percolating", 64, 48, 0.6},
		{"dense", 50, 70, 0.85},
		{"one row", 90, 1, 0.5},
		{"one column", 1, 90, 0.5},
		{"all dark", 20, 20, 0},
		{"all bright", 20, 20, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 20; trial++ {
				g := image.NewGray(image.Rect(0, 0, tc.w, tc.h))
				for i := range g.Pix {
					if rng.Float64() < tc.bright {
						g.Pix[i] = 200
					} else {
						g.Pix[i] = 50
					}
				}
				got, want := largestComponent(g, 128), pixelFill(g, 128)
				if (got == nil) != (want == nil) {
					t.Fatalf("trial %d: nil mask %v, want %v", trial, got == nil, want == nil)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("trial %d: pixel (%d,%d) marked %v, want %v", trial, i%tc.w, i/tc.w, got[i], want[i])
					}
				}
			}
		})
	}
}

// pixelFill is the definition largestComponent implements: 4-connected
// regions filled a pixel at a time, the first found winning ties.
func pixelFill(g *image.Gray, t uint8) []bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	labels := make([]int, w*h)
	bestLabel, bestSize, next := 0, 0, 0
	for start := range labels {
		if labels[start] != 0 || g.Pix[start] <= t {
			continue
		}
		next++
		labels[start] = next
		queue, size := []int{start}, 0
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			size++
			x, y := i%w, i/w
			for _, n := range [][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h {
					continue
				}
				j := n[1]*w + n[0]
				if labels[j] == 0 && g.Pix[j] > t {
					labels[j] = next
					queue = append(queue, j)
				}
			}
		}
		if size > bestSize {
			bestLabel, bestSize = next, size
		}
	}
	if bestSize == 0 {
		return nil
	}
	mask := make([]bool, w*h)
	for i, l := range labels {
		mask[i] = l == bestLabel
	}
	return mask
}

// TestBoxDown checks every factor against the block average computed
// directly, on sizes that do not divide evenly and a sub-image with a stride.
func TestBoxDown(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	full := image.NewGray(image.Rect(0, 0, 103, 77))
	for i := range full.Pix {
		full.Pix[i] = uint8(rng.IntN(256))
	}
	sub := full.SubImage(image.Rect(5, 3, 96, 70)).(*image.Gray)
	for _, tc := range []struct {
		name string
		g    *image.Gray
		f    int
	}{
		{"factor 2", full, 2},
		{"factor 3", full, 3},
		{"factor 4", full, 4},
		{"factor 2 of a sub-image", sub, 2},
		{"factor 3 of a sub-image", sub, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := boxDown(tc.g, tc.f)
			w, h := tc.g.Rect.Dx()/tc.f, tc.g.Rect.Dy()/tc.f
			if got.Rect.Dx() != w || got.Rect.Dy() != h {
				t.Fatalf("size %v, want %dx%d", got.Rect.Size(), w, h)
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					sum := 0
					for dy := 0; dy < tc.f; dy++ {
						for dx := 0; dx < tc.f; dx++ {
							sum += int(tc.g.GrayAt(tc.g.Rect.Min.X+x*tc.f+dx, tc.g.Rect.Min.Y+y*tc.f+dy).Y)
						}
					}
					if want := uint8(sum / (tc.f * tc.f)); got.Pix[y*got.Stride+x] != want {
						t.Fatalf("(%d,%d) = %d, want %d", x, y, got.Pix[y*got.Stride+x], want)
					}
				}
			}
		})
	}
}

// largestComponent marks the largest 4-connected region brighter than t,
// the one largestComponentRuns finds.
func largestComponent(g *image.Gray, t uint8) []bool {
	runs := largestComponentRuns(g, t)
	if runs == nil {
		return nil
	}
	w := g.Rect.Dx()
	mask := make([]bool, w*g.Rect.Dy())
	for _, r := range runs {
		row := mask[int(r.y)*w:]
		for x := r.x0; x <= r.x1; x++ {
			row[x] = true
		}
	}
	return mask
}
