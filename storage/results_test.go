package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
)

func TestBoxSheets(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 14, 22, 0, 0, 0, time.UTC)
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				userID, err := tx.CreateUser(ctx, storage.User{Name: "gözlemci", Role: "observer", CreatedAt: at})
				if err != nil {
					return err
				}
				for i, sh := range []storage.Sheet{
					{ID: "b2", SHA256: "a", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "2", CreatedAt: at},
					{ID: "b1-late", SHA256: "b", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1", CreatedAt: at.Add(time.Minute)},
					{ID: "b1-early", SHA256: "c", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1", CreatedAt: at},
					{ID: "ankara", SHA256: "d", Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "7", CreatedAt: at},
					{ID: "no-box", SHA256: "e", Il: "İZMİR", CreatedAt: at},
					{ID: "other-form", SHA256: "f", Form: "mv-2023", Il: "İZMİR", Ilce: "BUCA", SandikNo: "3", CreatedAt: at},
				} {
					if sh.Form == "" {
						sh.Form = "cb-2023"
					}
					sh.Size, sh.ContentType, sh.Status, sh.UploadedBy, sh.UpdatedAt = int64(i), "image/png", "verified", userID, at
					if err := tx.InsertSheet(ctx, sh); err != nil {
						return err
					}
				}
				for _, b := range []storage.BoxTyped{
					{Form: "cb-2023", Il: "İZMİR", Ilce: "BUCA", SandikNo: "9"},
					{Form: "cb-2023", Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "7"},
					{Form: "mv-2023", Il: "İZMİR", Ilce: "BUCA", SandikNo: "8"},
				} {
					b.Counts, b.EnteredBy, b.UpdatedAt = []byte(`{}`), userID, at
					if err := tx.PutBoxTyped(ctx, b); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name   string
				scope  storage.BoxKey
				sheets []string
				typed  []string
			}{
				{"every province, box order, oldest first", storage.BoxKey{}, []string{"ankara", "b1-early", "b1-late", "b2"}, []string{"7", "9"}},
				{"one province", storage.BoxKey{Il: "İZMİR"}, []string{"b1-early", "b1-late", "b2"}, []string{"9"}},
				{"one district", storage.BoxKey{Il: "İZMİR", Ilce: "BUCA"}, nil, []string{"9"}},
				{"one box", storage.BoxKey{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1"}, []string{"b1-early", "b1-late"}, nil},
				{"no such province", storage.BoxKey{Il: "VAN"}, nil, nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var sheets, typed []string
					err := db.View(ctx, func(tx *storage.Tx) error {
						scope := c.scope
						scope.Form = "cb-2023"
						list, err := tx.BoxSheets(ctx, scope)
						if err != nil {
							return err
						}
						for _, sh := range list {
							sheets = append(sheets, sh.ID)
						}
						boxes, err := tx.TypedBoxes(ctx, scope)
						for _, b := range boxes {
							typed = append(typed, b.SandikNo)
						}
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(sheets, c.sheets) || !slices.Equal(typed, c.typed) {
						t.Fatalf("sheets %v, typed boxes %v; want %v, %v", sheets, typed, c.sheets, c.typed)
					}
				})
			}
		})
	}
}

func TestChangeMark(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 14, 22, 0, 0, 0, time.UTC)
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			mark := func() string {
				t.Helper()
				var m string
				if err := db.View(ctx, func(tx *storage.Tx) (err error) { m, err = tx.ChangeMark(ctx); return err }); err != nil {
					t.Fatal(err)
				}
				return m
			}
			empty := mark()
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				userID, err := tx.CreateUser(ctx, storage.User{Name: "gözlemci", Role: "observer", CreatedAt: at})
				if err != nil {
					return err
				}
				return tx.InsertSheet(ctx, storage.Sheet{ID: "s", SHA256: "a", ContentType: "image/png", Form: "cb-2023",
					Status: "queued", UploadedBy: userID, CreatedAt: at, UpdatedAt: at})
			})
			if err != nil {
				t.Fatal(err)
			}
			added := mark()
			if err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.SetSheetStatus(ctx, "s", "verified", at.Add(time.Second)) }); err != nil {
				t.Fatal(err)
			}
			read := mark()
			// Figures typed for a box no photo has reached yet, then typed again.
			typed := make([]string, 0, 2)
			for i, counts := range []string{`{"aday_1":84}`, `{"aday_1":85}`} {
				if err := db.InTx(ctx, func(tx *storage.Tx) error {
					return tx.PutBoxTyped(ctx, storage.BoxTyped{Form: "cb-2023", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "12",
						Counts: []byte(counts), EnteredBy: 1, UpdatedAt: at.Add(time.Duration(2+i) * time.Second)})
				}); err != nil {
					t.Fatal(err)
				}
				typed = append(typed, mark())
			}
			// A custody entry alone: every change the service makes appends
			// one in the order the changes commit, whatever the clocks say.
			err = db.InTx(ctx, func(tx *storage.Tx) error {
				last, err := tx.LockCustody(ctx)
				if err != nil {
					return err
				}
				return tx.AppendCustody(ctx, storage.CustodyEntry{Seq: last.Seq + 1, At: at, Actor: "worker", Action: "ocr_result",
					SheetID: "s", SubjectHash: "x", PrevHash: last.Hash, Hash: "h"})
			})
			if err != nil {
				t.Fatal(err)
			}
			custody := mark()
			marks := []string{empty, added, read, typed[0], typed[1], custody}
			if len(slices.Compact(slices.Clone(marks))) != len(marks) || custody != mark() {
				t.Fatalf("marks %q: each change must move the mark, and only a change", marks)
			}
		})
	}
}

