package digits

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"sort"

	"github.com/tutanak/tutanak/ocr"
)

// Geometry the reader is tuned for: a cell at 150 DPI is about 62 px high.
// Every length below is given for that height and scaled with the real one.
const (
	refCellHeight = 62.0

	// MaxDigits is the longest figure the reader will return.
	MaxDigits = 5

	bgBlock       = 24   // px, side of the blocks the paper level is estimated in
	bgPercentile  = 0.8  // paper is the bright majority of every block
	minContrast   = 28   // grey levels below the paper that can count as ink
	lineSearch    = 10   // px either side of a printed line's expected place
	lineMaxSlope  = 0.03 // rise per px; the page is rectified, lines are near level
	lineMinCover  = 0.45 // share of a line's length that must be ink
	speckArea     = 14   // px; smaller components are noise
	overlapMerge  = 0.5  // x-overlap (share of the narrower) that joins two components
	splitAspect   = 0.9  // width/height above which a group may hold several digits
	minPartAspect = 0.22 // narrowest part (width/height) a split may leave
	maxCuts       = 5    // cut candidates tried per group
	splitPrior    = 0.6  // prior odds against each extra cut
)

// Errors for inputs the reader cannot look at.
var (
	ErrEmptyCrop   = errors.New("empty crop")
	ErrCellOutside = errors.New("cell outside crop")
	ErrNoModel     = errors.New("no digit model")
)

// Reader reads handwritten numbers from cell crops. It implements
// ocr.Recognizer and is safe for concurrent use.
type Reader struct {
	m *Model
}

// NewReader returns a reader classifying digits with m.
func NewReader(m *Model) *Reader { return &Reader{m: m} }

var _ ocr.Recognizer = (*Reader)(nil)

// ReadNumber reads the figure written in cell. The crop is grey (0 = black),
// dark ink on light paper, and reaches past the cell because figures overflow
// their boxes. cell is in the crop's coordinates; a cell given relative to the
// crop's top-left corner is accepted too when crop.Bounds() does not start at
// (0, 0) and the cell would otherwise miss the crop.
func (r *Reader) ReadNumber(crop *image.Gray, cell image.Rectangle) (ocr.Number, error) {
	if r == nil || r.m == nil {
		return ocr.Number{}, ErrNoModel
	}
	if crop == nil || crop.Bounds().Empty() || len(crop.Pix) == 0 {
		return ocr.Number{}, ErrEmptyCrop
	}
	b := crop.Bounds()
	cell = cell.Canon()
	if cell.Intersect(b).Empty() && !b.Min.Eq(image.Point{}) {
		cell = cell.Add(b.Min)
	}
	if cell.Intersect(b).Empty() {
		return ocr.Number{}, fmt.Errorf("cell %v in crop %v: %w", cell, b, ErrCellOutside)
	}
	p := newPage(crop, cell.Sub(b.Min))
	if p.w < 4 || p.h < 4 || p.cell.Dx() < 4 || p.cell.Dy() < 4 {
		return ocr.Number{}, nil
	}
	p.binarise()
	p.removeLines()
	comps := p.components()
	groups, dropped := p.group(comps)
	if len(groups) == 0 {
		// Nothing written; less sure when ink near the middle was thrown away.
		return ocr.Number{SegConfidence: 1 - math.Min(1, dropped)}, nil
	}
	var n ocr.Number
	n.SegConfidence = 1 - math.Min(0.5, dropped)
	for _, g := range groups {
		parts, conf := r.segment(p, g)
		n.SegConfidence *= conf
		for _, pr := range parts {
			n.Digits = append(n.Digits, pr)
		}
	}
	if len(n.Digits) > MaxDigits {
		n.SegConfidence *= 0.2
	}
	return n, nil
}

// page is the crop as floats with everything the reader derives from it.
type page struct {
	w, h  int
	cell  image.Rectangle // in page coordinates
	unit  float64         // cell height / refCellHeight
	grey  []float32
	con   []float32 // paper level minus grey: how much darker than paper
	ink   []bool
	label []int32
}

func newPage(crop *image.Gray, cell image.Rectangle) *page {
	b := crop.Bounds()
	p := &page{w: b.Dx(), h: b.Dy(), cell: cell}
	p.unit = math.Max(float64(cell.Dy())/refCellHeight, 0.25)
	p.grey = make([]float32, p.w*p.h)
	for y := 0; y < p.h; y++ {
		row := crop.Pix[y*crop.Stride : y*crop.Stride+p.w]
		for x, v := range row {
			p.grey[y*p.w+x] = float32(v)
		}
	}
	return p
}

