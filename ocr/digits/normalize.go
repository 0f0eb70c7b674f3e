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
	// area it covers, which gives the soft edges MNIST digits have. The
	// source columns an output column covers, and by how much, are the same
	// on every row, and the rows an output row covers are the same in every
	// column: both are worked out once.
	var small [box * box]float32
	sx := float64(bw) / float64(ow)
	sy := float64(bh) / float64(oh)
	var colBuf, rowBuf [4 * box]cover
	cols, colsOf := covers(colBuf[:0], bw, ow, sx)
	rows, rowsOf := covers(rowBuf[:0], bh, oh, sy)
	var peak float32
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			var sum float64
			for _, cy := range rows[rowsOf[oy]:rowsOf[oy+1]] {
				row := ink[(y0+cy.at)*w+x0:]
				for _, cx := range cols[colsOf[ox]:colsOf[ox+1]] {
					sum += cx.share * cy.share * float64(row[cx.at])
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

// cover is a source pixel along one axis, at, and the share of it one output
// pixel covers.
type cover struct {
	at    int
	share float64
}

// covers lists, for each of the out output pixels along an axis of n source
// pixels, each scale source pixels wide, the source pixels it covers and by
// how much: those of output pixel o are list[of[o]:of[o+1]]. It appends to
// list.
func covers(list []cover, n, out int, scale float64) ([]cover, [box + 1]int) {
	var of [box + 1]int
	of[0] = len(list)
	for o := 0; o < out; o++ {
		f0, f1 := float64(o)*scale, float64(o+1)*scale
		for i := int(f0); i < n && float64(i) < f1; i++ {
			if c := math.Min(f1, float64(i+1)) - math.Max(f0, float64(i)); c > 0 {
				list = append(list, cover{i, c})
			}
		}
		of[o+1] = len(list)
	}
	return list, of
}
