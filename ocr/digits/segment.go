package digits

import (
	"math"
	"slices"
	"sort"

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
}

// part is one candidate digit: columns [a, b) of a group.
type part struct {
	probs [Classes]float32
	score float64 // log of the classifier's confidence plus shape priors
	ok    bool
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
	v := newGroupView(p, g)
	v.refW = refW
	memo := map[[2]int]choice{}
	whole := v.part(r.m, 0, v.w)
	best := v.best(r.m, 0, v.w, 0, memo)

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

func newGroupView(p *page, g *comp) *groupView {
	v := &groupView{x0: g.x0, y0: g.y0, w: g.w(), h: g.h(), memo: map[[2]int]part{}}
	v.mask = make([]bool, v.w*v.h)
	cons := make([]float32, 0, len(g.pix))
	for _, i := range g.pix {
		x, y := int(i)%p.w-v.x0, int(i)/p.w-v.y0
		v.mask[y*v.w+x] = true
		cons = append(cons, p.con[i])
	}
	slices.Sort(cons)
	full := cons[int(0.85*float64(len(cons)-1))]
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
	ink := make([]float32, w*v.h)
	for y := 0; y < v.h; y++ {
		copy(ink[y*w:(y+1)*w], v.val[y*v.w+a:y*v.w+b])
	}
	if a > 0 || b < v.w {
		dropSlivers(ink, w, v.h)
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
	} else {
		pr.score = math.Inf(-1)
	}
	v.memo[key] = pr
	return pr
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
// 8-connected parts much smaller than the biggest one.
func dropSlivers(ink []float32, w, h int) {
	label := make([]int32, len(ink))
	var sizes []int
	var stack []int
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
// projection that leave both sides wide enough for a digit.
func (v *groupView) cuts(a, b int) []int {
	minW := int(math.Ceil(minPartAspect * float64(v.h)))
	lo, hi := a+minW, b-minW
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
	sort.SliceStable(c, func(i, j int) bool { return v.proj[c[i]] < v.proj[c[j]] })
	// Neighbouring columns of one valley are one candidate.
	sep := max(2, int(cutSeparation*float64(v.h)))
	var out []int
	for _, x := range c {
		if len(out) == maxCuts {
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

// best finds the highest-scoring way to read columns [a, b) as one or more digits.
func (v *groupView) best(m *Model, a, b, depth int, memo map[[2]int]choice) choice {
	key := [2]int{a, b}
	if c, ok := memo[key]; ok {
		return c
	}
	out := choice{score: v.part(m, a, b).score}
	if float64(b-a) > splitAspect*float64(v.h) && depth < MaxDigits-1 {
		for _, c := range v.cuts(a, b) {
			l := v.best(m, a, c, depth+1, memo)
			r := v.best(m, c, b, depth+1, memo)
			if s := l.score + r.score + math.Log(splitPrior); s > out.score {
				out = choice{cuts: append(append(append([]int(nil), l.cuts...), c), r.cuts...), score: s}
			}
		}
	}
	memo[key] = out
	return out
}

// bestOther returns the best score of a reading of the whole group with a
// digit count other than cuts+1, considering no cut and single cuts.
func (v *groupView) bestOther(m *Model, cuts int, memo map[[2]int]choice) (float64, bool) {
	alt, found := math.Inf(-1), false
	if cuts > 0 {
		alt, found = v.part(m, 0, v.w).score, true
	}
	if float64(v.w) > splitAspect*float64(v.h) {
		for _, c := range v.cuts(0, v.w) {
			l := v.best(m, 0, c, 1, memo)
			r := v.best(m, c, v.w, 1, memo)
			if len(l.cuts)+len(r.cuts)+1 == cuts {
				continue
			}
			if s := l.score + r.score + math.Log(splitPrior); s > alt {
				alt, found = s, true
			}
		}
	}
	return alt, found && !math.IsInf(alt, -1)
}
