package review_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/review/reviewtest"
)

// TestSeededTotals: on a small election night seeded as the benchmarks seed
// the whole country, the totals count every box in the state it was seeded
// in, at every level and for every scope, each level's rows add up to its
// total, the boxes come in box order, and the conflicts are the boxes in
// conflict. The totals are kept
// and shared until the next change: after a sheet is flagged they are those
// of the change, at once.
func TestSeededTotals(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := open(t, b, 0)
			el := reviewtest.Seed(t, e.svc, e.db, 400)
			check := func(t *testing.T, counts, istanbul review.BoxCounts) {
				t.Helper()
				cases := []struct {
					name string
					u    review.User
					q    review.ResultsQuery
					want review.BoxCounts
				}{
					{"country by province", el.Lawyer, review.ResultsQuery{}, counts},
					{"country by district", el.Lawyer, review.ResultsQuery{Level: review.LevelIlce}, counts},
					{"country by neighbourhood", el.Lawyer, review.ResultsQuery{Level: review.LevelMuhtarlik}, counts},
					{"country by box", el.Lawyer, review.ResultsQuery{Level: review.LevelSandik}, counts},
					{"İstanbul by district", el.Lawyer, review.ResultsQuery{Level: review.LevelIlce, Il: "istanbul"}, istanbul},
					{"İstanbul's own lawyer", el.IstanbulLawyer, review.ResultsQuery{Level: review.LevelSandik}, istanbul},
					{"İstanbul's lawyer asking for Ankara", el.IstanbulLawyer, review.ResultsQuery{Il: "ANKARA"}, review.BoxCounts{}},
				}
				for _, c := range cases {
					r, err := e.svc.Results(ctx, c.u, c.q)
					if err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					if r.Total.Counts != c.want {
						t.Errorf("%s: counts %+v, want %+v", c.name, r.Total.Counts, c.want)
					}
					var rows review.BoxCounts
					figures := map[string]int{}
					for _, row := range r.Rows {
						rows.Boxes += row.Counts.Boxes
						rows.Accepted += row.Counts.Accepted
						rows.Conflict += row.Counts.Conflict
						rows.Flagged += row.Counts.Flagged
						rows.Unreadable += row.Counts.Unreadable
						rows.Missing += row.Counts.Missing
						for f, v := range row.Figures {
							figures[f] += v
						}
					}
					if rows != r.Total.Counts || !maps.Equal(figures, r.Total.Figures) {
						t.Errorf("%s: rows add up to %+v %v, total %+v %v", c.name, rows, figures, r.Total.Counts, r.Total.Figures)
					}
				}
				all, err := e.svc.Boxes(ctx, el.Lawyer, "", "")
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != counts.Boxes {
					t.Errorf("%d boxes, seeded %d", len(all), counts.Boxes)
				}
				for i := 1; i < len(all); i++ {
					a, b := all[i-1].Box, all[i].Box
					if !(a.Il < b.Il || a.Il == b.Il && (a.Ilce < b.Ilce || a.Ilce == b.Ilce && a.SandikNo < b.SandikNo)) {
						t.Fatalf("boxes out of order: %v before %v", a, b)
					}
				}
				var want []review.Box
				for _, bx := range all {
					if bx.State == review.BoxConflict {
						want = append(want, bx.Box)
					}
				}
				conflicts, err := e.svc.Conflicts(ctx, el.Lawyer, "")
				if err != nil {
					t.Fatal(err)
				}
				var got []review.Box
				for _, bx := range conflicts {
					got = append(got, bx.Box)
				}
				if !slices.Equal(got, want) || len(got) != counts.Conflict {
					t.Errorf("conflicts %v, want the %d boxes in conflict %v", got, counts.Conflict, want)
				}
			}
			check(t, el.Counts, el.Istanbul)

			box := el.Mistype(t, e.svc)
			counts, istanbul := el.Counts, el.Istanbul
			for _, c := range []*review.BoxCounts{&counts, &istanbul} {
				if c == &istanbul && box.Il != reviewtest.Istanbul {
					continue
				}
				c.Accepted--
				c.Flagged++
			}
			check(t, counts, istanbul)
		})
	}
}

// TestTotalsSharedWhileChanging: viewers asking for the totals at once,
// while verdicts keep coming, share computations without racing (run with
// -race), and once the changes stop every viewer gets the totals of the
// last one.
func TestTotalsSharedWhileChanging(t *testing.T) {
	ctx := context.Background()
	e := open(t, backends()[0], 0)
	el := reviewtest.Seed(t, e.svc, e.db, 200)
	done := make(chan struct{})
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				q := review.ResultsQuery{Level: []string{review.LevelIl, review.LevelSandik}[i%2]}
				if _, err := e.svc.Results(ctx, el.Lawyer, q); err != nil {
					errs <- err
					return
				}
				if _, err := e.svc.Conflicts(ctx, el.Lawyer, ""); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var flagged []review.Box
	for range 5 {
		el.Change(t, e.svc)
		flagged = append(flagged, el.Mistype(t, e.svc))
	}
	close(done)
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	want := el.Counts
	want.Accepted -= len(flagged)
	want.Flagged += len(flagged)
	r, err := e.svc.Results(ctx, el.Lawyer, review.ResultsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Counts != want {
		t.Fatalf("counts after the changes %+v, want %+v", r.Total.Counts, want)
	}
}
