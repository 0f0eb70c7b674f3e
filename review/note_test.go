package review_test

import (
	"context"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestDecisionNoteText: a note is text a lawyer typed or pasted. One that
// holds what no text column takes (a NUL from a pasted PDF, bytes that are
// not UTF-8 from a form) is refused as bad input on every database, never
// a server error, and nothing is recorded.
func TestDecisionNoteText(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			read := truth()
			v := e.sheetOf(t, obs, "Gaziemir", "60", read, withFigures(read, "aday_2", 7))
			cases := []struct {
				name string
				note string
			}{
				{"NUL", "ıslak imzalı\x00 nüsha"},
				{"not UTF-8", "ıslak imzalı \xff\xfe nüsha"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := e.svc.Decide(ctx, lawyer, v.ID, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: c.note})
					if code := inputCode(err); code != "bad_note" {
						t.Fatalf("err %v, want bad_note", err)
					}
				})
			}
			if d, err := e.svc.Decisions(ctx, lawyer, v.ID); err != nil || len(d.Decisions) != 0 {
				t.Fatalf("decisions %+v, %v; want none", d.Decisions, err)
			}
		})
	}
}
