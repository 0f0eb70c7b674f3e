package ocr

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectNth checks the selection against a sort: the value, and that the
// k smallest end up in front, which measureLine relies on for its second
// statistic; in float64 (the line profiles) and float32 (the digit reader's
// contrasts), with ties, sorted and reversed input.
func TestSelectNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		name   string
		n      int
		levels int // distinct values; few means many ties
		order  string
	}{
		{"one", 1, 10, "random"},
		{"two", 2, 10, "random"},
		{"short profile", 21, 1000, "random"},
		{"long profile", 81, 1000, "random"},
		{"ties", 81, 3, "random"},
		{"all equal", 40, 1, "random"},
		{"sorted", 101, 1000, "sorted"},
		{"reversed", 101, 1000, "reversed"},
		{"many", 500, 1000, "random"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for trial := 0; trial < 50; trial++ {
				vs := make([]float64, tc.n)
				for i := range vs {
					vs[i] = float64(rng.IntN(tc.levels))
				}
				switch tc.order {
				case "sorted":
					slices.Sort(vs)
				case "reversed":
					slices.Sort(vs)
					slices.Reverse(vs)
				}
				checkSelectNth(t, vs)
				vs32 := make([]float32, len(vs))
				for i, v := range vs {
					vs32[i] = float32(v) / 7
				}
				checkSelectNth(t, vs32)
			}
		})
	}
}

// checkSelectNth checks SelectNth on a copy of vs for every k.
func checkSelectNth[T float32 | float64](t *testing.T, vs []T) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(vs))
	for k := range vs {
		work := slices.Clone(vs)
		if got := SelectNth(work, k); got != sorted[k] {
			t.Fatalf("k=%d: %v, want %v", k, got, sorted[k])
		}
		front := slices.Sorted(slices.Values(work[:k]))
		if !slices.Equal(front, sorted[:k]) {
			t.Fatalf("k=%d: front %v, want the %d smallest %v", k, front, k, sorted[:k])
		}
	}
}
