package ocr

import (
	"encoding/binary"
	"image"
	"math"
	"sort"
)

// pageWorkSide is the longest side of the downscaled copy the page is found on.
const pageWorkSide = 1000

// pageQuad is a page found in a photo: its corners TL, TR, BR, BL in photo pixels.
type pageQuad struct {
	Corners [4]pt
	// Scan is true when the page fills the photo (a flat scan).
	Scan bool
}

// findPage locates the sheet of paper in a photo: the largest bright region,
// whose four edges are fitted as straight lines. A page that fills the whole
// photo is taken as a flat scan.
func findPage(g *image.Gray) (pageQuad, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	f := (max(w, h) + pageWorkSide - 1) / pageWorkSide
	small := boxDown(g, f)
	sw, sh := small.Rect.Dx(), small.Rect.Dy()
	t := otsu(small)
	runs := largestComponentRuns(small, t)
	if runs == nil {
		return pageQuad{}, false
	}
	// Outermost component pixel of every row and column, and the area. The
	// runs come row by row and left to right, so a row's first run starts
	// it, its last ends it, and a column is topped by the first run over it.
	left := make([]float64, sh)
	right := make([]float64, sh)
	top := make([]float64, sw)
	bottom := make([]float64, sw)
	for i := range left {
		left[i], right[i] = -1, -1
	}
	for i := range top {
		top[i], bottom[i] = -1, -1
	}
	area := 0
	for _, r := range runs {
		y, fy := int(r.y), float64(r.y)
		area += int(r.x1-r.x0) + 1
		if left[y] < 0 {
			left[y] = float64(r.x0)
		}
		right[y] = float64(r.x1)
		for x := int(r.x0); x <= int(r.x1); x++ {
			if top[x] < 0 {
				top[x] = fy
			}
			bottom[x] = fy
		}
	}
	// The component is the paper around the print (the table's lines fence
	// off its cells), so its own area says little; the quad's is checked below.
	if float64(area) < 0.03*float64(sw*sh) {
		return pageQuad{}, false
	}
	// Rough corners: extremes along the diagonals.
	var tl, tr, br, bl pt
	best := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(1)}
	for y := 0; y < sh; y++ {
		for _, x := range []float64{left[y], right[y]} {
			if x < 0 {
				continue
			}
			fy := float64(y)
			if s := x + fy; s < best[0] {
				best[0], tl = s, pt{x, fy}
			}
			if s := x - fy; s > best[1] {
				best[1], tr = s, pt{x, fy}
			}
			if s := x + fy; s > best[2] {
				best[2], br = s, pt{x, fy}
			}
			if s := x - fy; s < best[3] {
				best[3], bl = s, pt{x, fy}
			}
		}
	}
	// Fit each edge as a line through the boundary points between its corners,
	// trimmed at the ends where the corners round off.
	const out = 0.5 // the edge lies half a pixel beyond the last bright pixel
	topL, ok1 := fitEdge(top, tl.X, tr.X, -out, false)
	botL, ok2 := fitEdge(bottom, bl.X, br.X, out, false)
	leftL, ok3 := fitEdge(left, tl.Y, bl.Y, -out, true)
	rightL, ok4 := fitEdge(right, tr.Y, br.Y, out, true)
	if !(ok1 && ok2 && ok3 && ok4) {
		return pageQuad{}, false
	}
	corners := [4]pt{
		intersect(topL, leftL), intersect(topL, rightL),
		intersect(botL, rightL), intersect(botL, leftL),
	}
	for i := range corners {
		// Small pixel i covers full-resolution pixels i·f … i·f+f-1.
		corners[i] = pt{corners[i].X*float64(f) + float64(f-1)/2, corners[i].Y*float64(f) + float64(f-1)/2}
	}
	q := pageQuad{Corners: corners}
	if !plausibleQuad(q.Corners, w, h) || quadArea(q.Corners) < 0.2*float64(w*h) {
		return pageQuad{}, false
	}
	// A page whose edges run along the photo's borders is a scan (or a photo
	// cropped to the page): its true edges are not in the picture.
	margin := 0.01 * float64(max(w, h))
	inside := 0
	for _, c := range corners {
		if c.X > margin && c.Y > margin && c.X < float64(w)-margin && c.Y < float64(h)-margin {
			inside++
		}
	}
	q.Scan = inside == 0
	return q, true
}

// line is a·t + b where t is x for horizontal edges and y for vertical ones.
type line struct {
	a, b     float64
	vertical bool
}

