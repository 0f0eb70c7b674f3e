package review_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/review/reviewtest"
)

// benchBoxes is the size of the election the aggregation benchmarks seed.
// The default keeps `make bench` short; the whole country is
//
//	go test ./review -run '^$' -bench Election -benchtime 3x -timeout 2h -args -boxes 192000
var benchBoxes = flag.Int("boxes", 10_000, "ballot boxes the election benchmarks seed (192000 for the whole country)")

// BenchmarkElection measures what the live dashboard and the lawyers' pages
// compute from the records of an election night (reviewtest.Seed: most
// boxes verified, a few flagged, resolved, objected, unreadable, in
// conflict or missing) on each backend: the national totals by province,
// İstanbul's by district and by box, the conflicts of the whole country,
// the review queue of a lawyer without a province, and the change mark
// every open dashboard polls each second.
//
// Totals are computed once per change and shared by everyone who asks
// before the next one, so each is measured three ways: "change", after a
// sheet's verdict was saved again (what the first viewer after a change
// waits for; the write itself is not timed); "shared", with nothing
// changed (what every other viewer waits for); and "cold", on a service
// that has decoded no result yet (the first call after a start).
func BenchmarkElection(b *testing.B) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, st := range backends() {
		b.Run(st.Name, func(b *testing.B) {
			e := open(b, st, 0)
			start := time.Now()
			el := reviewtest.Seed(b, e.svc, e.db, *benchBoxes)
			b.Logf("seeded %d boxes, %d sheets, %d decisions in %s", el.Counts.Boxes, el.Sheets, el.Decisions,
				time.Since(start).Round(time.Second))
			// The totals must be the seeded night's, or the figures below
			// would time some other computation.
			r, err := e.svc.Results(ctx, el.Lawyer, review.ResultsQuery{})
			if err != nil {
				b.Fatal(err)
			}
			if r.Total.Counts != el.Counts {
				b.Fatalf("national counts %+v, seeded %+v", r.Total.Counts, el.Counts)
			}
			cases := []struct {
				name  string
				modes []string
				run   func(svc *review.Service) (int, error) // returns the rows, boxes or sheets it produced
			}{
				{"Results/country-by-il", []string{"change", "shared", "cold"}, func(svc *review.Service) (int, error) {
					r, err := svc.Results(ctx, el.Lawyer, review.ResultsQuery{})
					if err == nil && r.Total.Counts != el.Counts {
						b.Fatalf("national counts %+v, seeded %+v", r.Total.Counts, el.Counts)
					}
					return len(r.Rows), err
				}},
				{"Results/istanbul-by-ilce", []string{"change", "shared"}, func(svc *review.Service) (int, error) {
					r, err := svc.Results(ctx, el.Lawyer, review.ResultsQuery{Level: review.LevelIlce, Il: reviewtest.Istanbul})
					if err == nil && r.Total.Counts != el.Istanbul {
						b.Fatalf("İstanbul counts %+v, seeded %+v", r.Total.Counts, el.Istanbul)
					}
					return len(r.Rows), err
				}},
				{"Results/istanbul-by-sandik", []string{"change", "shared"}, func(svc *review.Service) (int, error) {
					r, err := svc.Results(ctx, el.IstanbulLawyer, review.ResultsQuery{Level: review.LevelSandik})
					return len(r.Rows), err
				}},
				{"Conflicts/country", []string{"change", "shared"}, func(svc *review.Service) (int, error) {
					c, err := svc.Conflicts(ctx, el.Lawyer, "")
					if err == nil && len(c) != el.Counts.Conflict {
						b.Fatalf("%d conflicts, seeded %d", len(c), el.Counts.Conflict)
					}
					return len(c), err
				}},
				{"ReviewQueue/country", []string{"change"}, func(svc *review.Service) (int, error) {
					q, err := svc.ReviewQueue(ctx, el.Lawyer, 200)
					return len(q), err
				}},
				{"ChangeMark", []string{"change"}, func(svc *review.Service) (int, error) {
					_, err := svc.ChangeMark(ctx)
					return 1, err
				}},
			}
			for _, c := range cases {
				for _, mode := range c.modes {
					b.Run(c.name+"/"+mode, func(b *testing.B) {
						b.ReportAllocs()
						if _, err := c.run(e.svc); err != nil { // decoded and shared, as a live service has
							b.Fatal(err)
						}
						n := 0
						for b.Loop() {
							svc := e.svc
							b.StopTimer()
							switch mode {
							case "change":
								el.Change(b, e.svc)
							case "cold":
								svc = review.NewService(e.db, e.store, log)
							}
							b.StartTimer()
							var err error
							if n, err = c.run(svc); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(float64(n), "rows")
					})
				}
			}
			// What the kept country costs in memory, as a service holds it
			// between changes: on a new one, which holds nothing else the
			// other totals computed at this mark. Last, so that the garbage of
			// its judging is not timed.
			fresh := review.NewService(e.db, e.store, log)
			if _, err := fresh.Results(ctx, el.Lawyer, review.ResultsQuery{}); err != nil {
				b.Fatal(err)
			}
			boxes, sheetBox, sheets := fresh.KeptCountryBytes(review.DefaultForm)
			b.Logf("kept country: judged boxes %.1f MB, map of %d sheets to their boxes %.1f MB", float64(boxes)/1e6, sheets, float64(sheetBox)/1e6)
		})
	}
}

// BenchmarkCustodyVerify measures `custody verify` on a seeded election
// night (reviewtest.Seed, with the custody entries the service would have
// written): one pass over the chain and one over the sheets, comparing
// every sheet, box's typed figures and decision with its entries.
func BenchmarkCustodyVerify(b *testing.B) {
	ctx := context.Background()
	for _, st := range backends() {
		b.Run(st.Name, func(b *testing.B) {
			e := open(b, st, 0)
			start := time.Now()
			el := reviewtest.Seed(b, e.svc, e.db, *benchBoxes)
			if err := e.svc.RecordSeeded(ctx); err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded %d boxes, %d sheets, %d decisions in %s", el.Counts.Boxes, el.Sheets, el.Decisions,
				time.Since(start).Round(time.Second))
			b.ResetTimer()
			for range b.N {
				rep, err := e.svc.VerifyCustody(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if !rep.OK() {
					b.Fatalf("%d breaks, the first %s", len(rep.Breaks), rep.Breaks[0])
				}
				b.ReportMetric(float64(rep.Entries), "entries")
			}
		})
	}
}
