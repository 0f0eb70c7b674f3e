package digits

import (
	"cmp"
	"math"
	"slices"

	"github.com/tutanak/tutanak/ocr"
)

// groupView is one group of ink cut out of the page, ready to be split into
// digits along x.
type groupView struct {
	x0, y0 int
	w, h   int
	mask   []bool    // w×h, the group's own pixels
	val    []float32 // w×h, ink strength 0–1 (soft edges included)
	proj   []float64 // ink per column, lightly smoothed
	memo   map[[2]int]part
	// refW is the width of a typical single digit of this number, from its
	// other groups; 0 when none tells.
	refW float64
	// ink and label are part's buffers, kept for the view's next part.
	ink   []float32
	label []int32
}

// part is one candidate digit: columns [a, b) of a group.
type part struct {
	probs [Classes]float32
	score float64 // log of the classifier's confidence plus shape priors
	ok    bool
	// sliver marks a part too narrow for any digit but a 1 that is no tall 1.
	sliver bool
}

// choice is the best way found to read columns [a, b): its cuts and score.
type choice struct {
	cuts  []int
	score float64
}

// segment splits a group into digits, choosing among cut points by the
// classifier's confidence, and returns one distribution per digit, the
// confidence that the group holds that many digits, and the reading's score
// (log-probability that the parts are digits, with priors).
func (r *Reader) segment(p *page, g *comp, refW float64) ([]ocr.DigitProbs, float64, float64) {
	v := newGroupView(p, g, 0)
	v.refW = refW
	memo := map[[2]int]choice{}
	best := v.best(r.m, 0, v.w, 0, math.Inf(-1), memo)
	// Slanted digits that touch cannot be parted by a straight cut; read
	// the group again with its slant taken out, where the cuts run along
	// the strokes, and keep whichever reading the classifier likes better.
	// Only worth its cost where the upright reading is in doubt. The score
	// carries the cut prior, so every upright reading that cut through ink
	// is in doubt; a group the classifier reads surely, as one digit or cut
	// only where its digits barely touch, is not, however wide (on 900
	// holdout sheets, reading those again changed no figure and cost a
	// third of all classifications). Only a reading with a cut that beats
	// the upright one is wanted, which bounds the second search from the
	// start.
	doubt := best.score < math.Log(slantDoubt)
	if s := slant(p, g); doubt && math.Abs(s) >= minSlant && float64(g.w()) > oneSplitAspect*float64(g.h()) {
		sv := newGroupView(p, g, s)
		sv.refW = refW
		smemo := map[[2]int]choice{}
		if sb := sv.best(r.m, 0, sv.w, 0, best.score, smemo); len(sb.cuts) > 0 && sb.score > best.score {
			v, memo, best = sv, smemo, sb
		}
	}
	whole := v.part(r.m, 0, v.w)

	// How sure we are of the digit count: the chosen reading against the
	// best reading with a different number of digits.
	conf := 1.0
	if alt, ok := v.bestOther(r.m, len(best.cuts), memo); ok {
		conf = 1 / (1 + math.Exp(alt-best.score))
	}
	if !whole.ok && len(best.cuts) == 0 {
		return nil, conf, best.score
	}
	bounds := append(append([]int{0}, best.cuts...), v.w)
	out := make([]ocr.DigitProbs, 0, len(bounds)-1)
	for i := 0; i+1 < len(bounds); i++ {
		pr := v.part(r.m, bounds[i], bounds[i+1])
		if !pr.ok {
			continue
		}
		var d ocr.DigitProbs
		for k, q := range pr.probs {
			d[k] = float64(q)
		}
		out = append(out, d)
	}
	return out, conf, best.score
}

// slant returns how far the group's ink leans: the change in x per row down
// (negative for ink leaning right, as handwriting does), clamped to ±maxSlant.
func slant(p *page, g *comp) float64 {
	var sxy, syy float64
	for _, i := range g.pix {
		dx, dy := float64(int(i)%p.w)-g.cx, float64(int(i)/p.w)-g.cy
		sxy += dx * dy
		syy += dy * dy
	}
	if syy == 0 {
		return 0
	}
	return math.Max(-maxSlant, math.Min(maxSlant, sxy/syy))
}

