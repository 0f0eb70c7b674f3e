package review_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

// TestCustodyChecksDecisions: a lawyer's decision edited, removed or added
// by hand in the decisions table, its triggers dropped, changes what the
// totals count, what the pages show and what a signed bundle says, while the
// chain itself stays whole: the custody check compares every decision with
// the entry that recorded it and reports the difference.
func TestCustodyChecksDecisions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// stmt edits the decisions table; %d is the lawyer's decision's id.
		stmt string
		want string
	}{
		{"a figure changed", `UPDATE decisions SET value = 98 WHERE id = %d`, `value "98", recorded "97"`},
		{"a note changed", `UPDATE decisions SET note = 'başka' WHERE id = %d`, `note "başka", recorded "ıslak imzalı nüsha 97"`},
		{"a correction made an acceptance", `UPDATE decisions SET kind = 'accept_read', value = read WHERE id = %d`, `kind "accept_read", recorded "correct"`},
		{"another lawyer's", `UPDATE decisions SET actor = 'user:9:başkası' WHERE id = %d`, `actor "user:9:başkası"`},
		{"the decision removed", `DELETE FROM decisions WHERE id = %d`, "which the decisions table does not hold"},
		{"a decision added", `INSERT INTO decisions (sheet_id, field, kind, value, typed, read, note, user_id, actor, created_at)
			SELECT sheet_id, 'aday_2', 'correct', 5, typed, read, 'eklendi', user_id, actor, created_at FROM decisions WHERE id = %d`,
			"no custody entry records it"},
	}
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					e := setup(t, b, 0)
					obs := e.user(t, "gözlemci", review.Observer, "")
					lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
					v := e.sheetOf(t, obs, "Gaziemir", "20", truth(), withFigures(truth(), "aday_1", 140))
					if v.Status != "flagged" {
						t.Fatalf("verdict %s", v.Status)
					}
					corrected := 97
					d := decide(t, e, lawyer, v.ID, review.DecisionInput{Field: "aday_1", Kind: review.Correct, Value: &corrected, Note: "ıslak imzalı nüsha 97"})
					id := d.Decisions[len(d.Decisions)-1].ID
					if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
						t.Fatalf("custody before: %+v, %v", rep, err)
					}
					stmts := []string{`DROP TRIGGER decisions_no_update`, `DROP TRIGGER decisions_no_delete`}
					if e.db.Dialect() == storage.Postgres {
						stmts = []string{`ALTER TABLE decisions DISABLE TRIGGER decisions_no_change`}
					}
					stmts = append(stmts, fmt.Sprintf(tt.stmt, id))
					if err := e.db.InTx(ctx, func(tx *storage.Tx) error {
						for _, s := range stmts {
							if err := tx.Exec(ctx, s); err != nil {
								return fmt.Errorf("%s: %w", s, err)
							}
						}
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					rep, err := e.svc.VerifyCustody(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if rep.OK() {
						t.Fatalf("custody intact after the decisions table was edited: %+v", rep)
					}
					if got := strings.Join(rep.Breaks, "\n"); !strings.Contains(got, tt.want) {
						t.Errorf("breaks %q, want one saying %q", got, tt.want)
					}
				})
			}
		})
	}
}
