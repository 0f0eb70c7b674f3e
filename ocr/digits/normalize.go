package digits

import "math"

// box is the side of the square a digit is scaled into before it is centred
// in the Side×Side image, as in MNIST.
const box = 20

// Normalize turns an ink image (w×h, row by row, 0 = paper, 1 = full ink) into
// the MNIST layout: the ink's bounding box scaled to fit 20×20 keeping its
// aspect ratio, placed in 28×28 with its centre of mass at (14, 14), values
// 0–1 with the darkest pixel at 1. It returns false when there is no ink.
func Normalize(ink []float32, w, h int, dst *[Pixels]float32) bool {
	clear(dst[:])
	if w <= 0 || h <= 0 || len(ink) < w*h {
		return false
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if ink[y*w+x] > 0 {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return false
	}
	bw, bh := x1-x0+1, y1-y0+1
	scale := float64(box) / float64(max(bw, bh))
	ow := max(1, int(math.Round(float64(bw)*scale)))
	oh := max(1, int(math.Round(float64(bh)*scale)))

	// Area-average resampling: each output pixel is the mean of the source
	// area it covers, which gives the soft edges MNIST digits have.
	var small [box * box]float32
	sx := float64(bw) / float64(ow)
	sy := float64(bh) / float64(oh)
	var peak float32
	for oy := 0; oy < oh; oy++ {
		fy0, fy1 := float64(oy)*sy, float64(oy+1)*sy
		for ox := 0; ox < ow; ox++ {
			fx0, fx1 := float64(ox)*sx, float64(ox+1)*sx
			var sum float64
			for yy := int(fy0); yy < bh && float64(yy) < fy1; yy++ {
				cy := math.Min(fy1, float64(yy+1)) - math.Max(fy0, float64(yy))
				if cy <= 0 {
					continue
				}
				row := ink[(y0+yy)*w+x0:]
				for xx := int(fx0); xx < bw && float64(xx) < fx1; xx++ {
					cx := math.Min(fx1, float64(xx+1)) - math.Max(fx0, float64(xx))
					if cx > 0 {
						sum += cx * cy * float64(row[xx])
					}
				}
			}
			v := float32(sum / (sx * sy))
			small[oy*box+ox] = v
			peak = max(peak, v)
		}
	}
	if peak <= 0 {
		return false
	}

	var mass, mx, my float64
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			v := float64(small[oy*box+ox])
			mass += v
			mx += v * (float64(ox) + 0.5)
			my += v * (float64(oy) + 0.5)
		}
	}
	// Place so that the centre of mass lands on (14, 14), in pixel-edge
	// coordinates, rounded to whole pixels as MNIST did.
	dx := int(math.Round(Side/2 - mx/mass))
	dy := int(math.Round(Side/2 - my/mass))
	for oy := 0; oy < oh; oy++ {
		ty := oy + dy
		if ty < 0 || ty >= Side {
			continue
		}
		for ox := 0; ox < ow; ox++ {
			tx := ox + dx
			if tx < 0 || tx >= Side {
				continue
			}
			dst[ty*Side+tx] = min(small[oy*box+ox]/peak, 1)
		}
	}
	return true
}
