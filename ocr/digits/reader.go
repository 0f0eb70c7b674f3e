package digits

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/tutanak/tutanak/ocr"
)

// Geometry the reader is tuned for: a cell at 150 DPI is about 62 px high.
// Every length below is given for that height and scaled with the real one.
const (
	refCellHeight = 62.0

	// MaxDigits is the longest figure the reader will return.
	MaxDigits = 5

	bgBlock        = 24   // px, side of the blocks the paper level is estimated in
	bgPercentile   = 0.8  // paper is the bright majority of every block
	minContrast    = 28   // grey levels below the paper that can count as ink
	lineSearch     = 10   // px either side of a printed line's expected place
	lineMaxSlope   = 0.03 // rise per px; the page is rectified, lines are near level
	lineNear       = 3    // px either side of a border found before, searched again
	lineMinCover   = 0.45 // share of a line's length that must be ink
	alongLine      = 16   // px of a stroke lying on a line before it is kept whole
	speckArea      = 14   // px; smaller components are noise
	overlapMerge   = 0.5  // x-overlap (share of the narrower) that joins two components
	splitAspect    = 0.9  // width/height above which a group may hold several digits
	oneSplitAspect = 0.6  // width/height above which a group may be a thin 1 touching a digit
	minPartAspect  = 0.1  // narrowest part (width/height) a split may leave: a thin 1
	narrowPart     = 0.22 // parts narrower than this (width/height) must be a tall 1
	narrowPenalty  = -6   // log-odds against a narrow part that is not a tall 1
	oneHeight      = 0.7  // share of the group's height a narrow 1 must span
	thinContact    = 0.1  // ink in a column, against the group's height, where two digits only touch
	stackedOverlap = 0.3  // y-overlap (share of the shorter) below which x-overlapping pieces are one digit
	shortGroup     = 0.8  // height, against the tallest group's, of pieces that may be halves of one digit
	mainInk        = 0.5  // share of a typical digit's ink the biggest group needs never to count as marginal
	straddleInk    = 0.2  // ink, against the biggest group's, under which a group across a side border is dropped
	flatGroup      = 0.35 // height, against the tallest group's, below which a group is no digit alone
	flatPenalty    = -4   // log-odds against a flat group being a digit by itself
	flatGap        = 10   // px a flat group may stand from the digit it belongs to
	minSlant       = 0.12 // lean (x per row) below which a group is read only upright
	maxSlant       = 0.5  // the most lean taken out
	slantDoubt     = 0.9  // upright reading's probability under which a narrower group is read deslanted too
	maxCuts        = 6    // cut candidates tried per group
	cutSeparation  = 0.15 // heights between two cut candidates
	splitPrior     = 0.5  // prior odds against each extra cut
	rejectBelow    = 0.05 // probability of being a digit under which a marginal mark is dropped
	overflowCut    = 0.45 // cell heights a component may reach past a line before it is cut there
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
	// pages keeps the pages of finished reads for the next: their buffers
	// are the crop's size several times over, and a check reads a dozen
	// crops of one size.
	pages sync.Pool
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
	p, _ := r.pages.Get().(*page)
	if p == nil {
		p = &page{}
	}
	defer r.pages.Put(p)
	p.reset(crop, cell.Sub(b.Min))
	if p.w < 4 || p.h < 4 || p.cell.Dx() < 4 || p.cell.Dy() < 4 {
		return ocr.Number{}, nil
	}
	p.binarise()
	p.removeLines()
	comps := p.components()
	groups, dropped := p.group(comps, r.separate)
	groups, dropped = r.rejoin(p, groups, dropped)
	if len(groups) == 0 {
		// Nothing written; less sure when ink near the middle was thrown away.
		return ocr.Number{SegConfidence: 1 - math.Min(1, dropped)}, nil
	}
	var n ocr.Number
	n.SegConfidence = 1 - math.Min(0.5, dropped)
	refW := typicalWidth(groups)
	biggest := 0
	for _, g := range groups {
		biggest = max(biggest, len(g.pix))
	}
	for _, g := range groups {
		parts, conf, score := r.segment(p, g, refW)
		// A little ink straddling the cell's side border is a leftover of the
		// line or a mark from the next column, not a digit of this figure.
		straddles := g.x0 < p.cell.Min.X-p.px(2) || g.x1 > p.cell.Max.X+p.px(2)
		if straddles && float64(len(g.pix)) < straddleInk*float64(biggest) {
			n.SegConfidence *= 0.9
			continue
		}
		// A mark the classifier rejects outright is dropped when it is small
		// or sits on the cell's side, where leftovers of the border lines are.
		// The biggest group, with a digit's worth of ink, is never marginal:
		// a lone figure written near the cell's side is still the figure.
		chief := len(g.pix) == biggest && float64(len(g.pix)) >= mainInk*p.digitArea()
		marginal := len(g.pix)*4 < biggest ||
			(!chief && min(abs(g.x0-p.cell.Min.X), abs(g.x1-p.cell.Max.X)) <= p.px(lineSearch))
		if score < math.Log(rejectBelow) && marginal {
			n.SegConfidence *= 1 - math.Exp(score)
			continue
		}
		n.SegConfidence *= conf
		n.Digits = append(n.Digits, parts...)
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
	grey  []uint8         // the crop's pixels, w×h
	con   []float32       // paper level minus grey: how much darker than paper
	ink   []bool
	label []int32
	pix   []int32 // the components' pixels (components)
	// top and bottom are the cell's printed borders where found.
	top, bottom       line
	hasTop, hasBottom bool
	// borders are the ones binarise found at its first, lower threshold;
	// linesAbove says the final threshold is not lower than that one.
	borders    [4]border
	linesAbove bool
	// counts are the ink counts the line search last made (countLines),
	// current only on the rows and columns it searched.
	counts inkCounts
	// onLine is lineMask's buffer, widths findLine's, runs eraseLine's.
	onLine []bool
	widths []int
	runs   []run
	// walks are the line search's planned lines by span (walksOver). They
	// depend on the span alone, so they are kept for the next crop too.
	walks map[[2]int][]lineWalk
}

// reset makes p the page of crop with cell, keeping the buffers and planned
// walks of the crop it was before.
func (p *page) reset(crop *image.Gray, cell image.Rectangle) {
	b := crop.Bounds()
	w, h := b.Dx(), b.Dy()
	n := w * h
	*p = page{
		w: w, h: h, cell: cell,
		unit:  math.Max(float64(cell.Dy())/refCellHeight, 0.25),
		grey:  resize(p.grey, n),
		con:   resize(p.con, n),
		ink:   resize(p.ink, n),
		label: resize(p.label, n),
		pix:   resize(p.pix, n),
		counts: inkCounts{
			rows: resize(p.counts.rows, h*(w+1)),
			cols: resize(p.counts.cols, w*(h+1)),
		},
		onLine: resize(p.onLine, n),
		widths: p.widths,
		runs:   p.runs,
		walks:  p.walks,
	}
	for y := 0; y < h; y++ {
		copy(p.grey[y*w:(y+1)*w], crop.Pix[y*crop.Stride:y*crop.Stride+w])
	}
}

// resize returns s with length n, in s's array when it is big enough. The
// contents are left as they were.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (p *page) px(v float64) int { return max(1, int(math.Round(v*p.unit))) }

// binarise marks ink: pixels darker than the local paper level by more than a
// threshold chosen by Otsu's method on the contrast, never below minContrast.
func (p *page) binarise() {
	p.paperLevel(p.con)
	var hist [256]int
	con := p.con[:len(p.grey)]
	for i, g := range p.grey {
		c := max(con[i]-float32(g), 0)
		con[i] = c
		hist[min(int(c), 255)]++
	}
	// A first, low threshold finds the printed lines; the real one is then
	// chosen without them, since a dark line would pull Otsu's split above a
	// faint blue pen.
	low := float32(max(otsu(&hist)/2, minContrast))
	p.threshold(low)
	p.borders = p.findLines(nil)
	on := p.lineMask(p.borders)
	hist = [256]int{}
	on = on[:len(con)]
	for i, c := range con {
		if !on[i] {
			hist[min(int(c), 255)]++
		}
	}
	t := float32(max(otsu(&hist), minContrast))
	p.threshold(t)
	p.linesAbove = t >= low
}

// lineMask marks the pixels on the lines, with a margin for blur: walked
// along each line rather than asking of every pixel whether a line is near.
func (p *page) lineMask(borders [4]border) []bool {
	p.onLine = resize(p.onLine, p.w*p.h)
	on := p.onLine
	clear(on)
	for _, b := range borders {
		if !b.ok {
			continue
		}
		l := b.line
		n, across := p.w, p.h
		if !l.horizontal {
			n, across = p.h, p.w
		}
		m := l.thick/2 + 2
		for t := 0; t < n; t++ {
			c := l.at(t)
			for s := max(c-m, 0); s <= min(c+m, across-1); s++ {
				if l.horizontal {
					on[s*p.w+t] = true
				} else {
					on[t*p.w+s] = true
				}
			}
		}
	}
	return on
}

func (p *page) threshold(t float32) {
	ink := p.ink[:len(p.con)]
	for i, c := range p.con {
		ink[i] = c >= t
	}
}

// paperLevel estimates the paper's grey level at every pixel from a bright
// percentile of blocks, bilinearly interpolated, so shading across the crop
// does not turn into ink. It writes the levels to out, w×h.
func (p *page) paperLevel(out []float32) {
	side := max(8, p.px(bgBlock))
	bx, by := (p.w+side-1)/side, (p.h+side-1)/side
	lv := make([]float32, bx*by)
	for j := 0; j < by; j++ {
		for i := 0; i < bx; i++ {
			var hist [256]int32
			n := 0
			for y := j * side; y < min((j+1)*side, p.h); y++ {
				for _, v := range p.grey[y*p.w+i*side : y*p.w+min((i+1)*side, p.w)] {
					hist[v]++
				}
				n += min((i+1)*side, p.w) - i*side
			}
			lv[j*bx+i] = nthLevel(&hist, int(bgPercentile*float64(n-1)))
		}
	}
	// A block covered by a heavy stroke reads too dark; let the brighter
	// neighbours win where they are much brighter.
	fixed := make([]float32, len(lv))
	for j := 0; j < by; j++ {
		for i := 0; i < bx; i++ {
			v := lv[j*bx+i]
			var around [4]float32
			nb := around[:0]
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
	// The horizontal weights are the same on every row.
	xi0, xi1 := make([]int, p.w), make([]int, p.w)
	xw := make([]float32, p.w)
	for x := 0; x < p.w; x++ {
		fx := math.Max(0, math.Min(float64(bx-1), (float64(x)+0.5)/float64(side)-0.5))
		xi0[x] = int(fx)
		xi1[x] = min(xi0[x]+1, bx-1)
		xw[x] = float32(fx - float64(xi0[x]))
	}
	// So are the levels interpolated along the block rows above and below,
	// for every pixel row between the same two.
	top, bot := make([]float32, p.w), make([]float32, p.w)
	rowsOf := -1
	for y := 0; y < p.h; y++ {
		fy := math.Max(0, math.Min(float64(by-1), (float64(y)+0.5)/float64(side)-0.5))
		j0 := int(fy)
		j1 := min(j0+1, by-1)
		wy := float32(fy - float64(j0))
		if j0 != rowsOf {
			r0, r1 := fixed[j0*bx:j0*bx+bx], fixed[j1*bx:j1*bx+bx]
			for x := range top {
				i0, i1, wx := xi0[x], xi1[x], xw[x]
				top[x] = r0[i0]*(1-wx) + r0[i1]*wx
				bot[x] = r1[i0]*(1-wx) + r1[i1]*wx
			}
			rowsOf = j0
		}
		row := out[y*p.w : y*p.w+p.w]
		for x := range row {
			row[x] = top[x]*(1-wy) + bot[x]*wy
		}
	}
}

// nthLevel returns the k-th smallest grey level counted in hist (what sorting
// the levels would put at k): a counting selection, since the page's levels
// are whole numbers 0–255 and sorting every block cost more than the rest of
// the reader.
func nthLevel(hist *[256]int32, k int) float32 {
	seen := 0
	for v, n := range hist {
		seen += int(n)
		if seen > k {
			return float32(v)
		}
	}
	return 255
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
	var near *[4]border
	if p.linesAbove {
		near = &p.borders
	}
	b := p.findLines(near)
	for _, bd := range b {
		if bd.ok {
			p.eraseLine(bd.line)
		}
	}
}

// border is one of the cell's printed borders, where found.
type border struct {
	line
	ok bool
}

// findLines finds the cell's printed borders in the current ink: top,
// bottom, left, right. With near, the borders binarise found at a lower
// threshold, each border is looked for only within lineNear of where it
// was, and one not found then is not looked for: a higher threshold only
// takes ink away, so no line gains cover. Every slope is tried again, since
// at the low threshold a thick line covers several equally well.
func (p *page) findLines(near *[4]border) [4]border {
	lo, hi := max(0, p.cell.Min.X-p.px(15)), min(p.w, p.cell.Max.X+p.px(15))
	search := p.px(lineSearch)
	var out [4]border
	for i, at := range [4]struct {
		horizontal bool
		pos        int
	}{{true, p.cell.Min.Y}, {true, p.cell.Max.Y - 1}, {false, p.cell.Min.X}, {false, p.cell.Max.X - 1}} {
		c0, c1 := at.pos-search, at.pos+search
		if near != nil {
			if !near[i].ok {
				continue
			}
			c := int(math.Round(near[i].pos))
			c0, c1 = max(c0, c-p.px(lineNear)), min(c1, c+p.px(lineNear))
		}
		a, b := lo, hi
		if !at.horizontal {
			a, b = 0, p.h
		}
		out[i].line, out[i].ok = p.findLine(at.horizontal, a, b, c0, c1)
	}
	p.top, p.hasTop = out[0].line, out[0].ok
	p.bottom, p.hasBottom = out[1].line, out[1].ok
	return out
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

// inkCounts are running counts of ink along rows and columns, so that the
// ink on any stretch of one is two lookups.
type inkCounts struct {
	rows []int32 // rows[y*(w+1)+x]: ink in row y left of x
	cols []int32 // cols[x*(h+1)+y]: ink in column x above y
}

// countLines counts the current ink along the rows (horizontal) or columns
// from up to to: the line search needs only those near the cell's borders.
func (p *page) countLines(horizontal bool, from, to int) {
	c := &p.counts
	c.rows, c.cols = resize(c.rows, p.h*(p.w+1)), resize(c.cols, p.w*(p.h+1))
	if horizontal {
		for y := from; y < to; y++ {
			row := c.rows[y*(p.w+1) : (y+1)*(p.w+1)]
			row[0] = 0
			n := int32(0)
			for x, isInk := range p.ink[y*p.w : (y+1)*p.w] {
				if isInk {
					n++
				}
				row[x+1] = n
			}
		}
		return
	}
	for x := from; x < to; x++ {
		col := c.cols[x*(p.h+1) : (x+1)*(p.h+1)]
		col[0] = 0
		n := int32(0)
		for y := range p.h {
			if p.ink[y*p.w+x] {
				n++
			}
			col[y+1] = n
		}
	}
}

// lineWalk is one slope's line from lo to hi, planned for every position c
// across at once: it keeps one whole step s−c over stretches of t, so its ink
// at c is a few counted stretches. Only where c+rise lands on a rounding tie
// (near k+½) can Round differ between positions c; those t are rounded per
// pixel, as line.at does.
type lineWalk struct {
	lo, hi, mid       int
	slope             float64
	stretches         []stretch
	ties              []int
	tieRise           []float64
	lowStep, highStep int
}

// stretch is a run of t, [from, to), where the line lies step across from c.
type stretch struct{ from, to, step int }

// plan lays out the walk of the given slope, reusing w's buffers.
func (w *lineWalk) plan(lo, hi, mid int, slope float64) {
	w.lo, w.hi, w.mid, w.slope = lo, hi, mid, slope
	w.stretches, w.ties, w.tieRise = w.stretches[:0], w.ties[:0], w.tieRise[:0]
	w.lowStep, w.highStep = 0, 0
	for t := lo; t < hi; t++ {
		r := slope * float64(t-mid)
		if f := math.Abs(r - math.Trunc(r)); math.Abs(f-0.5) < 1e-6 {
			w.ties, w.tieRise = append(w.ties, t), append(w.tieRise, r)
			continue
		}
		d := int(math.Round(r))
		if n := len(w.stretches); n > 0 && w.stretches[n-1].step == d && w.stretches[n-1].to == t {
			w.stretches[n-1].to++
		} else {
			w.stretches = append(w.stretches, stretch{t, t + 1, d})
		}
		w.lowStep, w.highStep = min(w.lowStep, d), max(w.highStep, d)
	}
}

// inkUnder counts the ink pixels under the walk's line at position c: those
// at (t, line.at(t)) for t from lo to hi. counts are the page's current ink
// counts.
func (p *page) inkUnder(counts inkCounts, horizontal bool, w *lineWalk, c int) int {
	// The pixel at (t, s) is ink[t*along+s*across]; counted[s*stride+t]
	// counts the ink before t along s.
	along, across, span := 1, p.w, p.h
	counted, stride := counts.rows, p.w+1
	if !horizontal {
		along, across, span = p.w, 1, p.w
		counted, stride = counts.cols, p.h+1
	}
	n := 0
	if w.lo >= 0 && c+w.lowStep >= 0 && c+w.highStep < span {
		// Every s is inside the page: no bounds to check.
		for _, st := range w.stretches {
			row := (c + st.step) * stride
			n += int(counted[row+st.to] - counted[row+st.from])
		}
		for i, t := range w.ties {
			if s := int(math.Round(float64(c) + w.tieRise[i])); s >= 0 && s < span && p.ink[t*along+s*across] {
				n++
			}
		}
		return n
	}
	for t := w.lo; t < w.hi; t++ {
		if s := int(math.Round(float64(c) + w.slope*float64(t-w.mid))); s >= 0 && s < span && t >= 0 && p.ink[t*along+s*across] {
			n++
		}
	}
	return n
}

// walksOver returns the lines of every slope the search tries from lo to hi,
// planned once a page: the top and bottom borders share them, the sides
// share theirs, and both threshold passes search again over the same span.
func (p *page) walksOver(lo, hi int) []lineWalk {
	key := [2]int{lo, hi}
	if w, ok := p.walks[key]; ok {
		return w
	}
	mid := (lo + hi) / 2
	var walks []lineWalk
	for slope := -lineMaxSlope; slope <= lineMaxSlope+1e-9; slope += 0.005 {
		var w lineWalk
		w.plan(lo, hi, mid, slope)
		walks = append(walks, w)
	}
	if p.walks == nil {
		p.walks = map[[2]int][]lineWalk{}
	}
	p.walks[key] = walks
	return walks
}

// findLine searches for the straightest, most inked line running along t
// from lo to hi, at a position from c0 to c1 across, in the current ink.
func (p *page) findLine(horizontal bool, lo, hi, c0, c1 int) (line, bool) {
	if hi-lo < 8 {
		return line{}, false
	}
	walks := p.walksOver(lo, hi)
	// Count the ink along only the rows or columns the walks step onto.
	low, high := 0, 0
	for i := range walks {
		low, high = min(low, walks[i].lowStep), max(high, walks[i].highStep)
	}
	span := p.h
	if !horizontal {
		span = p.w
	}
	p.countLines(horizontal, max(c0+low, 0), min(c1+high+1, span))
	best, bestCover := line{}, 0.0
	for i := range walks {
		w := &walks[i]
		for c := c0; c <= c1; c++ {
			n := p.inkUnder(p.counts, horizontal, w, c)
			if cover := float64(n) / float64(hi-lo); cover > bestCover {
				best, bestCover = line{horizontal: horizontal, pos: float64(c), slope: w.slope, mid: w.mid}, cover
			}
		}
	}
	if bestCover < lineMinCover {
		return line{}, false
	}
	// The line's thickness is the typical ink run across it.
	runs := p.widths[:0]
	for t := lo; t < hi; t++ {
		if a, b, ok := p.runAcross(best, t); ok {
			runs = append(runs, b-a+1)
		}
	}
	slices.Sort(runs)
	best.thick = runs[len(runs)/2]
	p.widths = runs
	return best, true
}

// runAcross returns the ink run across line l at t that touches its centre.
func (p *page) runAcross(l line, t int) (a, b int, ok bool) {
	// The pixel at s across is ink[first+s*step]: s is the row of a
	// horizontal line's column t, or the column of a vertical line's row t.
	first, step, along, across := t, p.w, p.w, p.h
	if !l.horizontal {
		first, step, along, across = t*p.w, 1, p.h, p.w
	}
	if t < 0 || t >= along {
		return 0, 0, false
	}
	ink := func(s int) bool { return s >= 0 && s < across && p.ink[first+s*step] }
	c := l.at(t)
	switch {
	case ink(c):
	case ink(c - 1):
		c--
	case ink(c + 1):
		c++
	default:
		return 0, 0, false
	}
	a, b = c, c
	limit := 4 * refCellHeight * p.unit
	for ink(a-1) && float64(c-a) < limit {
		a--
	}
	for ink(b+1) && float64(b-c) < limit {
		b++
	}
	return a, b, true
}

// run is an ink run across a line, from a to b, where ok.
type run struct {
	a, b int
	ok   bool
}

// eraseLine clears the line's pixels. Where a stroke crosses the line (ink
// reaches past it on both sides) the run stays whole, so the stroke is not cut
// in two; where a stroke only touches it, the part beyond the line stays; and
// where a stroke runs along a horizontal line (the bar of a 7 on the cell's
// top) the ink stays whole, since erasing it would change the digit.
func (p *page) eraseLine(l line) {
	n := p.h
	if l.horizontal {
		n = p.w
	}
	half := l.thick/2 + 1
	const over = 2 // px a stroke must reach past the line to count
	// The runs are all taken before any is erased: erasing at t clears
	// pixels of the run at t alone, so the others stay as they were.
	p.runs = resize(p.runs, n)
	for t := range p.runs {
		r := &p.runs[t]
		r.a, r.b, r.ok = p.runAcross(l, t)
	}
	along := make([]bool, n)
	if l.horizontal {
		// Runs thicker than the line over a long stretch are a stroke along it.
		minStretch := p.px(alongLine)
		for t := 0; t < n; {
			if r := p.runs[t]; !r.ok || r.b-r.a+1 <= l.thick+2 {
				t++
				continue
			}
			end := t
			for end < n {
				if r := p.runs[end]; !r.ok || r.b-r.a+1 <= l.thick+2 {
					break
				}
				end++
			}
			if end-t >= minStretch {
				for i := t; i < end; i++ {
					along[i] = true
				}
			}
			t = end
		}
	}
	for t := 0; t < n; t++ {
		a, b, ok := p.runs[t].a, p.runs[t].b, p.runs[t].ok
		if !ok || along[t] {
			continue
		}
		c := l.at(t)
		above := (c - half) - a
		below := b - (c + half)
		if above >= over && below >= over {
			continue
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
	ink, label := p.ink, p.label[:len(p.ink)]
	clear(label)
	var out []*comp
	// Every component's pixels are a stretch of one buffer, with no room
	// to grow into the next.
	all := p.pix[:0]
	var stack []int32
	// The neighbours of a pixel away from the page's edge, in the order
	// the checked loop below visits them.
	w, h := p.w, p.h
	around := [8]int32{int32(-w - 1), int32(-w), int32(-w + 1), -1, 1, int32(w - 1), int32(w), int32(w + 1)}
	for start, isInk := range ink {
		if !isInk || label[start] != 0 {
			continue
		}
		id := int32(len(out) + 1)
		x0, y0, x1, y1 := w, h, -1, -1
		var cx, cy float64
		label[start] = id
		first := len(all)
		stack = append(stack[:0], int32(start))
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			all = append(all, i)
			x, y := int(i)%w, int(i)/w
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			cx += float64(x)
			cy += float64(y)
			if x > 0 && y > 0 && x < w-1 && y < h-1 {
				for _, d := range around {
					if j := i + d; ink[j] && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
				continue
			}
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					j := int32(yy*w + xx)
					if ink[j] && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		n := float64(len(all) - first)
		out = append(out, &comp{
			pix: all[first:len(all):len(all)],
			x0:  x0, y0: y0, x1: x1, y1: y1,
			cx: cx / n, cy: cy / n,
		})
	}
	return out
}

// group drops components that are noise, leftovers of lines or ink from the
// neighbouring rows and columns, and joins the pieces of broken digits. It
// returns the groups left to right, and how much ink inside the cell it threw
// away relative to a typical digit (0 = nothing).
func (p *page) group(comps []*comp, separate func(p *page, a, b *comp) bool) ([]*comp, float64) {
	cell := p.cell
	var keep []*comp
	var droppedInCell float64
	speck := speckArea * p.unit * p.unit
	var cut []*comp
	for _, c := range comps {
		cut = p.cutOverflow(cut, c)
	}
	for _, c := range cut {
		inBand := c.cy >= float64(cell.Min.Y) && c.cy < float64(cell.Max.Y) &&
			c.cx >= float64(cell.Min.X) && c.cx < float64(cell.Max.X)
		lineLike := p.lineLike(c)
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
		if float64(overlap) >= overlapMerge*float64(min(last.w(), c.w())) && (separate == nil || !separate(p, last, c)) {
			merged[len(merged)-1] = join(last, c)
			continue
		}
		merged = append(merged, c)
	}

	// Pieces of a broken border line join up above; drop them now. They
	// are printed, not written, so they do not count as dropped ink.
	merged = slices.DeleteFunc(merged, p.lineLike)
	if len(merged) == 0 {
		return nil, droppedInCell / p.digitArea()
	}

	// Small pieces standing apart are noise, unless they nearly touch a digit.
	tall := 0
	big := 0
	for _, g := range merged {
		tall = max(tall, g.h())
		big = max(big, len(g.pix))
	}
	var out []*comp
	// intoThis says the piece before was joined into this one, so it is no
	// neighbour of it and is in no group of out.
	intoThis := false
	for i, g := range merged {
		left := i > 0 && !intoThis
		intoThis = false
		if g.h()*2 >= tall || len(g.pix)*6 >= big {
			out = append(out, g)
			continue
		}
		gap := func(o *comp) int { return max(o.x0-g.x1, g.x0-o.x1) }
		near := -1
		if left && gap(merged[i-1]) <= p.px(4) {
			near = i - 1
		}
		if i+1 < len(merged) && gap(merged[i+1]) <= p.px(4) && (near < 0 || gap(merged[i+1]) < gap(merged[i-1])) {
			near = i + 1
		}
		switch {
		case near >= 0 && near < i:
			// The piece before went to out, alone or into its last group.
			out[len(out)-1] = join(out[len(out)-1], g)
		case near > i:
			merged[near] = join(g, merged[near])
			intoThis = true
		default:
			droppedInCell += float64(len(g.pix))
		}
	}
	return out, droppedInCell / p.digitArea()
}

// lineLike reports whether c looks like what is left of a printed line: long
// and thin along the cell, or thin and nearly as tall as the cell at its
// sides. A written 1 beside the side border is thin too, but shorter.
func (p *page) lineLike(c *comp) bool {
	cell := p.cell
	thin := p.px(7)
	nearSide := min(abs(c.x0-cell.Min.X), abs(c.x1-cell.Max.X)) <= p.px(lineSearch)
	return (c.h() <= thin && c.w() >= cell.Dx()/3) ||
		(c.w() <= thin && c.h() >= cell.Dy()*5/4) ||
		(c.w() <= thin && c.h() >= cell.Dy()*4/5 && nearSide)
}

// edgeY returns the row of the cell's top or bottom border at column x.
func (p *page) edgeY(top bool, x int) int {
	switch {
	case top && p.hasTop:
		return p.top.at(x)
	case top:
		return p.cell.Min.Y
	case p.hasBottom:
		return p.bottom.at(x)
	default:
		return p.cell.Max.Y - 1
	}
}

// cutOverflow cuts a component along the cell's top or bottom border when it
// reaches far past it with much of its ink: a figure of this row touching one
// of the next row. The part beyond the border then fails the band test. It
// appends the parts to dst.
func (p *page) cutOverflow(dst []*comp, c *comp) []*comp {
	reach := overflowCut * float64(p.cell.Dy())
	for _, top := range []bool{true, false} {
		beyond := func(i int32) bool {
			x, y := int(i)%p.w, int(i)/p.w
			if top {
				return y < p.edgeY(true, x)
			}
			return y > p.edgeY(false, x)
		}
		far := float64(p.edgeY(true, (c.x0+c.x1)/2) - c.y0)
		if !top {
			far = float64(c.y1 - p.edgeY(false, (c.x0+c.x1)/2))
		}
		if far <= reach {
			continue
		}
		var in, out []int32
		for _, i := range c.pix {
			if beyond(i) {
				out = append(out, i)
			} else {
				in = append(in, i)
			}
		}
		if len(out)*5 < len(c.pix) || len(in)*5 < len(c.pix) {
			continue
		}
		return append(p.cutOverflow(dst, p.newComp(in)), p.newComp(out))
	}
	return append(dst, c)
}

func (p *page) newComp(pix []int32) *comp {
	c := &comp{pix: pix, x0: p.w, y0: p.h, x1: -1, y1: -1}
	for _, i := range pix {
		x, y := int(i)%p.w, int(i)/p.w
		c.x0, c.y0, c.x1, c.y1 = min(c.x0, x), min(c.y0, y), max(c.x1, x), max(c.y1, y)
		c.cx += float64(x)
		c.cy += float64(y)
	}
	c.cx /= float64(len(pix))
	c.cy /= float64(len(pix))
	return c
}

// separate reports whether two components that overlap in x read better as
// two digits (one written partly over the other) than as one broken digit.
func (r *Reader) separate(p *page, a, b *comp) bool {
	// Digits of a number stand side by side; pieces stacked one above the
	// other are one digit broken across (a 1 or a 5 with a gap in its stroke).
	if overlap := min(a.y1, b.y1) - max(a.y0, b.y0) + 1; float64(overlap) < stackedOverlap*float64(min(a.h(), b.h())) {
		return false
	}
	score := func(c *comp) float64 {
		v := newGroupView(p, c, 0)
		return v.part(r.m, 0, v.w).score
	}
	return score(a)+score(b)+math.Log(splitPrior) > score(join(a, b))
}

// rejoin joins neighbouring groups that are pieces of one digit but did not
// overlap enough for group to join them: a 5 whose bar stands apart, a 3
// broken in two. Groups that overlap in x, or where one is flat (far lower
// than the number's tallest group) and close, are joined when the classifier
// reads the join better than the two apart. Flat groups left alone are
// dropped: a bar or a dash is no digit by itself. It returns the groups and
// the dropped ink, updated.
func (r *Reader) rejoin(p *page, groups []*comp, dropped float64) ([]*comp, float64) {
	if len(groups) == 0 {
		return groups, dropped
	}
	tall := 0
	for _, g := range groups {
		tall = max(tall, g.h())
	}
	flat := func(c *comp) bool { return float64(c.h()) < flatGroup*float64(tall) }
	// Two short pieces close together may be the halves of a 4 or an open 0.
	short := func(c *comp) bool { return float64(c.h()) < shortGroup*float64(tall) }
	scores := map[*comp]float64{}
	score := func(c *comp) float64 {
		if s, ok := scores[c]; ok {
			return s
		}
		v := newGroupView(p, c, 0)
		s := v.part(r.m, 0, v.w).score
		if flat(c) {
			s += flatPenalty
		}
		scores[c] = s
		return s
	}
	near := p.px(flatGap)
	out := []*comp{groups[0]}
	for _, g := range groups[1:] {
		last := out[len(out)-1]
		gap := max(g.x0-last.x1, last.x0-g.x1) - 1
		if gap < 0 || ((flat(last) || flat(g) || (short(last) && short(g))) && gap <= near) {
			if j := join(last, g); score(j) > score(last)+score(g) {
				out[len(out)-1] = j
				continue
			}
		}
		out = append(out, g)
	}
	kept := out[:0]
	for _, g := range out {
		if flat(g) {
			dropped += float64(len(g.pix)) / p.digitArea()
			continue
		}
		kept = append(kept, g)
	}
	return kept, dropped
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
