package storage_test

import (
	"context"
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
				il     string
				sheets []string
				typed  []string
			}{
				{"every province, box order, oldest first", "", []string{"ankara", "b1-early", "b1-late", "b2"}, []string{"7", "9"}},
				{"one province", "İZMİR", []string{"b1-early", "b1-late", "b2"}, []string{"9"}},
				{"no such province", "VAN", nil, nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var sheets, typed []string
					err := db.View(ctx, func(tx *storage.Tx) error {
						list, err := tx.BoxSheets(ctx, "cb-2023", c.il)
						if err != nil {
							return err
						}
						for _, sh := range list {
							sheets = append(sheets, sh.ID)
						}
						boxes, err := tx.TypedBoxes(ctx, "cb-2023", c.il)
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
			marks := []string{empty, added, read, typed[0], typed[1]}
			if len(slices.Compact(slices.Clone(marks))) != len(marks) || typed[1] != mark() {
				t.Fatalf("marks %q: each change must move the mark, and only a change", marks)
			}
		})
	}
}
