package ocr

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectNth checks the selection against a sort: the value, and that the
// k smallest end up in front, which measureLine relies on for its second
// statistic.
func TestSelectNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		name   string
		n      int
		levels int // distinct values; few means many ties
	}{
		{"one", 1, 10},
		{"two", 2, 10},
		{"short profile", 21, 1000},
		{"long profile", 81, 1000},
		{"ties", 81, 3},
		{"all equal", 40, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 50; trial++ {
				vs := make([]float64, tc.n)
				for i := range vs {
					vs[i] = float64(rng.IntN(tc.levels))
				}
				sorted := slices.Sorted(slices.Values(vs))
				for _, k := range []int{0, tc.n / 4, tc.n / 2, tc.n - 1} {
					work := slices.Clone(vs)
					if got := selectNth(work, k); got != sorted[k] {
						t.Fatalf("k=%d: %v, want %v", k, got, sorted[k])
					}
					front := slices.Sorted(slices.Values(work[:k]))
					if !slices.Equal(front, sorted[:k]) {
						t.Fatalf("k=%d: front %v, want the %d smallest %v", k, front, k, sorted[:k])
					}
				}
			}
		})
	}
}
