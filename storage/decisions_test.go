package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
)

func TestDecisions(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 14, 22, 0, 0, 0, time.UTC)
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			var userID int64
			err := db.InTx(ctx, func(tx *storage.Tx) error {
				var err error
				userID, err = tx.CreateUser(ctx, storage.User{Name: "avukat", Role: "lawyer", CreatedAt: at})
				if err != nil {
					return err
				}
				for i, sh := range []storage.Sheet{
					{ID: "new", SHA256: "a", Il: "İZMİR", CreatedAt: at.Add(time.Minute)},
					{ID: "old", SHA256: "b", Il: "İZMİR", CreatedAt: at},
					{ID: "ankara", SHA256: "c", Il: "ANKARA", CreatedAt: at.Add(-time.Minute)},
					{ID: "done", SHA256: "d", Il: "İZMİR", CreatedAt: at.Add(-time.Hour)},
				} {
					sh.Size, sh.ContentType, sh.Form, sh.Status, sh.UploadedBy, sh.UpdatedAt = int64(i), "image/png", "cb-2023", "flagged", userID, at
					if err := tx.InsertSheet(ctx, sh); err != nil {
						return err
					}
					state := "open"
					if sh.ID == "done" {
						state = "resolved"
					}
					if err := tx.SetSheetReviewState(ctx, sh.ID, state); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			cases := []struct {
				name string
				f    storage.QueueFilter
				want []string
			}{
				{"all provinces, oldest first", storage.QueueFilter{Status: "flagged", ReviewState: "open"}, []string{"ankara", "old", "new"}},
				{"one province", storage.QueueFilter{Status: "flagged", ReviewState: "open", Il: "İZMİR"}, []string{"old", "new"}},
				{"resolved", storage.QueueFilter{Status: "flagged", ReviewState: "resolved"}, []string{"done"}},
				{"limit", storage.QueueFilter{Status: "flagged", ReviewState: "open", Limit: 1}, []string{"ankara"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var got []string
					err := db.View(ctx, func(tx *storage.Tx) error {
						list, err := tx.ReviewQueue(ctx, c.f)
						for _, sh := range list {
							got = append(got, sh.ID)
						}
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != len(c.want) {
						t.Fatalf("queue = %v, want %v", got, c.want)
					}
					for i := range got {
						if got[i] != c.want[i] {
							t.Fatalf("queue = %v, want %v", got, c.want)
						}
					}
				})
			}

			t.Run("AppendOnly", func(t *testing.T) {
				v, typed := int64(84), int64(48)
				var ids []int64
				for _, d := range []storage.Decision{
					{SheetID: "old", Field: "aday_1", Kind: "accept_read", Value: &v, Typed: &typed, Read: &v, Note: "okunan doğru"},
					{SheetID: "old", Field: "aday_1", Kind: "object", Note: "itiraz"},
				} {
					d.UserID, d.Actor, d.CreatedAt = userID, "user:1:avukat", at
					err := db.InTx(ctx, func(tx *storage.Tx) error {
						id, err := tx.InsertDecision(ctx, d)
						ids = append(ids, id)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				if ids[1] <= ids[0] {
					t.Fatalf("ids %v do not grow", ids)
				}
				for _, q := range []string{`UPDATE decisions SET note = 'x'`, `DELETE FROM decisions`} {
					if err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.Exec(ctx, q) }); err == nil {
						t.Errorf("%s succeeded on append-only decisions", q)
					}
				}
				err := db.View(ctx, func(tx *storage.Tx) error {
					ds, err := tx.Decisions(ctx, "old")
					if err != nil {
						return err
					}
					if len(ds) != 2 || ds[0].Kind != "accept_read" || *ds[0].Value != 84 || *ds[0].Typed != 48 ||
						ds[1].Value != nil || ds[1].Note != "itiraz" || !ds[1].CreatedAt.Equal(at) {
						t.Errorf("decisions = %+v", ds)
					}
					other, err := tx.Decisions(ctx, "new")
					if err != nil || len(other) != 0 {
						t.Errorf("decisions of another sheet = %+v, %v", other, err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
