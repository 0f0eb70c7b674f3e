package digits

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNthSmallest checks the selection against a sort, with ties, sorted
// and reversed input and every k.
func TestNthSmallest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 3, 5, 16, 101, 500} {
		for _, kind := range []string{"random", "few levels", "sorted", "reversed", "equal"} {
			vs := make([]float32, n)
			for i := range vs {
				switch kind {
				case "random":
					vs[i] = rng.Float32() * 100
				case "few levels":
					vs[i] = float32(rng.IntN(3))
				case "sorted":
					vs[i] = float32(i)
				case "reversed":
					vs[i] = float32(n - i)
				case "equal":
					vs[i] = 7
				}
			}
			sorted := slices.Sorted(slices.Values(vs))
			for k := range n {
				if got := nthSmallest(slices.Clone(vs), k); got != sorted[k] {
					t.Fatalf("%s n=%d k=%d: %v, sorted %v", kind, n, k, got, sorted[k])
				}
			}
		}
	}
}