// newGroupView cuts group g out of the page. A non-zero shear moves each row
// by −shear·(row − middle) px, which stands ink leaning by shear upright.
func newGroupView(p *page, g *comp, shear float64) *groupView {
	v := &groupView{x0: g.x0, y0: g.y0, w: g.w(), h: g.h(), memo: map[[2]int]part{}}
	v.mask = make([]bool, v.w*v.h)
	cons := make([]float32, 0, len(g.pix))
	for _, i := range g.pix {
		x, y := int(i)%p.w-v.x0, int(i)/p.w-v.y0
		v.mask[y*v.w+x] = true
		cons = append(cons, p.con[i])
	}
	full := ocr.SelectNth(cons, int(0.85*float64(len(cons)-1)))
	if full <= 0 {
		full = 1
	}
	v.val = make([]float32, v.w*v.h)
	for y := 0; y < v.h; y++ {
		for x := 0; x < v.w; x++ {
			i := (y+v.y0)*p.w + x + v.x0
			switch {
			case v.mask[y*v.w+x]:
				v.val[y*v.w+x] = min(p.con[i]/full, 1)
			case p.label[i] == 0 && v.nearMask(x, y):
				// The faint rim of a stroke, below the ink threshold.
				v.val[y*v.w+x] = min(p.con[i]/full, 0.5)
			}
		}
	}
	if shear != 0 {
		v.deslant(shear)
	}
	raw := make([]float64, v.w)
	for x := 0; x < v.w; x++ {
		for y := 0; y < v.h; y++ {
			if v.mask[y*v.w+x] {
				raw[x]++
			}
		}
	}
	v.proj = make([]float64, v.w)
	for x := range raw {
		s, n := 0.0, 0.0
		for d := -1; d <= 1; d++ {
			if xx := x + d; xx >= 0 && xx < v.w {
				s += raw[xx]
				n++
			}
		}
		v.proj[x] = s / n
	}
	return v
}

// deslant shifts every row by −shear·(row − middle) px, widening the view.
func (v *groupView) deslant(shear float64) {
	shift := func(y int) int { return -int(math.Round(shear * (float64(y) - float64(v.h-1)/2))) }
	lo, hi := 0, 0
	for _, y := range []int{0, v.h - 1} {
		lo, hi = min(lo, shift(y)), max(hi, shift(y))
	}
	w := v.w + hi - lo
	mask := make([]bool, w*v.h)
	val := make([]float32, w*v.h)
	for y := 0; y < v.h; y++ {
		off := shift(y) - lo
		copy(mask[y*w+off:y*w+off+v.w], v.mask[y*v.w:(y+1)*v.w])
		copy(val[y*w+off:y*w+off+v.w], v.val[y*v.w:(y+1)*v.w])
	}
	// Trim the columns the shift left empty.
	a, b := w, 0
	for y := 0; y < v.h; y++ {
		for x := 0; x < w; x++ {
			if mask[y*w+x] {
				a, b = min(a, x), max(b, x+1)
			}
		}
	}
	if a >= b {
		a, b = 0, w
	}
	v.w = b - a
	v.mask = make([]bool, v.w*v.h)
	v.val = make([]float32, v.w*v.h)
	for y := 0; y < v.h; y++ {
		copy(v.mask[y*v.w:(y+1)*v.w], mask[y*w+a:y*w+b])
		copy(v.val[y*v.w:(y+1)*v.w], val[y*w+a:y*w+b])
	}
}

func (v *groupView) nearMask(x, y int) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if xx >= 0 && yy >= 0 && xx < v.w && yy < v.h && v.mask[yy*v.w+xx] {
				return true
			}
		}
	}
	return false
}