// TestTotalsQueries: the queries the totals and the review queue read
// every sheet of the country with, in one query each, give what reading
// each sheet would: the decisions of the resolved sheets, when each waiting
// box's first sheet came, and each result with its version.
func TestTotalsQueries(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 14, 22, 0, 0, 0, time.UTC)
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			var userID int64
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				var err error
				if userID, err = tx.CreateUser(ctx, storage.User{Name: "gözlemci", Role: "observer", CreatedAt: at}); err != nil {
					return err
				}
				for i, sh := range []storage.Sheet{
					// Box 1: a verified photo, a resolved one and an unreadable one.
					{ID: "b1-a", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1", Status: "verified"},
					{ID: "b1-b", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1", Status: "flagged", ReviewState: "resolved"},
					{ID: "b1-c", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1", Status: "unreadable"},
					// Box 2: a verified photo and an unreadable one.
					{ID: "b2-a", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "2", Status: "verified"},
					{ID: "b2-b", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "2", Status: "unreadable"},
					// Box 3 in Ankara: two flagged photos, one waiting.
					{ID: "b3-a", Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "3", Status: "flagged", ReviewState: "open"},
					{ID: "b3-b", Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "3", Status: "flagged", ReviewState: "resolved"},
					// Waiting, under no whole box.
					{ID: "nobox", Il: "ANKARA", Status: "flagged", ReviewState: "open"},
				} {
					sh.SHA256, sh.Size, sh.ContentType, sh.Form, sh.UploadedBy = sh.ID, int64(i), "image/png", "cb-2023", userID
					sh.CreatedAt = at.Add(time.Duration(i) * time.Minute)
					sh.UpdatedAt = sh.CreatedAt
					if sh.Status != "unreadable" {
						sh.Result = []byte(`{"verdict":"` + sh.Status + `"}`)
					}
					review := sh.ReviewState
					if err := tx.InsertSheet(ctx, sh); err != nil {
						return err
					}
					if review != "" {
						if err := tx.SetSheetReviewState(ctx, sh.ID, review); err != nil {
							return err
						}
					}
				}
				for _, d := range []storage.Decision{
					{SheetID: "b1-b", Field: "aday_1", Kind: "accept_read"},
					{SheetID: "b3-b", Field: "aday_2", Kind: "object"},
					{SheetID: "b1-b", Field: "aday_2", Kind: "confirm_typed"},
					{SheetID: "b3-a", Field: "aday_1", Kind: "accept_read"},
				} {
					d.UserID, d.Actor, d.CreatedAt = userID, "user:1:avukat", at
					if _, err := tx.InsertDecision(ctx, d); err != nil {
						return err
					}
				}
				// A second verdict for b1-a.
				return tx.SaveResult(ctx, "b1-a", "verified", []byte(`{"verdict":"verified","again":true}`), nil, at.Add(time.Hour))
			})
			if err != nil {
				t.Fatal(err)
			}
			view := func(fn func(tx *storage.Tx) error) {
				t.Helper()
				if err := db.View(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			decisions := []struct {
				name  string
				il    string
				state string
				want  map[string][]string // sheet -> fields, oldest first
			}{
				{"resolved sheets", "", "resolved", map[string][]string{"b1-b": {"aday_1", "aday_2"}, "b3-b": {"aday_2"}}},
				{"in one province", "ANKARA", "resolved", map[string][]string{"b3-b": {"aday_2"}}},
				{"open sheets in whole boxes", "", "open", map[string][]string{"b3-a": {"aday_1"}}},
			}
			for _, c := range decisions {
				t.Run("BoxDecisions/"+c.name, func(t *testing.T) {
					view(func(tx *storage.Tx) error {
						got, err := tx.BoxDecisions(ctx, storage.BoxKey{Form: "cb-2023", Il: c.il}, c.state)
						fields := map[string][]string{}
						for id, ds := range got {
							for _, d := range ds {
								if d.SheetID != id {
									t.Errorf("decision of %s under %s", d.SheetID, id)
								}
								fields[id] = append(fields[id], d.Field)
							}
						}
						if len(fields) != len(c.want) {
							t.Errorf("decisions %v, want %v", fields, c.want)
						}
						for id, want := range c.want {
							if !slices.Equal(fields[id], want) {
								t.Errorf("decisions %v, want %v", fields, c.want)
							}
						}
						return err
					})
				})
			}

			t.Run("FirstSheetTimes", func(t *testing.T) {
				view(func(tx *storage.Tx) error {
					got, err := tx.FirstSheetTimes(ctx, storage.QueueFilter{Status: "flagged", ReviewState: "open"})
					want := map[storage.BoxKey]time.Time{
						{Form: "cb-2023", Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "3"}: at.Add(5 * time.Minute),
					}
					if len(got) != len(want) {
						t.Errorf("first times %v, want %v", got, want)
					}
					for k, w := range want {
						if !got[k].Equal(w) {
							t.Errorf("first times %v, want %v", got, want)
						}
					}
					return err
				})
			})

			t.Run("SheetResults", func(t *testing.T) {
				view(func(tx *storage.Tx) error {
					got, err := tx.SheetResults(ctx, []string{"b1-a", "b1-c", "b2-a", "no-such"})
					want := map[string]storage.StoredResult{
						"b1-a": {Version: 2, Result: []byte(`{"verdict":"verified","again":true}`)},
						"b1-c": {Version: 0},
						"b2-a": {Version: 1, Result: []byte(`{"verdict":"verified"}`)},
					}
					if len(got) != len(want) {
						t.Errorf("results %v, want %v", got, want)
					}
					for id, w := range want {
						if got[id].Version != w.Version || string(got[id].Result) != string(w.Result) {
							t.Errorf("result of %s: %d %s, want %d %s", id, got[id].Version, got[id].Result, w.Version, w.Result)
						}
					}
					list, err2 := tx.BoxSheets(ctx, storage.BoxKey{Form: "cb-2023", Il: "İZMİR"})
					for _, sh := range list {
						if sh.ID == "b1-a" && sh.ResultVersion != 2 {
							t.Errorf("BoxSheets has b1-a at version %d, want 2", sh.ResultVersion)
						}
					}
					return errors.Join(err, err2)
				})
			})
		})
	}
}
