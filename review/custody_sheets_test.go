package review_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

// night is a database after an ordinary night's use, with the sheets the
// hand edits below pick from.
type night struct {
	// typed was uploaded with a box and typed figures, then retyped,
	// decided on and put under legal hold: flagged.
	typed review.SheetView
	// moved was uploaded without a box, filed under its header's, given
	// figures typed for that box, then filed by a lawyer under another.
	moved review.SheetView
	// boxed was uploaded with a box whose figures were typed before it came.
	boxed review.SheetView
}

// uploadTo uploads a photo for box (none when empty) with typed figures,
// read by the worker as read, and waits for its verdict.
func uploadTo(t *testing.T, e env, u review.User, box review.Box, read, typed map[string]int) review.SheetView {
	t.Helper()
	e.reader.mu.Lock()
	e.reader.values = read
	e.reader.printed = map[string]string{"il": "İzmir", "ilce": "Gaziemir", "sandik_no": "21"}
	e.reader.mu.Unlock()
	data := fmt.Appendf(nil, "photo %d", photoSeq.Add(1))
	res, err := e.svc.Upload(context.Background(), u, review.Upload{Photo: e.photo(t, data), Form: "cb-2023", Box: box, Typed: typed})
	if err != nil {
		t.Fatal(err)
	}
	return waitVerdict(t, e.svc, u, res.ID)
}

// useNormally runs the night: uploads with and without a box and typed
// figures, read by the OCR worker; retyping; figures typed for a box before
// and after its photo; a lawyer's decision and box change; a legal hold.
func useNormally(t *testing.T, e env) night {
	t.Helper()
	ctx := context.Background()
	obs := e.user(t, "gözlemci", review.Observer, "")
	entry := e.user(t, "veri", review.Entry, "İzmir")
	lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
	legal := e.user(t, "hukuk", review.Legal, "İzmir")
	var n night

	n.typed = uploadTo(t, e, obs, review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "20"}, truth(), withFigures(truth(), "aday_1", 140))
	if _, err := e.svc.SetTyped(ctx, entry, n.typed.ID, withFigures(truth(), "aday_1", 141)); err != nil {
		t.Fatal(err)
	}
	corrected := 104
	decide(t, e, lawyer, n.typed.ID, review.DecisionInput{Field: "aday_1", Kind: review.Correct, Value: &corrected, Note: "ıslak imzalı nüsha"})
	if _, err := e.svc.SetLegalHold(ctx, legal, n.typed.ID, true); err != nil {
		t.Fatal(err)
	}

	n.moved = uploadTo(t, e, obs, review.Box{}, truth(), nil)
	if n.moved.Box.SandikNo != "21" {
		t.Fatalf("box from the header: %+v", n.moved.Box)
	}
	if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
		Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "21"}, Counts: truth()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetBox(ctx, lawyer, n.moved.ID, review.BoxChange{
		Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "23"}, Note: "başlık yanlış okundu"}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
		Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "22"}, Counts: withFigures(truth(), "aday_2", 5)}); err != nil {
		t.Fatal(err)
	}
	n.boxed = uploadTo(t, e, obs, review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "22"}, truth(), nil)

	for _, v := range []review.SheetView{n.typed, n.moved, n.boxed} {
		v, err := e.svc.Sheet(ctx, lawyer, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s %+v", v.ID, v.Status, v.Box)
	}
	return n
}

