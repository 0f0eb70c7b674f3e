package ocr

import (
	"image"
	"math"
)

// findTable locates the form's main table when the page's own edges cannot be
// trusted (a page on a white table, a photo cropped inside the page): the
// table's printed grid is the largest connected dark structure in the photo.
// It returns the grid's corners TL, TR, BR, BL in photo pixels.
func findTable(g *image.Gray) ([4]pt, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	f := (max(w, h) + pageWorkSide - 1) / pageWorkSide
	small := boxDown(g, f)
	sw, sh := small.Rect.Dx(), small.Rect.Dy()
	dark := darkMask(small, 12, 18)
	// Largest 8-connected dark component by the area of its bounding box.
	labels := make([]int32, sw*sh)
	var stack []int
	var best struct {
		label          int32
		area           int
		x0, y0, x1, y1 int
	}
	next := int32(0)
	for start := range dark {
		if !dark[start] || labels[start] != 0 {
			continue
		}
		next++
		labels[start] = next
		stack = append(stack[:0], start)
		x0, y0, x1, y1 := sw, sh, -1, -1
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%sw, p/sw
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= sw || yy >= sh {
						continue
					}
					j := yy*sw + xx
					if dark[j] && labels[j] == 0 {
						labels[j] = next
						stack = append(stack, j)
					}
				}
			}
		}
		if a := (x1 - x0 + 1) * (y1 - y0 + 1); a > best.area {
			best.label, best.area = next, a
			best.x0, best.y0, best.x1, best.y1 = x0, y0, x1, y1
		}
	}
	if best.area < sw*sh/10 {
		return [4]pt{}, false
	}
	var c [4]pt
	s := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(1)}
	for i, l := range labels {
		if l != best.label {
			continue
		}
		x, y := float64(i%sw), float64(i/sw)
		if v := x + y; v < s[0] {
			s[0], c[0] = v, pt{x, y}
		}
		if v := x - y; v > s[1] {
			s[1], c[1] = v, pt{x, y}
		}
		if v := x + y; v > s[2] {
			s[2], c[2] = v, pt{x, y}
		}
		if v := x - y; v < s[3] {
			s[3], c[3] = v, pt{x, y}
		}
	}
	for i := range c {
		c[i] = pt{c[i].X*float64(f) + float64(f-1)/2, c[i].Y*float64(f) + float64(f-1)/2}
	}
	return c, true
}

// darkMask marks pixels darker than the mean of their (2r+1)² neighbourhood
// by more than delta grey levels: printed lines under any light.
func darkMask(g *image.Gray, r int, delta int) []bool {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	integral := make([]int, (w+1)*(h+1))
	for y := 0; y < h; y++ {
		rowSum := 0
		for x := 0; x < w; x++ {
			rowSum += int(g.Pix[y*g.Stride+x])
			integral[(y+1)*(w+1)+x+1] = integral[y*(w+1)+x+1] + rowSum
		}
	}
	out := make([]bool, w*h)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-r), min(h, y+r+1)
		for x := 0; x < w; x++ {
			x0, x1 := max(0, x-r), min(w, x+r+1)
			sum := integral[y1*(w+1)+x1] - integral[y0*(w+1)+x1] - integral[y1*(w+1)+x0] + integral[y0*(w+1)+x0]
			n := (y1 - y0) * (x1 - x0)
			out[y*w+x] = int(g.Pix[y*g.Stride+x])*n < sum-delta*n
		}
	}
	return out
}
