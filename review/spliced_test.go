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

// TestBoxList checks the country's boxes kept by province against one list
// in box order: splitting, a province alone, and changes that judge boxes
// again, add a province and empty one, leaving the list they came from
// as it was.
func TestBoxList(t *testing.T) {
	box := func(il string, n int) BoxResult {
		return BoxResult{Box: Box{Il: il, Ilce: "MERKEZ", SandikNo: fmt.Sprintf("%04d", n)}}
	}
	names := func(boxes []BoxResult) []string {
		out := []string{}
		for _, b := range boxes {
			out = append(out, b.Box.Il+"/"+b.Box.SandikNo)
		}
		return out
	}
	country := []BoxResult{box("ADANA", 1), box("ADANA", 2), box("ANKARA", 1), box("İZMİR", 1), box("İZMİR", 2), box("İZMİR", 3)}
	l := byProvince(country)
	if len(l) != 3 || !slices.Equal(names(l.flat()), names(country)) {
		t.Fatalf("byProvince: %d provinces, %v", len(l), names(l.flat()))
	}
	var all []BoxResult
	for b := range l.all() {
		all = append(all, *b)
	}
	if !slices.Equal(names(all), names(country)) {
		t.Errorf("all yields %v", names(all))
	}
	if got := names(l.province("İZMİR").flat()); !slices.Equal(got, []string{"İZMİR/0001", "İZMİR/0002", "İZMİR/0003"}) {
		t.Errorf("province İZMİR: %v", got)
	}
	if got := l.province("BURSA"); len(got) != 0 {
		t.Errorf("province BURSA: %v", got)
	}
	cases := []struct {
		name    string
		changed map[string]*provinceChange
		want    []string
	}{
		{"a box judged again", map[string]*provinceChange{"İZMİR": {drop: []int{1}, fresh: []BoxResult{box("İZMİR", 2)}}},
			[]string{"ADANA/0001", "ADANA/0002", "ANKARA/0001", "İZMİR/0001", "İZMİR/0002", "İZMİR/0003"}},
		{"a new province between two", map[string]*provinceChange{"BURSA": {fresh: []BoxResult{box("BURSA", 9), box("BURSA", 8)}}},
			[]string{"ADANA/0001", "ADANA/0002", "ANKARA/0001", "BURSA/0008", "BURSA/0009", "İZMİR/0001", "İZMİR/0002", "İZMİR/0003"}},
		{"a province emptied", map[string]*provinceChange{"ANKARA": {drop: []int{0}}},
			[]string{"ADANA/0001", "ADANA/0002", "İZMİR/0001", "İZMİR/0002", "İZMİR/0003"}},
		{"a box moved from one province to another", map[string]*provinceChange{
			"ADANA": {drop: []int{0}}, "ANKARA": {drop: []int{0}, fresh: []BoxResult{box("ANKARA", 1), box("ANKARA", 5)}}},
			[]string{"ADANA/0002", "ANKARA/0001", "ANKARA/0005", "İZMİR/0001", "İZMİR/0002", "İZMİR/0003"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := l.with(c.changed)
			if !slices.Equal(names(got.flat()), c.want) {
				t.Errorf("with: %v, want %v", names(got.flat()), c.want)
			}
			if !slices.Equal(names(l.flat()), names(country)) {
				t.Errorf("with changed the list it came from: %v", names(l.flat()))
			}
			for _, p := range got {
				if len(p.boxes) == 0 || p.boxes[0].Box.Il != p.il {
					t.Errorf("province %s holds %v", p.il, names(p.boxes))
				}
			}
		})
	}
}
