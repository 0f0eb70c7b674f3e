package review_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestCountryBoxesFollowChanges: the country's boxes, kept between changes
// and judged again only where the custody chain says something changed,
// are at every step those a fresh scan of every sheet judges, through
// uploads with and without figures, figures retyped for a sheet and typed
// for a box (one with no photo too), lawyers' decisions and objections, and
// sheets filed under another box; and none of the steps needed the scan.
func TestCountryBoxesFollowChanges(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "")
			rng := rand.New(rand.NewPCG(7, 7))
			boxes := []review.Box{
				{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "101"}, {Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "102"},
				{Il: "İZMİR", Ilce: "BORNOVA", SandikNo: "7"}, {Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "3001"},
			}
			noPhoto := review.Box{Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "3002"}
			figures := func() map[string]int {
				if rng.IntN(3) == 0 {
					return withFigures(photoFigures(), "aday_1", 80+rng.IntN(8))
				}
				return photoFigures()
			}
			var sheets []string
			check := func(step string) {
				t.Helper()
				got, err := e.svc.Boxes(ctx, lawyer, review.DefaultForm, "")
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				want, err := e.svc.BoxesAnew(ctx, review.DefaultForm)
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("after %s the kept boxes differ from a fresh judging:\n got %+v\nwant %+v", step, got, want)
				}
			}
			check("nothing")
			full := e.svc.CountryJudgedInFull(review.DefaultForm)
			if full.IsZero() {
				t.Fatal("the country's boxes are not kept")
			}
			for i := range 40 {
				var step string
				switch op := rng.IntN(6); {
				case op <= 1 || len(sheets) == 0:
					box := boxes[rng.IntN(len(boxes))]
					var typed map[string]int
					if rng.IntN(4) > 0 {
						typed = figures()
					}
					e.reader.mu.Lock()
					e.reader.values = figures()
					e.reader.mu.Unlock()
					data := fmt.Appendf(nil, "photo %d of %v", photoSeq.Add(1), box)
					res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, data), Form: review.DefaultForm, Box: box, Typed: typed})
					if err != nil {
						t.Fatal(err)
					}
					waitVerdict(t, e.svc, obs, res.ID)
					sheets = append(sheets, res.ID)
					step = fmt.Sprintf("upload %d to %v", i, box)
				case op == 2:
					id := sheets[rng.IntN(len(sheets))]
					if _, err := e.svc.SetTyped(ctx, entry, id, figures()); err != nil {
						t.Fatal(err)
					}
					step = fmt.Sprintf("retyping %s", id)
				case op == 3:
					box := append(boxes, noPhoto)[rng.IntN(len(boxes)+1)]
					if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: review.DefaultForm, Box: box, Counts: figures()}); err != nil {
						t.Fatal(err)
					}
					step = fmt.Sprintf("figures typed for %v", box)
				case op == 4:
					id := sheets[rng.IntN(len(sheets))]
					d, err := e.svc.Decisions(ctx, lawyer, id)
					if err != nil {
						t.Fatal(err)
					}
					for j, f := range d.Undecided {
						in := review.DecisionInput{Field: f, Kind: review.AcceptRead, Note: "fotoğrafta böyle"}
						if j == 0 && rng.IntN(3) == 0 {
							in.Kind, in.Note = review.Object, "ıslak imzalı nüsha başka"
						}
						if _, err := e.svc.Decide(ctx, lawyer, id, in); err != nil {
							t.Fatal(err)
						}
					}
					step = fmt.Sprintf("decisions on %s (%d fields)", id, len(d.Undecided))
				case op == 5:
					id := sheets[rng.IntN(len(sheets))]
					v, err := e.svc.Sheet(ctx, lawyer, id)
					if err != nil {
						t.Fatal(err)
					}
					to := boxes[rng.IntN(len(boxes))]
					if to == v.Box {
						to = boxes[(slices.Index(boxes, to)+1)%len(boxes)]
					}
					if _, err := e.svc.SetBox(ctx, lawyer, id, review.BoxChange{Box: to, Note: "başlıkta bu sandık yazıyor"}); err != nil {
						t.Fatal(err)
					}
					step = fmt.Sprintf("%s filed under %v", id, to)
				}
				check(step)
			}
			if got := e.svc.CountryJudgedInFull(review.DefaultForm); !got.Equal(full) {
				t.Errorf("the country was judged in full again at %v (first at %v): a change was not followed box by box", got, full)
			}
		})
	}
}
