package review_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestStaleDecisionRefused: a lawyer decides on the figures their screen
// showed. When those changed before the decision arrived (a figure typed
// again, another lawyer's decision on the field, the same form sent twice)
// the decision must be refused, not applied to figures or a review the
// lawyer never saw.
func TestStaleDecisionRefused(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			other := e.user(t, "avukat-2", review.Lawyer, "İzmir")
			read := truth()
			// Typed 7 for aday_2, the photo shows 4: flagged.
			cases := []struct {
				name string
				// meanwhile happens between the lawyer's page and their decision.
				meanwhile func(t *testing.T, id string)
				in        review.DecisionInput
			}{
				{"figure typed again", func(t *testing.T, id string) {
					if _, err := e.svc.SetTyped(ctx, obs, id, withFigures(read, "aday_2", 9)); err != nil {
						t.Fatal(err)
					}
				}, review.DecisionInput{Field: "aday_2", Kind: review.ConfirmTyped}},
				{"another lawyer decided", func(t *testing.T, id string) {
					decide(t, e, other, id, review.DecisionInput{Field: "aday_2", Kind: review.Correct, Value: intp(5), Note: "ıslak imzalı nüsha 5 diyor"})
				}, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead}},
				{"the same decision sent twice", func(t *testing.T, id string) {
					decide(t, e, lawyer, id, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead, Seen: &review.Seen{Typed: intp(7), Read: intp(4)}})
				}, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead}},
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					v := e.sheetOf(t, obs, "Gaziemir", fmt.Sprint(40+i), read, withFigures(read, "aday_2", 7))
					if f := v.Fields["aday_2"]; v.Status != "flagged" || f.Typed == nil || *f.Typed != 7 || f.Read == nil || *f.Read != 4 {
						t.Fatalf("verdict %s, aday_2 %+v; want flagged, typed 7, read 4", v.Status, f)
					}
					// What the lawyer's screen shows now.
					c.in.Seen = &review.Seen{Typed: intp(7), Read: intp(4), Version: 0}
					before, err := e.svc.Decisions(ctx, lawyer, v.ID)
					if err != nil {
						t.Fatal(err)
					}
					c.meanwhile(t, v.ID)
					mid, err := e.svc.Decisions(ctx, lawyer, v.ID)
					if err != nil {
						t.Fatal(err)
					}
					_, err = e.svc.Decide(ctx, lawyer, v.ID, c.in)
					var ce *review.ConflictError
					if !errors.As(err, &ce) || ce.Code != "stale" || ce.TR == "" || ce.EN == "" {
						t.Fatalf("decision on figures changed since the page: err %v, want stale", err)
					}
					// The field's label, as the lawyer's screen shows it.
					if label := "MUHARREM İNCE: "; !strings.HasPrefix(ce.TR, label) || !strings.HasPrefix(ce.EN, label) {
						t.Errorf("the refusal does not name the field: %q / %q", ce.TR, ce.EN)
					}
					after, err := e.svc.Decisions(ctx, lawyer, v.ID)
					if err != nil {
						t.Fatal(err)
					}
					if len(after.Decisions) != len(mid.Decisions) || len(before.Decisions) != 0 {
						t.Fatalf("a stale decision was stored: %+v", after.Decisions)
					}
				})
			}
		})
	}
}