// part classifies columns [a, b) as one digit.
func (v *groupView) part(m *Model, a, b int) part {
	key := [2]int{a, b}
	if pr, ok := v.memo[key]; ok {
		return pr
	}
	w := b - a
	v.ink = resize(v.ink, w*v.h)
	ink := v.ink
	for y := 0; y < v.h; y++ {
		copy(ink[y*w:(y+1)*w], v.val[y*v.w+a:y*v.w+b])
	}
	if a > 0 || b < v.w {
		v.label = resize(v.label, w*v.h)
		dropSlivers(ink, w, v.h, v.label)
	}
	var pr part
	var x [Pixels]float32
	if Normalize(ink, w, v.h, &x) {
		var rejected float32
		pr.probs, rejected = m.classify(&x)
		pr.ok = true
		top := pr.probs[argmax(pr.probs)] * (1 - rejected)
		aspect := inkAspect(ink, w, v.h)
		if v.refW > 0 {
			// Width against this writer's digits says more than the shape.
			aspect = float64(w) / v.refW * medianAspect
		}
		pr.score = math.Log(math.Max(float64(top), 1e-6)) + aspectPrior(aspect)
		if (a > 0 || b < v.w) && float64(w) < narrowPart*float64(v.h) && !v.tallOne(pr, ink, w) {
			// Only a 1 is this narrow; anything else is a sliver of a wider
			// digit that a cut too close to its edge left.
			pr.score += narrowPenalty
			pr.sliver = true
		}
	} else {
		pr.score = math.Inf(-1)
	}
	v.memo[key] = pr
	return pr
}

// tallOne reports whether a narrow part reads as a 1 standing as tall as
// the group: a thin 1 touching its neighbour, not a piece of a wider digit.
func (v *groupView) tallOne(pr part, ink []float32, w int) bool {
	if argmax(pr.probs) != 1 {
		return false
	}
	y0, y1 := v.h, -1
	for y := 0; y < v.h; y++ {
		for x := 0; x < w; x++ {
			if ink[y*w+x] >= 0.5 {
				y0, y1 = min(y0, y), max(y1, y)
				break
			}
		}
	}
	return y1 >= 0 && float64(y1-y0+1) >= oneHeight*float64(v.h)
}

// aspectPrior is the log-odds penalty for a part too wide to be one digit.
// The knots follow the width/height of the ink box of MNIST's training
// digits: 90% are at most 1.1 wide, 99% at most 1.4.
func aspectPrior(aspect float64) float64 {
	knots := [...][2]float64{{1.5, 0}, {2.5, -3}}
	if aspect <= knots[0][0] {
		return 0
	}
	for i := 1; i < len(knots); i++ {
		if aspect <= knots[i][0] {
			a, b := knots[i-1], knots[i]
			return a[1] + (b[1]-a[1])*(aspect-a[0])/(b[0]-a[0])
		}
	}
	return knots[len(knots)-1][1]
}

// medianAspect is the median width/height of MNIST's training digits.
const medianAspect = 0.75

// typicalWidth returns the median width of the groups shaped like one
// ordinary digit (not a thin 1, not wide enough to be two), or 0.
func typicalWidth(groups []*comp) float64 {
	var ws []int
	for _, g := range groups {
		if a := float64(g.w()) / float64(g.h()); a >= 0.45 && a <= 1.1 {
			ws = append(ws, g.w())
		}
	}
	if len(ws) == 0 {
		return 0
	}
	slices.Sort(ws)
	return float64(ws[len(ws)/2])
}

// inkAspect is the width/height of the ink's bounding box.
func inkAspect(ink []float32, w, h int) float64 {
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if ink[y*w+x] >= 0.5 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return 0
	}
	return float64(x1-x0+1) / float64(y1-y0+1)
}

