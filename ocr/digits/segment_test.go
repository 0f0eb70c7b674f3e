package digits

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// exhaustiveBest is best without its bounds: every cut read through.
func (v *groupView) exhaustiveBest(m *Model, a, b, depth int, memo map[[2]int]choice) choice {
	key := [2]int{a, b}
	if c, ok := memo[key]; ok {
		return c
	}
	out := choice{score: v.part(m, a, b).score}
	if depth < MaxDigits-1 {
		for _, c := range v.cuts(m, a, b, math.Inf(-1)) {
			l := v.exhaustiveBest(m, a, c, depth+1, memo)
			r := v.exhaustiveBest(m, c, b, depth+1, memo)
			if s := l.score + r.score + v.cutPrior(c); s > out.score {
				out = choice{cuts: append(append(append([]int(nil), l.cuts...), c), r.cuts...), score: s}
			}
		}
	}
	memo[key] = out
	return out
}

// exhaustiveOther is bestOther without its bounds.
func (v *groupView) exhaustiveOther(m *Model, cuts int, memo map[[2]int]choice) (float64, bool) {
	alt, found := math.Inf(-1), false
	if cuts > 0 {
		alt, found = v.part(m, 0, v.w).score, true
	}
	for _, c := range v.cuts(m, 0, v.w, math.Inf(-1)) {
		l := v.exhaustiveBest(m, 0, c, 1, memo)
		r := v.exhaustiveBest(m, c, v.w, 1, memo)
		if len(l.cuts)+len(r.cuts)+1 == cuts {
			continue
		}
		if s := l.score + r.score + v.cutPrior(c); s > alt {
			alt, found = s, true
		}
	}
	return alt, found && !math.IsInf(alt, -1)
}

// TestBestBounded checks that the bounds of best and bestOther only skip
// cuts that cannot win: on the groups of synthetic cells, upright and
// deslanted, they choose the cuts an exhaustive search chooses, with the
// same scores, and find the same best alternative.
func TestBestBounded(t *testing.T) {
	m := loadModel(t)
	s := loadTestSplit(t)
	idx := byLabel(s)
	r := NewReader(m)
	rng := rand.New(rand.NewPCG(3, 14))
	groups, cut := 0, 0
	for i := 0; i < 300; i++ {
		c := makeCell(rng, s, &idx, 1+rng.IntN(3))
		var p page
		p.reset(c.crop, c.cell.Sub(c.crop.Bounds().Min))
		p.binarise()
		p.removeLines()
		gs, dropped := p.group(p.components(), r.separate)
		gs, _ = r.rejoin(&p, gs, dropped)
		refW := typicalWidth(gs)
		for _, g := range gs {
			upright := math.Inf(-1)
			for _, shear := range []float64{0, slant(&p, g)} {
				bounded := newGroupView(&p, g, shear)
				bounded.refW = refW
				full := newGroupView(&p, g, shear)
				full.refW = refW
				bm, fm := map[[2]int]choice{}, map[[2]int]choice{}
				got, want := bounded.best(m, 0, bounded.w, 0, math.Inf(-1), bm), full.exhaustiveBest(m, 0, full.w, 0, fm)
				if !slices.Equal(got.cuts, want.cuts) || got.score != want.score {
					t.Fatalf("cell %d, group at x %d, shear %.2f: cuts %v score %v, exhaustive %v %v", i, g.x0, shear, got.cuts, got.score, want.cuts, want.score)
				}
				if shear == 0 {
					upright = want.score
				} else {
					// As segment asks for the deslanted reading: only one
					// with a cut that beats the upright reading is taken.
					above := newGroupView(&p, g, shear)
					above.refW = refW
					a := above.best(m, 0, above.w, 0, upright, map[[2]int]choice{})
					took, wantTook := len(a.cuts) > 0 && a.score > upright, len(want.cuts) > 0 && want.score > upright
					if took != wantTook || (took && (!slices.Equal(a.cuts, want.cuts) || a.score != want.score)) {
						t.Fatalf("cell %d, group at x %d, shear %.2f, above %v: cuts %v score %v, exhaustive %v %v", i, g.x0, shear, upright, a.cuts, a.score, want.cuts, want.score)
					}
				}
				ga, gok := bounded.bestOther(m, len(got.cuts), bm)
				wa, wok := full.exhaustiveOther(m, len(want.cuts), fm)
				if ga != wa || gok != wok {
					t.Fatalf("cell %d, group at x %d, shear %.2f: alternative %v %v, exhaustive %v %v", i, g.x0, shear, ga, gok, wa, wok)
				}
				groups++
				if len(want.cuts) > 0 {
					cut++
				}
			}
		}
	}
	// The cells must give the search work: groups read as several digits.
	if cut < 20 {
		t.Fatalf("only %d of %d readings cut a group; the test needs touching digits", cut, groups)
	}
	t.Logf("%d readings, %d of them cut", groups, cut)
}