func (p *page) px(v float64) int { return max(1, int(math.Round(v*p.unit))) }

// binarise marks ink: pixels darker than the local paper level by more than a
// threshold chosen by Otsu's method on the contrast, never below minContrast.
func (p *page) binarise() {
	bg := p.paperLevel()
	p.con = make([]float32, len(p.grey))
	var hist [256]int
	for i, g := range p.grey {
		c := max(bg[i]-g, 0)
		p.con[i] = c
		hist[min(int(c), 255)]++
	}
	t := float32(max(otsu(&hist), minContrast))
	p.ink = make([]bool, len(p.grey))
	for i, c := range p.con {
		p.ink[i] = c >= t
	}
}

// paperLevel estimates the paper's grey level at every pixel from a bright
// percentile of blocks, bilinearly interpolated, so shading across the crop
// does not turn into ink.
func (p *page) paperLevel() []float32 {
	side := max(8, p.px(bgBlock))
	bx, by := (p.w+side-1)/side, (p.h+side-1)/side
	lv := make([]float32, bx*by)
	vals := make([]float32, 0, side*side)
	for j := 0; j < by; j++ {
		for i := 0; i < bx; i++ {
			vals = vals[:0]
			for y := j * side; y < min((j+1)*side, p.h); y++ {
				vals = append(vals, p.grey[y*p.w+i*side:y*p.w+min((i+1)*side, p.w)]...)
			}
			slices.Sort(vals)
			lv[j*bx+i] = vals[int(bgPercentile*float64(len(vals)-1))]
		}
	}
	// A block covered by a heavy stroke reads too dark; let the brighter
	// neighbours win where they are much brighter.
	fixed := make([]float32, len(lv))
	for j := 0; j < by; j++ {
		for i := 0; i < bx; i++ {
			v := lv[j*bx+i]
			var nb []float32
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				ii, jj := i+d[0], j+d[1]
				if ii >= 0 && jj >= 0 && ii < bx && jj < by {
					nb = append(nb, lv[jj*bx+ii])
				}
			}
			if len(nb) > 0 {
				slices.Sort(nb)
				if med := nb[len(nb)/2]; med-v > minContrast {
					v = med
				}
			}
			fixed[j*bx+i] = v
		}
	}
	out := make([]float32, p.w*p.h)
	for y := 0; y < p.h; y++ {
		fy := math.Max(0, math.Min(float64(by-1), (float64(y)+0.5)/float64(side)-0.5))
		j0 := int(fy)
		j1 := min(j0+1, by-1)
		wy := float32(fy - float64(j0))
		for x := 0; x < p.w; x++ {
			fx := math.Max(0, math.Min(float64(bx-1), (float64(x)+0.5)/float64(side)-0.5))
			i0 := int(fx)
			i1 := min(i0+1, bx-1)
			wx := float32(fx - float64(i0))
			top := fixed[j0*bx+i0]*(1-wx) + fixed[j0*bx+i1]*wx
			bot := fixed[j1*bx+i0]*(1-wx) + fixed[j1*bx+i1]*wx
			out[y*p.w+x] = top*(1-wy) + bot*wy
		}
	}
	return out
}

// otsu returns the threshold that best separates the histogram in two classes.
func otsu(hist *[256]int) int {
	var total, sum float64
	for i, n := range hist {
		total += float64(n)
		sum += float64(i * n)
	}
	var wB, sumB, best float64
	t := 0
	for i, n := range hist {
		wB += float64(n)
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * n)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, i+1
		}
	}
	return t
}

// line is a printed line found near a cell edge: pos + slope·(t − mid) is
// its centre across the page for each t along it.
type line struct {
	horizontal bool
	pos, slope float64
	mid        int
	thick      int
}

func (l line) at(t int) int { return int(math.Round(l.pos + l.slope*float64(t-l.mid))) }