// dropSlivers clears pieces a straight cut left from the neighbouring digit:
// 8-connected parts much smaller than the biggest one. label is a buffer as
// long as ink.
func dropSlivers(ink []float32, w, h int, label []int32) {
	clear(label)
	var sizes []int
	var stack []int
	// The neighbours of a pixel away from the edge, in the order the
	// checked loop below visits them.
	around := [8]int{-w - 1, -w, -w + 1, -1, 1, w - 1, w, w + 1}
	for s := range ink {
		if ink[s] < 0.5 || label[s] != 0 {
			continue
		}
		id := int32(len(sizes) + 1)
		n := 0
		label[s] = id
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			x, y := i%w, i/w
			if x > 0 && y > 0 && x < w-1 && y < h-1 {
				for _, d := range around {
					if j := i + d; ink[j] >= 0.5 && label[j] == 0 {
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
					j := yy*w + xx
					if ink[j] >= 0.5 && label[j] == 0 {
						label[j] = id
						stack = append(stack, j)
					}
				}
			}
		}
		sizes = append(sizes, n)
	}
	if len(sizes) < 2 {
		return
	}
	big := slices.Max(sizes)
	for i, l := range label {
		if l != 0 && sizes[l-1]*8 < big {
			ink[i] = 0
		}
	}
	// The faint rim around removed pieces goes too.
	for i, l := range label {
		if l == 0 && ink[i] > 0 && !nearKept(ink, label, sizes, big, i, w, h) {
			ink[i] = 0
		}
	}
}

func nearKept(ink []float32, label []int32, sizes []int, big, i, w, h int) bool {
	x, y := i%w, i/w
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || yy < 0 || xx >= w || yy >= h {
				continue
			}
			if l := label[yy*w+xx]; l != 0 && sizes[l-1]*8 >= big {
				return true
			}
		}
	}
	return false
}

// cuts returns the columns in (a, b) worth cutting at: minima of the ink
// projection that leave both sides wide enough for a digit, and, on each
// side, the deepest minimum that leaves a part narrow enough only for a thin
// 1 (a 1 touching its neighbour). A narrow cut whose prior alone is no
// better than floor cannot win, and is not checked (see best).
func (v *groupView) cuts(m *Model, a, b int, floor float64) []int {
	h := float64(v.h)
	if float64(b-a) <= oneSplitAspect*h {
		return nil
	}
	var out []int
	if float64(b-a) > splitAspect*h {
		// Wider than one digit: cuts anywhere that leave two digit-wide parts.
		minW := int(math.Ceil(narrowPart * h))
		out = v.minima(a+minW, b-minW, maxCuts)
	}
	minW := int(math.Ceil(minPartAspect * h))
	narrow := int(math.Ceil(narrowPart * h))
	// A narrow cut is kept only when the narrow side reads as a tall 1;
	// checking it first keeps the search from peeling slivers off every
	// ordinary digit.
	for _, c := range v.minima(a+minW, min(a+narrow, b-minW), 1) {
		if v.cutPrior(c) > floor && v.spansHeight(a, c) && !v.part(m, a, c).sliver {
			out = append(out, c)
		}
	}
	for _, c := range v.minima(max(b-narrow, a+minW), b-minW, 1) {
		if v.cutPrior(c) > floor && v.spansHeight(c, b) && !v.part(m, c, b).sliver {
			out = append(out, c)
		}
	}
	return out
}

// spansHeight reports whether the group's ink in columns [a, b) reaches over
// as much of its height as a 1 must.
func (v *groupView) spansHeight(a, b int) bool {
	y0, y1 := v.h, -1
	for y := 0; y < v.h; y++ {
		for x := a; x < b; x++ {
			if v.mask[y*v.w+x] {
				y0, y1 = min(y0, y), max(y1, y)
				break
			}
		}
	}
	return y1 >= 0 && float64(y1-y0+1) >= oneHeight*float64(v.h)
}

