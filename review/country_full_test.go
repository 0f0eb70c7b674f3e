package review

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestCountryBoxesJudgedAnew: a change the custody chain does not carry (a
// row written by hand in the database) stays out of the kept boxes only
// until fullJudgeEvery has passed; then the next change judges the whole
// country from a scan, and the row is in.
func TestCountryBoxesJudgedAnew(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db, store := b.Open(t, log)
			t.Cleanup(func() { db.Close() })
			svc := NewService(db, store, log)
			now := time.Date(2026, 5, 14, 21, 0, 0, 0, time.UTC)
			svc.now = func() time.Time { return now }
			entry, _, err := svc.CreateUser(ctx, NewUser{Name: "veri", Role: Entry})
			if err != nil {
				t.Fatal(err)
			}
			lawyer := User{Role: Lawyer}
			byHand := func(sandikNo string, at time.Time) {
				t.Helper()
				err := db.InTx(ctx, func(tx *storage.Tx) error {
					return tx.Exec(ctx, `INSERT INTO box_typed (form, il, ilce, sandik_no, counts, entered_by, updated_at)
						VALUES (?, 'İZMİR', 'GAZİEMİR', ?, '{"aday_1":1}', ?, ?)`, DefaultForm, sandikNo, entry.ID, at)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			boxes := func() []string {
				t.Helper()
				out, err := svc.Boxes(ctx, lawyer, DefaultForm, "")
				if err != nil {
					t.Fatal(err)
				}
				var nos []string
				for _, b := range out {
					nos = append(nos, b.Box.SandikNo)
				}
				return nos
			}

			if got := boxes(); len(got) != 0 {
				t.Fatalf("boxes of an empty election: %v", got)
			}
			byHand("1", now.Add(time.Second))
			now = now.Add(fullJudgeEvery / 2)
			if got := boxes(); len(got) != 0 {
				t.Fatalf("a row no custody entry names is in the kept boxes at once: %v", got)
			}
			byHand("2", now.Add(time.Second))
			now = now.Add(fullJudgeEvery/2 + time.Second)
			if got := boxes(); len(got) != 2 || got[0] != "1" || got[1] != "2" {
				t.Fatalf("after %v the boxes are %v, want both rows written by hand", fullJudgeEvery, got)
			}
		})
	}
}
