package review

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestWarmTotals: after WarmTotals the country's boxes are judged and kept,
// so the first dashboard after a start waits for nothing.
func TestWarmTotals(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, store := storagetest.Backends()[0].Open(t, log)
	t.Cleanup(func() { db.Close() })
	svc := NewService(db, store, log)
	if !svc.CountryJudgedInFull(DefaultForm).IsZero() {
		t.Fatal("the totals are judged before WarmTotals")
	}
	if err := svc.WarmTotals(ctx); err != nil {
		t.Fatal(err)
	}
	if svc.CountryJudgedInFull(DefaultForm).IsZero() {
		t.Fatal("the country's boxes are not judged after WarmTotals")
	}
}