// minima returns up to n columns in [lo, hi) at local minima of the ink
// projection, the emptiest first, each a separate valley.
func (v *groupView) minima(lo, hi, n int) []int {
	if lo >= hi {
		return nil
	}
	var c []int
	for x := lo; x < hi; x++ {
		left := x == lo || v.proj[x] <= v.proj[x-1]
		right := x == hi-1 || v.proj[x] <= v.proj[x+1]
		if left && right {
			c = append(c, x)
		}
	}
	slices.SortStableFunc(c, func(i, j int) int { return cmp.Compare(v.proj[i], v.proj[j]) })
	// Neighbouring columns of one valley are one candidate.
	sep := max(2, int(cutSeparation*float64(v.h)))
	var out []int
	for _, x := range c {
		if len(out) == n {
			break
		}
		near := false
		for _, o := range out {
			if abs(o-x) < sep {
				near = true
				break
			}
		}
		if !near {
			out = append(out, x)
		}
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// best finds the highest-scoring way to read columns [a, b) as one or more
// digits. A reading is only wanted when it scores above floor: a result at
// or under floor may not be the best, and is not kept in memo.
func (v *groupView) best(m *Model, a, b, depth int, floor float64, memo map[[2]int]choice) choice {
	key := [2]int{a, b}
	if c, ok := memo[key]; ok {
		return c
	}
	out := choice{score: v.part(m, a, b).score}
	bar := max(out.score, floor)
	if depth < MaxDigits-1 {
		// Every score is a log-probability plus penalties, never above 0, so
		// a reading cut at c scores at most the cut's prior plus either
		// side's score: a cut that cannot beat the best so far on that bound
		// is not read further, and each side is searched only for a reading
		// that keeps the cut in the running. The choice is the same; on wide
		// groups most cuts stop there, since the best cut is usually tried
		// first.
		for _, c := range v.cuts(m, a, b, bar) {
			prior := v.cutPrior(c)
			if prior <= bar {
				continue
			}
			l := v.best(m, a, c, depth+1, bar-prior, memo)
			if l.score+prior <= bar {
				continue
			}
			r := v.best(m, c, b, depth+1, bar-prior-l.score, memo)
			if s := l.score + r.score + prior; s > bar {
				out = choice{cuts: append(append(append([]int(nil), l.cuts...), c), r.cuts...), score: s}
				bar = s
			}
		}
	}
	if out.score > floor {
		memo[key] = out
	}
	return out
}

// cutPrior is the log prior of cutting at column c: against extra cuts in
// general, but neutral where the two sides only touch (a column with little
// more ink than one stroke crossing it), which is how a thin 1 meets the
// next digit.
func (v *groupView) cutPrior(c int) float64 {
	if v.proj[c] <= thinContact*float64(v.h) {
		return 0
	}
	return math.Log(splitPrior)
}

// bestOther returns the best score of a reading of the whole group with a
// digit count other than cuts+1, considering no cut and single cuts.
func (v *groupView) bestOther(m *Model, cuts int, memo map[[2]int]choice) (float64, bool) {
	alt, found := math.Inf(-1), false
	if cuts > 0 {
		alt, found = v.part(m, 0, v.w).score, true
	}
	// Bounded as in best: only the best alternative's score is wanted. The
	// cuts whose sides best has read already go first, at no cost, so that
	// the bound is high before any other is read.
	cs := v.cuts(m, 0, v.w, alt)
	slices.SortStableFunc(cs, func(c, d int) int {
		return cmp.Compare(v.unread(c, memo), v.unread(d, memo))
	})
	for _, c := range cs {
		prior := v.cutPrior(c)
		if prior <= alt {
			continue
		}
		l := v.best(m, 0, c, 1, alt-prior, memo)
		if l.score+prior <= alt {
			continue
		}
		r := v.best(m, c, v.w, 1, alt-prior-l.score, memo)
		if len(l.cuts)+len(r.cuts)+1 == cuts {
			continue
		}
		if s := l.score + r.score + prior; s > alt {
			alt, found = s, true
		}
	}
	return alt, found && !math.IsInf(alt, -1)
}

// unread counts the sides of a cut of the whole view at c that memo has no
// reading of yet.
func (v *groupView) unread(c int, memo map[[2]int]choice) int {
	n := 0
	for _, k := range [2][2]int{{0, c}, {c, v.w}} {
		if _, ok := memo[k]; !ok {
			n++
		}
	}
	return n
}