// removeLines erases the cell's printed borders. Where a stroke crosses a line
// the line's pixels stay, so the stroke is not cut in two.
func (p *page) removeLines() {
	var lines []line
	for _, y := range []int{p.cell.Min.Y, p.cell.Max.Y - 1} {
		if l, ok := p.findLine(true, y, max(0, p.cell.Min.X-p.px(15)), min(p.w, p.cell.Max.X+p.px(15))); ok {
			lines = append(lines, l)
		}
	}
	for _, x := range []int{p.cell.Min.X, p.cell.Max.X - 1} {
		if l, ok := p.findLine(false, x, 0, p.h); ok {
			lines = append(lines, l)
		}
	}
	for _, l := range lines {
		p.eraseLine(l)
	}
}

// at reports ink at (t, s) where t runs along a line and s across it.
func (p *page) inkAt(horizontal bool, t, s int) bool {
	x, y := t, s
	if !horizontal {
		x, y = s, t
	}
	if x < 0 || y < 0 || x >= p.w || y >= p.h {
		return false
	}
	return p.ink[y*p.w+x]
}

// findLine searches for the straightest, most inked line within lineSearch of
// pos, running along t from lo to hi.
func (p *page) findLine(horizontal bool, pos, lo, hi int) (line, bool) {
	if hi-lo < 8 {
		return line{}, false
	}
	mid := (lo + hi) / 2
	search := p.px(lineSearch)
	best, bestCover := line{}, 0.0
	for slope := -lineMaxSlope; slope <= lineMaxSlope+1e-9; slope += 0.005 {
		for c := pos - search; c <= pos+search; c++ {
			l := line{horizontal: horizontal, pos: float64(c), slope: slope, mid: mid}
			n := 0
			for t := lo; t < hi; t++ {
				if p.inkAt(horizontal, t, l.at(t)) {
					n++
				}
			}
			if cover := float64(n) / float64(hi-lo); cover > bestCover {
				best, bestCover = l, cover
			}
		}
	}
	if bestCover < lineMinCover {
		return line{}, false
	}
	// The line's thickness is the typical ink run across it.
	var runs []int
	for t := lo; t < hi; t++ {
		if a, b, ok := p.runAcross(best, t); ok {
			runs = append(runs, b-a+1)
		}
	}
	sort.Ints(runs)
	best.thick = runs[len(runs)/2]
	return best, true
}

// runAcross returns the ink run across line l at t that touches its centre.
func (p *page) runAcross(l line, t int) (a, b int, ok bool) {
	c := l.at(t)
	switch {
	case p.inkAt(l.horizontal, t, c):
	case p.inkAt(l.horizontal, t, c-1):
		c--
	case p.inkAt(l.horizontal, t, c+1):
		c++
	default:
		return 0, 0, false
	}
	a, b = c, c
	limit := 4 * refCellHeight * p.unit
	for p.inkAt(l.horizontal, t, a-1) && float64(c-a) < limit {
		a--
	}
	for p.inkAt(l.horizontal, t, b+1) && float64(b-c) < limit {
		b++
	}
	return a, b, true
}

func (p *page) eraseLine(l line) {
	n := p.h
	if l.horizontal {
		n = p.w
	}
	half := l.thick/2 + 1
	for t := 0; t < n; t++ {
		a, b, ok := p.runAcross(l, t)
		if !ok {
			continue
		}
		c := l.at(t)
		over := 2 // px a stroke must reach past the line to count as crossing it
		above := (c - half) - a
		below := b - (c + half)
		if above >= over && below >= over {
			continue // a stroke crosses here
		}
		from, to := a, b
		if above >= over {
			from = c - half
		}
		if below >= over {
			to = c + half
		}
		for s := from; s <= to; s++ {
			x, y := t, s
			if !l.horizontal {
				x, y = s, t
			}
			if x >= 0 && y >= 0 && x < p.w && y < p.h {
				p.ink[y*p.w+x] = false
			}
		}
	}
}

// comp is a connected component of ink.
type comp struct {
	pix            []int32 // page indices
	x0, y0, x1, y1 int     // bounding box, inclusive
	cx, cy         float64 // centre of mass
}

func (c *comp) w() int { return c.x1 - c.x0 + 1 }
func (c *comp) h() int { return c.y1 - c.y0 + 1 }

