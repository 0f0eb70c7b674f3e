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