// TestCustodyChecksSheets: a sheet's row edited by hand (the original's
// hash, its typed figures, its box, its reading or its verdict), or the
// figures typed for a box, change what the totals count, what the pages
// show and what a bundle says, while the chain stays whole: the custody
// check compares them with what the entries recorded and reports the
// difference. A database used as the service uses it reports none.
func TestCustodyChecksSheets(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// stmt edits the database; {typed}, {moved} and {boxed} are the
		// night's sheets' ids.
		stmt string
		// want is in the break reported, with the same names.
		want string
	}{
		{"nothing edited", "", ""},
		{"the original's sha256", `UPDATE sheets SET sha256 = '` + strings.Repeat("ab", 32) + `' WHERE id = '{typed}'`,
			"sheet {typed}: original's sha256 " + strings.Repeat("ab", 32) + ", its upload (entry 1) recorded"},
		{"the form", `UPDATE sheets SET form = 'cb-2028' WHERE id = '{typed}'`,
			`sheet {typed}: form "cb-2028", its upload (entry 1) recorded "cb-2023"`},
		{"the original's size", `UPDATE sheets SET size = size + 1 WHERE id = '{typed}'`,
			"sheet {typed}: original's size"},
		{"the legal hold lifted", `UPDATE sheets SET legal_hold = 0 WHERE id = '{typed}'`,
			"sheet {typed}: legal hold false, entry"},
		{"a legal hold put", `UPDATE sheets SET legal_hold = 1 WHERE id = '{boxed}'`,
			"sheet {boxed}: under legal hold, which no legal_hold entry records"},
		{"the typed figures", `UPDATE sheets SET typed = replace(typed, '141', '104') WHERE id = '{typed}'`,
			"sheet {typed}: typed figures' sha256"},
		{"the typed figures removed", `UPDATE sheets SET typed = NULL WHERE id = '{typed}'`,
			"sheet {typed}: no typed figures, entry"},
		{"typed figures added", `UPDATE sheets SET typed = '{"aday_1":104}' WHERE id = '{boxed}'`,
			"sheet {boxed}: typed figures (sha256"},
		{"the box uploaded with", `UPDATE sheets SET sandik_no = '99' WHERE id = '{typed}'`,
			`sheet {typed}: filed under "İZMİR" / "GAZİEMİR" / "99", entry 1 recorded "İZMİR" / "GAZİEMİR" / "20"`},
		{"the box a lawyer filed under", `UPDATE sheets SET ilce = 'KARŞIYAKA' WHERE id = '{moved}'`,
			`sheet {moved}: filed under "İZMİR" / "KARŞIYAKA" / "23", entry`},
		{"a sheet added", `INSERT INTO sheets (id, sha256, size, content_type, form, il, ilce, sandik_no, status,
			uploaded_by, created_at, updated_at) SELECT 'sh_eklendi', 'cd', size, content_type, form, il, ilce, sandik_no, 'queued',
			uploaded_by, created_at, updated_at FROM sheets WHERE id = '{typed}'`,
			"sheet sh_eklendi (sha256 cd): no upload entry records it"},
		{"the reading", `UPDATE sheets SET reading = reading || ' ' WHERE id = '{typed}'`,
			"sheet {typed}: reading's sha256"},
		{"the reading removed", `UPDATE sheets SET reading = NULL WHERE id = '{boxed}'`,
			"sheet {boxed}: no reading, entry"},
		{"the verdict", `UPDATE sheets SET status = 'verified' WHERE id = '{typed}'`,
			`sheet {typed}: status "verified", entry`},
		{"the sheet removed", `DELETE FROM sheet_fields WHERE sheet_id = '{boxed}'; DELETE FROM sheets WHERE id = '{boxed}'`,
			"records the upload of sheet {boxed}, which the sheets table does not hold"},
		{"a box's typed figures", `UPDATE box_typed SET counts = replace(counts, '"aday_2":5', '"aday_2":6') WHERE sandik_no = '22'`,
			`box cb-2023 "İZMİR" / "GAZİEMİR" / "22": typed figures' sha256`},
		{"a box's typed figures removed", `DELETE FROM box_typed WHERE sandik_no = '22'`,
			`records figures typed for box cb-2023 "İZMİR" / "GAZİEMİR" / "22", which box_typed does not hold`},
	}
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					e := setup(t, b, 0)
					n := useNormally(t, e)
					if n.typed.Status != "flagged" {
						t.Fatalf("retyped sheet %s", n.typed.Status)
					}
					rep, err := e.svc.VerifyCustody(ctx)
					if err != nil || !rep.OK() {
						t.Fatalf("custody after normal use: %v\n%s", err, strings.Join(rep.Breaks, "\n"))
					}
					if tt.stmt == "" {
						return
					}
					ids := strings.NewReplacer("{typed}", n.typed.ID, "{moved}", n.moved.ID, "{boxed}", n.boxed.ID)
					if err := e.db.InTx(ctx, func(tx *storage.Tx) error {
						for _, s := range strings.Split(ids.Replace(tt.stmt), "; ") {
							if err := tx.Exec(ctx, s); err != nil {
								return fmt.Errorf("%s: %w", s, err)
							}
						}
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					rep, err = e.svc.VerifyCustody(ctx)
					if err != nil {
						t.Fatal(err)
					}
					want := ids.Replace(tt.want)
					if got := strings.Join(rep.Breaks, "\n"); !strings.Contains(got, want) {
						t.Errorf("breaks %q, want one saying %q", got, want)
					}
				})
			}
		})
	}
}

// TestCustodyChecksBoxOfUnreadSheet: a sheet uploaded without a box takes
// its printed header's only when it is read, so one filed under a box by
// hand before that has a box no entry gave it.
func TestCustodyChecksBoxOfUnreadSheet(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := open(t, b, 0) // no worker: the sheet stays queued
			obs := e.user(t, "gözlemci", review.Observer, "")
			res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("okunmamış")), Form: "cb-2023"})
			if err != nil {
				t.Fatal(err)
			}
			if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
				t.Fatalf("custody before: %+v, %v", rep, err)
			}
			if err := e.db.InTx(ctx, func(tx *storage.Tx) error {
				return tx.Exec(ctx, `UPDATE sheets SET il = 'İZMİR', ilce = 'GAZİEMİR', sandik_no = '7' WHERE id = ?`, res.ID)
			}); err != nil {
				t.Fatal(err)
			}
			rep, err := e.svc.VerifyCustody(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`sheet %s: filed under "İZMİR" / "GAZİEMİR" / "7", but it was uploaded without a box (entry 1) and no entry files it`, res.ID)
			if got := strings.Join(rep.Breaks, "\n"); !strings.Contains(got, want) {
				t.Errorf("breaks %q, want one saying %q", got, want)
			}
		})
	}
}
