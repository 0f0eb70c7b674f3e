package storage_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestDeadlockIsRetryable makes PostgreSQL end a real deadlock: two
// transactions each lock a sheet the other then asks for. The one it aborts
// must say storage is unavailable for now, which the API answers with a 503
// to retry and the worker with a snooze, not a 500.
func TestDeadlockIsRetryable(t *testing.T) {
	ctx := context.Background()
	db, err := storage.OpenPostgres(ctx, storagetest.PostgresURL(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := time.Date(2026, 5, 14, 21, 0, 0, 0, time.UTC)
	err = db.InTx(ctx, func(tx *storage.Tx) error {
		uid, err := tx.CreateUser(ctx, storage.User{Name: "gözlemci", Role: "observer", CreatedAt: at})
		if err != nil {
			return err
		}
		for _, id := range []string{"a", "b"} {
			if err := tx.InsertSheet(ctx, storage.Sheet{ID: id, SHA256: id, ContentType: "image/jpeg", Form: "cb-2023",
				Status: "queued", UploadedBy: uid, CreatedAt: at, UpdatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var both sync.WaitGroup // each holds its first lock before either asks for its second
	both.Add(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() {
			errs[i] = db.InTx(ctx, func(tx *storage.Tx) error {
				if _, err := tx.SheetForUpdate(ctx, order[0]); err != nil {
					return err
				}
				both.Done()
				both.Wait()
				_, err := tx.SheetForUpdate(ctx, order[1])
				return err
			})
		})
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("errors %v, want one transaction ended by the deadlock", errs)
	}
	if !errors.Is(failed[0], storage.ErrUnavailable) {
		t.Fatalf("deadlock error %v is not ErrUnavailable", failed[0])
	}
}