// components labels 8-connected ink.
func (p *page) components() []*comp {
	p.label = make([]int32, len(p.ink))
	var out []*comp
	var stack []int32
	for start, isInk := range p.ink {
		if !isInk || p.label[start] != 0 {
			continue
		}
		id := int32(len(out) + 1)
		c := &comp{x0: p.w, y0: p.h, x1: -1, y1: -1}
		p.label[start] = id
		stack = append(stack[:0], int32(start))
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c.pix = append(c.pix, i)
			x, y := int(i)%p.w, int(i)/p.w
			c.x0, c.y0, c.x1, c.y1 = min(c.x0, x), min(c.y0, y), max(c.x1, x), max(c.y1, y)
			c.cx += float64(x)
			c.cy += float64(y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= p.w || yy >= p.h {
						continue
					}
					j := int32(yy*p.w + xx)
					if p.ink[j] && p.label[j] == 0 {
						p.label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		c.cx /= float64(len(c.pix))
		c.cy /= float64(len(c.pix))
		out = append(out, c)
	}
	return out
}

// group drops components that are noise, leftovers of lines or ink from the
// neighbouring rows and columns, and joins the pieces of broken digits. It
// returns the groups left to right, and how much ink inside the cell it threw
// away relative to a typical digit (0 = nothing).
func (p *page) group(comps []*comp) ([]*comp, float64) {
	cell := p.cell
	var keep []*comp
	var droppedInCell float64
	speck := speckArea * p.unit * p.unit
	for _, c := range comps {
		inBand := c.cy >= float64(cell.Min.Y) && c.cy < float64(cell.Max.Y) &&
			c.cx >= float64(cell.Min.X) && c.cx < float64(cell.Max.X)
		lineLike := (c.h() <= p.px(7) && c.w() >= cell.Dx()/3) ||
			(c.w() <= p.px(7) && c.h() >= cell.Dy()*5/4)
		switch {
		case !inBand:
		case float64(len(c.pix)) < speck:
		case lineLike:
		default:
			keep = append(keep, c)
			continue
		}
		if inBand && !lineLike {
			droppedInCell += float64(len(c.pix))
		}
	}
	if len(keep) == 0 {
		return nil, droppedInCell / p.digitArea()
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].x0 < keep[j].x0 })

	// Join components that overlap in x: pieces of one broken digit.
	merged := []*comp{keep[0]}
	for _, c := range keep[1:] {
		last := merged[len(merged)-1]
		overlap := min(last.x1, c.x1) - max(last.x0, c.x0) + 1
		if float64(overlap) >= overlapMerge*float64(min(last.w(), c.w())) {
			merged[len(merged)-1] = join(last, c)
			continue
		}
		merged = append(merged, c)
	}

	// Small pieces standing apart are noise, unless they nearly touch a digit.
	tall := 0
	big := 0
	for _, g := range merged {
		tall = max(tall, g.h())
		big = max(big, len(g.pix))
	}
	var out []*comp
	for i, g := range merged {
		if g.h()*3 >= tall || len(g.pix)*6 >= big {
			out = append(out, g)
			continue
		}
		gap := func(o *comp) int { return max(o.x0-g.x1, g.x0-o.x1) }
		near := -1
		if i > 0 && gap(merged[i-1]) <= p.px(4) {
			near = i - 1
		}
		if i+1 < len(merged) && gap(merged[i+1]) <= p.px(4) && (near < 0 || gap(merged[i+1]) < gap(merged[i-1])) {
			near = i + 1
		}
		switch {
		case near >= 0 && near < i:
			out[len(out)-1] = join(out[len(out)-1], g)
		case near > i:
			merged[near] = join(g, merged[near])
		default:
			droppedInCell += float64(len(g.pix))
		}
	}
	return out, droppedInCell / p.digitArea()
}

// digitArea is the ink of a typical written digit, to scale thrown-away ink.
func (p *page) digitArea() float64 { return 600 * p.unit * p.unit }

func join(a, b *comp) *comp {
	n := float64(len(a.pix) + len(b.pix))
	return &comp{
		pix: append(append(make([]int32, 0, len(a.pix)+len(b.pix)), a.pix...), b.pix...),
		x0:  min(a.x0, b.x0), y0: min(a.y0, b.y0), x1: max(a.x1, b.x1), y1: max(a.y1, b.y1),
		cx: (a.cx*float64(len(a.pix)) + b.cx*float64(len(b.pix))) / n,
		cy: (a.cy*float64(len(a.pix)) + b.cy*float64(len(b.pix))) / n,
	}
}
