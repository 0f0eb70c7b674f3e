package review_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
)

// TestObjections: the legal team's list holds the sheets on which a
// lawyer's objection stands, soonest deadline first, in the user's
// province; an objection replaced by a later decision leaves it.
func TestObjections(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			board := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Second)
			e.svc.SetDeadlines(review.DeadlinePolicy{AfterCount: 24 * time.Hour,
				Boards: map[review.Box]time.Time{{Il: "izmir", Ilce: "bornova"}: board}})
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			legal := e.user(t, "hukuk", review.Legal, "İzmir")
			ankara := e.user(t, "hukuk-ankara", review.Legal, "Ankara")
			admin := e.user(t, "yönetici", review.Admin, "")
			wrong := withFigures(truth(), "aday_2", 40)
			late := e.sheetOf(t, obs, "Gaziemir", "1", truth(), wrong)
			replaced := e.sheetOf(t, obs, "Gaziemir", "2", truth(), wrong)
			soon := e.sheetOf(t, obs, "Bornova", "3", truth(), wrong)
			e.sheetOf(t, obs, "Gaziemir", "4", truth(), wrong) // flagged, not decided on
			decide := func(id string, in review.DecisionInput) {
				t.Helper()
				if _, err := e.svc.Decide(ctx, lawyer, id, in); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{late.ID, replaced.ID, soon.ID} {
				decide(id, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: "ıslak imzalı asıl tutanakla karşılaştırılacak"})
			}
			n := 3
			decide(replaced.ID, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Value: &n, Note: "asıl tutanakta 3"})

			cases := []struct {
				name string
				user review.User
				want []string
				err  error
			}{
				{"the province's legal team, soonest deadline first", legal, []string{soon.ID, late.ID}, nil},
				{"the province's lawyer", lawyer, []string{soon.ID, late.ID}, nil},
				{"an administrator", admin, []string{soon.ID, late.ID}, nil},
				{"another province's legal team", ankara, []string{}, nil},
				{"an observer", obs, nil, review.ErrForbidden},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					list, err := e.svc.Objections(ctx, c.user)
					if c.err != nil {
						if !errors.Is(err, c.err) {
							t.Fatalf("err %v, want %v", err, c.err)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					got := []string{}
					for _, o := range list {
						got = append(got, o.Sheet.ID)
						if !slices.Equal(o.Fields, []string{"aday_2"}) || o.Notes["aday_2"] != "ıslak imzalı asıl tutanakla karşılaştırılacak" {
							t.Errorf("%s: fields %v, notes %v", o.Sheet.ID, o.Fields, o.Notes)
						}
					}
					if !slices.Equal(got, c.want) {
						t.Fatalf("objections %v, want %v", got, c.want)
					}
					if len(list) > 0 && (list[0].Sheet.Deadline == nil || !list[0].Sheet.Deadline.Equal(board)) {
						t.Errorf("first deadline %v, want the board's %v", list[0].Sheet.Deadline, board)
					}
				})
			}
		})
	}
}
