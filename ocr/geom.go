package ocr

import (
	"errors"
	"image"
	"math"
)

// pt is a point in some image's pixel space.
type pt struct{ X, Y float64 }

// homography maps plane points: (x,y) → ((h0x+h1y+h2)/(h6x+h7y+h8), (h3x+h4y+h5)/(…)).
type homography [9]float64

var errDegenerate = errors.New("degenerate point set")

func (h homography) apply(p pt) pt {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return pt{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

func (h homography) inverse() homography {
	a, b, c, d, e, f, g, k, l := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	inv := homography{
		e*l - f*k, c*k - b*l, b*f - c*e,
		f*g - d*l, a*l - c*g, c*d - a*f,
		d*k - e*g, b*g - a*k, a*e - b*d,
	}
	return inv
}

// compose returns the mapping p → h(g(p)).
func (h homography) compose(g homography) homography {
	var r homography
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				r[3*i+j] += h[3*i+k] * g[3*k+j]
			}
		}
	}
	return r
}

// scaling returns the homography that multiplies coordinates by s.
func scaling(s float64) homography { return homography{s, 0, 0, 0, s, 0, 0, 0, 1} }

// fitHomography finds the homography taking src[i] to dst[i] in the least-squares
// sense (h8 = 1), with both point sets normalised for numerical stability.
func fitHomography(src, dst []pt) (homography, error) {
	if len(src) < 4 || len(src) != len(dst) {
		return homography{}, errDegenerate
	}
	ns, _ := normaliser(src)
	nd, ndInv := normaliser(dst)
	var ata [8][8]float64
	var atb [8]float64
	for i := range src {
		s, d := ns.apply(src[i]), nd.apply(dst[i])
		rows := [2][8]float64{
			{s.X, s.Y, 1, 0, 0, 0, -d.X * s.X, -d.X * s.Y},
			{0, 0, 0, s.X, s.Y, 1, -d.Y * s.X, -d.Y * s.Y},
		}
		rhs := [2]float64{d.X, d.Y}
		for r := 0; r < 2; r++ {
			for a := 0; a < 8; a++ {
				atb[a] += rows[r][a] * rhs[r]
				for b := 0; b < 8; b++ {
					ata[a][b] += rows[r][a] * rows[r][b]
				}
			}
		}
	}
	sol, ok := solve8(ata, atb)
	if !ok {
		return homography{}, errDegenerate
	}
	hn := homography{sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6], sol[7], 1}
	// Undo the normalisations: h = nd⁻¹ · hn · ns.
	h := ndInv.compose(hn).compose(ns)
	if h[8] == 0 {
		return homography{}, errDegenerate
	}
	for i := range h {
		h[i] /= h[8]
	}
	return h, nil
}

// normaliser returns the similarity that moves points' centroid to the origin
// with mean distance √2, and its inverse.
func normaliser(ps []pt) (fwd, inv homography) {
	var cx, cy float64
	for _, p := range ps {
		cx += p.X
		cy += p.Y
	}
	cx /= float64(len(ps))
	cy /= float64(len(ps))
	var md float64
	for _, p := range ps {
		md += math.Hypot(p.X-cx, p.Y-cy)
	}
	md /= float64(len(ps))
	if md == 0 {
		md = 1
	}
	s := math.Sqrt2 / md
	fwd = homography{s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1}
	inv = homography{1 / s, 0, cx, 0, 1 / s, cy, 0, 0, 1}
	return fwd, inv
}

func solve8(a [8][8]float64, b [8]float64) ([8]float64, bool) {
	const n = 8
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[piv][col]) {
				piv = r
			}
		}
		if math.Abs(a[piv][col]) < 1e-12 {
			return b, false
		}
		a[col], a[piv] = a[piv], a[col]
		b[col], b[piv] = b[piv], b[col]
		for r := col + 1; r < n; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < n; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	var x [8]float64
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

// warpGray samples src through h (dst pixel → src point) into a w×h image,
// bilinearly; points outside src are white, like paper.
func warpGray(src *image.Gray, h homography, w, hgt int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, w, hgt))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	// Grey levels as floats from a table: a load is cheaper than the
	// conversion, and the sampling loop, not its divisions, bounds the warp.
	var level [256]float64
	for v := range level {
		level[v] = float64(v)
	}
	for y := 0; y < hgt; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		fy := float64(y) + 0.5
		// Incremental evaluation of the projective map along the row.
		nx := h[1]*fy + h[2] + h[0]*0.5
		ny := h[4]*fy + h[5] + h[3]*0.5
		nw := h[7]*fy + h[8] + h[6]*0.5
		// A row that samples well inside the photo skips bilinear's edge
		// cases, none of which its points meet.
		inside := rowInside(h, nx, ny, nw, w, sw, sh)
		p, s := src.Pix, src.Stride
		for x := range row {
			sx := nx/nw - 0.5
			sy := ny/nw - 0.5
			nx += h[0]
			ny += h[3]
			nw += h[6]
			if !inside {
				row[x] = bilinear(src, sw, sh, sx, sy)
				continue
			}
			x0, y0 := int(sx), int(sy)
			wx, wy := sx-float64(x0), sy-float64(y0)
			i := y0*s + x0
			a := level[p[i]]*(1-wx) + level[p[i+1]]*wx
			b := level[p[i+s]]*(1-wx) + level[p[i+s+1]]*wx
			row[x] = uint8(a*(1-wy) + b*wy + 0.5)
		}
	}
	return dst
}

// rowInside reports whether a whole row of w destination pixels, starting
// from the projective numerators nx, ny and denominator nw, samples src at
// least a pixel inside its edges. A row maps to a straight segment, so its
// two ends tell; the margin covers the rounding of warpGray's running sums.
func rowInside(h homography, nx, ny, nw float64, w, sw, sh int) bool {
	last := float64(w - 1)
	nwEnd := nw + last*h[6]
	if nw <= 0 || nwEnd <= 0 {
		return false
	}
	inside := func(sx, sy float64) bool {
		return sx >= 1 && sy >= 1 && sx <= float64(sw-3) && sy <= float64(sh-3)
	}
	return inside(nx/nw-0.5, ny/nw-0.5) && inside((nx+last*h[0])/nwEnd-0.5, (ny+last*h[3])/nwEnd-0.5)
}

func bilinear(src *image.Gray, sw, sh int, sx, sy float64) uint8 {
	if sx < 0 || sy < 0 || sx > float64(sw-1) || sy > float64(sh-1) {
		return 255
	}
	x0, y0 := int(sx), int(sy)
	fx, fy := sx-float64(x0), sy-float64(y0)
	x1, y1 := x0+1, y0+1
	if x1 >= sw {
		x1 = sw - 1
	}
	if y1 >= sh {
		y1 = sh - 1
	}
	p := src.Pix
	s := src.Stride
	a := float64(p[y0*s+x0])*(1-fx) + float64(p[y0*s+x1])*fx
	b := float64(p[y1*s+x0])*(1-fx) + float64(p[y1*s+x1])*fx
	return uint8(a*(1-fy) + b*fy + 0.5)
}
