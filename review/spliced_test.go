package review

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSpliced checks spliced against its plain definition: drop the boxes
// at the indices, add the fresh ones, sort.
func TestSpliced(t *testing.T) {
	box := func(n int) BoxResult {
		return BoxResult{Box: Box{Il: "İL", Ilce: "İLÇE", SandikNo: fmt.Sprintf("%04d", n)}}
	}
	boxes := func(ns ...int) []BoxResult {
		var out []BoxResult
		for _, n := range ns {
			out = append(out, box(n))
		}
		return out
	}
	plain := func(old []BoxResult, drop []int, fresh []BoxResult) []BoxResult {
		var out []BoxResult
		for i, b := range old {
			if !slices.Contains(drop, i) {
				out = append(out, b)
			}
		}
		out = append(out, fresh...)
		slices.SortFunc(out, byBox)
		return out
	}
	cases := []struct {
		name  string
		old   []BoxResult
		drop  []int
		fresh []BoxResult
	}{
		{"nothing changed", boxes(1, 2, 3), nil, nil},
		{"one box judged again", boxes(1, 2, 3), []int{1}, boxes(2)},
		{"a box gone", boxes(1, 2, 3), []int{2}, nil},
		{"a new box first", boxes(2, 3), nil, boxes(1)},
		{"a new box last", boxes(1, 2), nil, boxes(3)},
		{"a new box between", boxes(1, 3), nil, boxes(2)},
		{"into an empty country", nil, nil, boxes(1, 2)},
		{"every box gone", boxes(1, 2), []int{0, 1}, nil},
		{"first and last judged again, one new", boxes(1, 3, 5), []int{0, 2}, boxes(1, 4, 5)},
		{"a dropped box beside a new one", boxes(1, 2, 4), []int{1}, boxes(3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old := slices.Clone(c.old)
			got := spliced(c.old, c.drop, c.fresh)
			if want := plain(old, c.drop, c.fresh); !slices.EqualFunc(got, want, func(a, b BoxResult) bool { return byBox(a, b) == 0 }) {
				t.Fatalf("spliced = %v, want %v", got, want)
			}
			if !slices.EqualFunc(c.old, old, func(a, b BoxResult) bool { return byBox(a, b) == 0 }) {
				t.Fatal("spliced changed the boxes readers may hold")
			}
		})
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 2000 {
		var all []int // box numbers in the country before or after
		for n := range 40 {
			if r.IntN(3) > 0 {
				all = append(all, n)
			}
		}
		var old, fresh []BoxResult
		var drop []int
		for _, n := range all {
			before, after := r.IntN(4) > 0, r.IntN(4) > 0
			changed := r.IntN(3) == 0
			if before {
				old = append(old, box(n))
				if changed || !after {
					drop = append(drop, len(old)-1)
				}
			}
			if after && (changed || !before) {
				fresh = append(fresh, box(n))
			}
		}
		got := spliced(old, drop, fresh)
		if want := plain(old, drop, fresh); !slices.EqualFunc(got, want, func(a, b BoxResult) bool { return byBox(a, b) == 0 }) {
			t.Fatalf("old %v drop %v fresh %v: spliced = %v, want %v", old, drop, fresh, got, want)
		}
	}
}