func fitEdge(pos []float64, from, to, shift float64, vertical bool) (line, bool) {
	lo, hi := int(math.Min(from, to)), int(math.Max(from, to))
	trim := (hi - lo) / 8
	lo, hi = lo+trim, hi-trim
	var ts, vs []float64
	for t := lo; t <= hi && t < len(pos); t++ {
		if t >= 0 && pos[t] >= 0 {
			ts = append(ts, float64(t))
			vs = append(vs, pos[t]+shift)
		}
	}
	if len(ts) < 10 {
		return line{}, false
	}
	// Two rounds: fit, drop points far from the fit (folds, fingers, shadows), refit.
	l := fitLine(ts, vs)
	for round := 0; round < 2; round++ {
		res := make([]float64, len(ts))
		for i := range ts {
			res[i] = math.Abs(vs[i] - (l.a*ts[i] + l.b))
		}
		sorted := append([]float64(nil), res...)
		sort.Float64s(sorted)
		lim := math.Max(1.5, 3*sorted[len(sorted)/2])
		var t2, v2 []float64
		for i := range ts {
			if res[i] <= lim {
				t2 = append(t2, ts[i])
				v2 = append(v2, vs[i])
			}
		}
		if len(t2) < 10 {
			break
		}
		l = fitLine(t2, v2)
	}
	l.vertical = vertical
	return l, true
}

func fitLine(ts, vs []float64) line {
	var st, sv, stt, stv float64
	n := float64(len(ts))
	for i := range ts {
		st += ts[i]
		sv += vs[i]
		stt += ts[i] * ts[i]
		stv += ts[i] * vs[i]
	}
	den := n*stt - st*st
	if den == 0 {
		return line{0, sv / n, false}
	}
	a := (n*stv - st*sv) / den
	return line{a, (sv - a*st) / n, false}
}

// intersect crosses a horizontal edge (y = a·x + b) with a vertical one (x = c·y + d).
func intersect(hz, vt line) pt {
	// y = a(cy + d) + b → y(1 - ac) = ad + b
	den := 1 - hz.a*vt.a
	if den == 0 {
		den = 1e-9
	}
	y := (hz.a*vt.b + hz.b) / den
	return pt{vt.a*y + vt.b, y}
}

// plausibleQuad rejects shapes that cannot be an A4 page seen from above.
func plausibleQuad(c [4]pt, w, h int) bool {
	for _, p := range c {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || p.X < -0.1*float64(w) || p.Y < -0.1*float64(h) ||
			p.X > 1.1*float64(w) || p.Y > 1.1*float64(h) {
			return false
		}
	}
	// Convex, clockwise (in image coordinates).
	for i := 0; i < 4; i++ {
		a, b, d := c[i], c[(i+1)%4], c[(i+2)%4]
		if (b.X-a.X)*(d.Y-b.Y)-(b.Y-a.Y)*(d.X-b.X) <= 0 {
			return false
		}
	}
	top := math.Hypot(c[1].X-c[0].X, c[1].Y-c[0].Y)
	bot := math.Hypot(c[2].X-c[3].X, c[2].Y-c[3].Y)
	lft := math.Hypot(c[3].X-c[0].X, c[3].Y-c[0].Y)
	rgt := math.Hypot(c[2].X-c[1].X, c[2].Y-c[1].Y)
	aspect := (lft + rgt) / (top + bot)
	return aspect > 1.0 && aspect < 2.0
}

// quadArea is the area of a simple quadrilateral (shoelace formula).
func quadArea(c [4]pt) float64 {
	var a float64
	for i := 0; i < 4; i++ {
		j := (i + 1) % 4
		a += c[i].X*c[j].Y - c[j].X*c[i].Y
	}
	return math.Abs(a) / 2
}

// boxDown shrinks g by an integer factor, averaging each f×f block.
func boxDown(g *image.Gray, f int) *image.Gray {
	if f <= 1 {
		return g
	}
	w, h := g.Rect.Dx()/f, g.Rect.Dy()/f
	out := image.NewGray(image.Rect(0, 0, w, h))
	if f == 2 {
		// The common case (a half-scale decode of 12 MP): both rows in one
		// pass, without a slice per block, four blocks at a time. Eight
		// bytes of each row hold four blocks' pixels; masking and shifting
		// gathers each block's sum (at most 1020) in its own 16-bit lane.
		const lanes = 0x00ff00ff00ff00ff
		for y := 0; y < h; y++ {
			r0 := g.Pix[2*y*g.Stride : 2*y*g.Stride+2*w]
			r1 := g.Pix[(2*y+1)*g.Stride : (2*y+1)*g.Stride+2*w]
			o := out.Pix[y*out.Stride : y*out.Stride+w]
			x := 0
			for ; x+4 <= w; x += 4 {
				a, b := binary.LittleEndian.Uint64(r0[2*x:]), binary.LittleEndian.Uint64(r1[2*x:])
				s := a&lanes + a>>8&lanes + b&lanes + b>>8&lanes
				s = s >> 2 & lanes // the sums over 4, no lane reaching into the next
				o[x], o[x+1], o[x+2], o[x+3] = uint8(s), uint8(s>>16), uint8(s>>32), uint8(s>>48)
			}
			for ; x < w; x++ {
				o[x] = uint8((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])) / 4)
			}
		}
		return out
	}
	acc := make([]int, w)
	n := f * f
	for y := 0; y < h; y++ {
		clear(acc)
		for dy := 0; dy < f; dy++ {
			row := g.Pix[(y*f+dy)*g.Stride:]
			for x := 0; x < w; x++ {
				s := 0
				for _, v := range row[x*f : x*f+f] {
					s += int(v)
				}
				acc[x] += s
			}
		}
		for x := 0; x < w; x++ {
			out.Pix[y*out.Stride+x] = uint8(acc[x] / n)
		}
	}
	return out
}

