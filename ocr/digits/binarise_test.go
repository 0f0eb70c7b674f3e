package digits

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNthLevel checks the counting selection against a sort, ties and odd
// lengths included.
func TestNthLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 7, 64, 100, 257} {
		for _, levels := range []int{2, 16, 256} {
			vs := make([]float32, n)
			var hist [256]int32
			for i := range vs {
				vs[i] = float32(rng.IntN(levels))
				hist[int(vs[i])]++
			}
			sorted := slices.Clone(vs)
			slices.Sort(sorted)
			for _, k := range []int{0, n / 2, int(bgPercentile * float64(n-1)), n - 1} {
				if got := nthLevel(&hist, k); got != sorted[k] {
					t.Errorf("n=%d levels=%d k=%d: nthLevel %v, sorted %v", n, levels, k, got, sorted[k])
				}
			}
		}
	}
}

// TestLineMask checks the mask walked along each line against the
// definition: a pixel is on a line when its distance across the line is at
// most half its thickness plus two.
func TestLineMask(t *testing.T) {
	p := &page{w: 90, h: 40}
	lines := []line{
		{horizontal: true, pos: 5, slope: 0.05, mid: 45, thick: 3},
		{horizontal: true, pos: 37, slope: -0.02, mid: 45, thick: 2},
		{horizontal: false, pos: 3, slope: 0.1, mid: 20, thick: 4},
		{horizontal: false, pos: 88, slope: 0, mid: 20, thick: 1},
	}
	var borders [4]border
	for i, l := range lines {
		borders[i] = border{line: l, ok: true}
	}
	on := p.lineMask(borders)
	for i := range on {
		x, y := i%p.w, i/p.w
		want := false
		for _, l := range lines {
			tt, s := x, y
			if !l.horizontal {
				tt, s = y, x
			}
			if abs(s-l.at(tt)) <= l.thick/2+2 {
				want = true
			}
		}
		if on[i] != want {
			t.Fatalf("pixel (%d,%d): on a line %v, want %v", x, y, on[i], want)
		}
	}
}

// TestInkUnder checks the counted ink under a line against its definition,
// the pixels at (t, line.at(t)) tested one by one, for every slope the line
// search tries and every position across, off the page included.
func TestInkUnder(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		name       string
		w, h       int
		horizontal bool
		lo, hi     int
	}{
		{"horizontal, whole width", 180, 60, true, 0, 180},
		{"horizontal, part of the width", 180, 60, true, 17, 151},
		{"vertical, whole height", 50, 124, false, 0, 124},
		{"vertical, part of the height", 50, 124, false, 9, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &page{w: tc.w, h: tc.h, ink: make([]bool, tc.w*tc.h)}
			for i := range p.ink {
				p.ink[i] = rng.Float64() < 0.4
			}
			counts := p.countInk()
			across := tc.h
			if !tc.horizontal {
				across = tc.w
			}
			mid := (tc.lo + tc.hi) / 2
			var walk lineWalk
			for slope := -lineMaxSlope; slope <= lineMaxSlope+1e-9; slope += 0.005 {
				walk.plan(tc.lo, tc.hi, mid, slope)
				for c := -5; c < across+5; c++ {
					l := line{horizontal: tc.horizontal, pos: float64(c), slope: slope, mid: mid}
					want := 0
					for tt := tc.lo; tt < tc.hi; tt++ {
						if p.inkAt(tc.horizontal, tt, l.at(tt)) {
							want++
						}
					}
					if got := p.inkUnder(counts, tc.horizontal, &walk, c); got != want {
						t.Fatalf("slope %.3f at %d: %d ink pixels counted, %d by pixel", slope, c, got, want)
					}
				}
			}
		})
	}
}

// countInk counts the ink along every row and column, as the line search
// does for the rows and columns it steps onto.
func (p *page) countInk() inkCounts {
	p.countLines(true, 0, p.h)
	p.countLines(false, 0, p.w)
	return p.counts
}
