package review_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tutanak/tutanak/review"
)

func intp(v int) *int { return &v }

func TestDecisions(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			izmir := e.user(t, "avukat-izmir", review.Lawyer, "İzmir")
			ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
			admin := e.user(t, "admin", review.Admin, "")
			// The reader sees aday_2 = 3 (4 was typed) and nothing past aday_2.
			e.reader.values = map[string]int{"aday_1": 84, "aday_2": 3}
			res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("flagged photo")), Form: "cb-2023",
				Typed: map[string]int{"aday_1": 84, "aday_2": 4}})
			if err != nil {
				t.Fatal(err)
			}
			if v := waitVerdict(t, e.svc, obs, res.ID); v.Status != "flagged" || v.ReviewState != review.ReviewOpen {
				t.Fatalf("verdict %s, review %q; want flagged, open", v.Status, v.ReviewState)
			}

			t.Run("Queue", func(t *testing.T) {
				cases := []struct {
					name string
					u    review.User
					want int
					err  error
				}{
					{"lawyer of the province", izmir, 1, nil},
					{"lawyer of another province", ankara, 0, nil},
					{"admin", admin, 1, nil},
					{"observer", obs, 0, review.ErrForbidden},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						list, err := e.svc.ReviewQueue(ctx, c.u, 0)
						if !errors.Is(err, c.err) || len(list) != c.want {
							t.Fatalf("queue = %d sheets, %v; want %d, %v", len(list), err, c.want, c.err)
						}
					})
				}
			})

			t.Run("Refused", func(t *testing.T) {
				cases := []struct {
					name string
					u    review.User
					in   review.DecisionInput
					err  error
					code string
				}{
					{"observer", obs, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead}, review.ErrForbidden, ""},
					{"lawyer of another province", ankara, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead}, review.ErrNotFound, ""},
					{"unknown kind", izmir, review.DecisionInput{Field: "aday_2", Kind: "maybe"}, nil, "bad_kind"},
					{"unknown field", izmir, review.DecisionInput{Field: "nope", Kind: review.AcceptRead}, nil, "unknown_field"},
					{"correction without note", izmir, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Value: intp(5)}, nil, "no_note"},
					{"objection without note", izmir, review.DecisionInput{Field: "aday_2", Kind: review.Object}, nil, "no_note"},
					{"correction without figure", izmir, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Note: "x"}, nil, "bad_count"},
					{"negative correction", izmir, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Value: intp(-1), Note: "x"}, nil, "bad_count"},
					{"figure with confirmation", izmir, review.DecisionInput{Field: "aday_2", Kind: review.ConfirmTyped, Value: intp(1)}, nil, "unexpected_value"},
					{"confirm where nothing was typed", izmir, review.DecisionInput{Field: "aday_3", Kind: review.ConfirmTyped}, nil, "no_typed"},
					{"accept where nothing was read", izmir, review.DecisionInput{Field: "aday_3", Kind: review.AcceptRead}, nil, "no_read"},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						_, err := e.svc.Decide(ctx, c.u, res.ID, c.in)
						if c.err != nil {
							if !errors.Is(err, c.err) {
								t.Fatalf("err = %v, want %v", err, c.err)
							}
							return
						}
						var ie *review.InputError
						if !errors.As(err, &ie) || ie.Code != c.code {
							t.Fatalf("err = %v, want %s", err, c.code)
						}
					})
				}
				d, err := e.svc.Decisions(ctx, izmir, res.ID)
				if err != nil || len(d.Decisions) != 0 {
					t.Fatalf("refused decisions were stored: %+v, %v", d.Decisions, err)
				}
			})

			var objected []string // by the admin, in VersionsAndResolution
			t.Run("VersionsAndResolution", func(t *testing.T) {
				d, err := e.svc.Decide(ctx, izmir, res.ID, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead, Note: "fotoğraf açık"})
				if err != nil {
					t.Fatal(err)
				}
				if d.Accepted["aday_2"] != 3 || d.Decisions[0].Version != 1 || !d.Decisions[0].Current {
					t.Fatalf("after accept_read: %+v", d)
				}
				d, err = e.svc.Decide(ctx, izmir, res.ID, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Value: intp(5), Note: "ıslak imzalı nüsha 5 diyor"})
				if err != nil {
					t.Fatal(err)
				}
				if len(d.Decisions) != 2 || d.Decisions[0].Current || !d.Decisions[1].Current || d.Decisions[1].Version != 2 ||
					d.Accepted["aday_2"] != 5 || *d.Decisions[0].Value != 3 {
					t.Fatalf("after correct: %+v", d)
				}
				// Decide every other flagged field: objections need no figure.
				objected = slices.Clone(d.Undecided)
				for _, f := range d.Undecided {
					d, err = e.svc.Decide(ctx, admin, res.ID, review.DecisionInput{Field: f, Kind: review.Object, Note: "itiraz"})
					if err != nil {
						t.Fatal(err)
					}
				}
				if d.ReviewState != review.ReviewResolved || len(d.Undecided) != 0 {
					t.Fatalf("after every field: state %q, undecided %v", d.ReviewState, d.Undecided)
				}
				v, err := e.svc.Sheet(ctx, izmir, res.ID)
				if err != nil || v.Status != "flagged" || v.ReviewState != review.ReviewResolved {
					t.Fatalf("sheet: status %s, review %q, %v; the verdict stays, the review is resolved", v.Status, v.ReviewState, err)
				}
				if list, err := e.svc.ReviewQueue(ctx, izmir, 0); err != nil || len(list) != 0 {
					t.Fatalf("queue after resolution = %d, %v", len(list), err)
				}
				decided := 0
				for _, h := range v.History {
					if h.Action == review.ActionDecision {
						decided++
					}
				}
				if decided != len(d.Decisions) {
					t.Errorf("%d custody entries for %d decisions", decided, len(d.Decisions))
				}
				if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
			})

			t.Run("RetypedFigureReopens", func(t *testing.T) {
				if _, err := e.svc.SetTyped(ctx, obs, res.ID, map[string]int{"aday_1": 84, "aday_2": 6}); err != nil {
					t.Fatal(err)
				}
				d, err := e.svc.Decisions(ctx, izmir, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d.ReviewState != review.ReviewOpen || !slices.Contains(d.Undecided, "aday_2") {
					t.Fatalf("after retyping: state %q, undecided %v", d.ReviewState, d.Undecided)
				}
				if _, ok := d.Accepted["aday_2"]; ok || len(d.Decisions) < 2 {
					t.Fatalf("stale decision still accepted or versions lost: %+v", d)
				}
				if list, err := e.svc.ReviewQueue(ctx, izmir, 0); err != nil || len(list) != 1 {
					t.Fatalf("queue after retyping = %d, %v", len(list), err)
				}
				d, err = e.svc.Decide(ctx, izmir, res.ID, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: "girilen 6, okunan 3"})
				if err != nil {
					t.Fatal(err)
				}
				// The admin's objections stand: retyping answers none of them.
				want := slices.Sorted(slices.Values(append(slices.Clone(objected), "aday_2")))
				if d.ReviewState != review.ReviewResolved || !slices.Equal(d.Objections, want) || d.Decisions[len(d.Decisions)-1].Value != nil {
					t.Fatalf("after objection: objections %v, want %v; %+v", d.Objections, want, d)
				}
			})
		})
	}
}