// otsu returns the grey level that best splits g's histogram in two.
func otsu(g *image.Gray) uint8 {
	// Four histograms, for neighbours in a row: paper repeats a level, and
	// counting repeats into one would wait on the previous count each time.
	// (A photo has far fewer than 2³¹ pixels of a level.)
	var part [4][256]int32
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		x := 0
		for ; x+4 <= len(row); x += 4 {
			part[0][row[x]]++
			part[1][row[x+1]]++
			part[2][row[x+2]]++
			part[3][row[x+3]]++
		}
		for ; x < len(row); x++ {
			part[0][row[x]]++
		}
	}
	var hist [256]int
	for v := range hist {
		hist[v] = int(part[0][v]) + int(part[1][v]) + int(part[2][v]) + int(part[3][v])
	}
	return otsuHist(&hist, w*h)
}

// otsuHist returns the grey level that best splits a histogram of total
// pixels in two.
func otsuHist(hist *[256]int, total int) uint8 {
	var sum float64
	for i, c := range hist {
		sum += float64(i * c)
	}
	var sumB, wB float64
	var best float64
	var t uint8
	for i := 0; i < 256; i++ {
		wB += float64(hist[i])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * hist[i])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, uint8(i)
		}
	}
	return t
}

// pixelRun is a row's pixels x0 … x1 (inclusive) in row y.
type pixelRun struct{ y, x0, x1 int32 }

// largestComponentRuns returns the runs of the largest 4-connected region
// brighter than t, row by row and left to right within a row, or nil if no
// pixel is brighter. Regions are gathered as runs of bright pixels joined to
// the runs they touch in the row above, and ties go to the region whose first
// pixel comes first. findPage needs only the region's outline, which its runs
// give without a pixel mask to fill and scan.
func largestComponentRuns(g *image.Gray, t uint8) []pixelRun {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var runs []pixelRun
	// parent links a run towards the first run of its region, which holds the
	// region's size: joining keeps the earlier root, so roots come in the
	// order of their region's first pixel.
	var parent []int32
	var size []int
	root := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	bright := newBrighter(t)
	above, aboveEnd := 0, 0 // the previous row's runs are runs[above:aboveEnd]
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		rowStart := len(runs)
		k := above
		for x := 0; x < w; x++ {
			// Most of a photo lies in long stretches of paper or background:
			// eight pixels at a time until the one that ends a stretch.
			for x+8 <= w && bright.mask(binary.LittleEndian.Uint64(row[x:])) == 0 {
				x += 8
			}
			if x >= w || row[x] <= t {
				continue
			}
			x0 := x
			for x+9 <= w && bright.mask(binary.LittleEndian.Uint64(row[x+1:])) == allBright {
				x += 8
			}
			for x+1 < w && row[x+1] > t {
				x++
			}
			id := int32(len(runs))
			runs = append(runs, pixelRun{int32(y), int32(x0), int32(x)})
			parent = append(parent, id)
			size = append(size, x-x0+1)
			// Runs above that end before this one starts cannot touch the
			// next ones either; the last that touches may touch the next.
			for k < aboveEnd && int(runs[k].x1) < x0 {
				k++
			}
			for j := k; j < aboveEnd && int(runs[j].x0) <= x; j++ {
				a, b := root(int32(j)), root(id)
				if a == b {
					continue
				}
				a, b = min(a, b), max(a, b)
				parent[b] = a
				size[a] += size[b]
			}
		}
		above, aboveEnd = rowStart, len(runs)
	}
	best, bestSize := int32(-1), 0
	for i := range runs {
		if parent[i] == int32(i) && size[i] > bestSize {
			best, bestSize = int32(i), size[i]
		}
	}
	if best < 0 {
		return nil
	}
	// Keep the region's runs in place, in their order.
	n := 0
	for i, r := range runs {
		if root(int32(i)) == best {
			runs[n] = r
			n++
		}
	}
	return runs[:n]
}

// allBright is brighter.mask of eight pixels all brighter than the threshold.
const allBright = 0x8080808080808080

// brighter compares eight grey levels (the bytes of a word) with a threshold
// at once, without carries between the bytes.
type brighter struct {
	add  uint64 // 127 - (t&127) in every byte
	high bool   // t ≥ 128
}

func newBrighter(t uint8) brighter {
	return brighter{add: uint64(127-t&127) * 0x0101010101010101, high: t >= 128}
}

// mask has the top bit of each byte set where that byte of v is brighter
// than the threshold t, and no other bit. A byte's low seven bits l exceed
// t's low seven bits exactly when l + 127 - (t&127), at most 254, reaches
// bit 7; v > t then follows from the top bits: with t < 128 a top bit or a
// greater low part suffices, with t ≥ 128 both are needed.
func (b brighter) mask(v uint64) uint64 {
	low := (v&^allBright + b.add) & allBright
	if b.high {
		return low & v
	}
	return (low | v) & allBright
}
