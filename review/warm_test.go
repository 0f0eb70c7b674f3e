package review

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestWarmTotals: after WarmTotals the country's boxes are judged at the
// current change mark, so the first dashboard after a start waits for
// nothing.
func TestWarmTotals(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, store := storagetest.Backends()[0].Open(t, log)
	t.Cleanup(func() { db.Close() })
	svc := NewService(db, store, log)
	mark, err := svc.ChangeMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := "boxes\x00" + DefaultForm
	if svc.shared.peek(mark, key) != nil {
		t.Fatal("the totals are judged before WarmTotals")
	}
	if err := svc.WarmTotals(ctx); err != nil {
		t.Fatal(err)
	}
	c := svc.shared.peek(mark, key)
	if c == nil {
		t.Fatal("the country's boxes are not judged after WarmTotals")
	}
	if _, err := c.wait(ctx); err != nil {
		t.Fatal(err)
	}
}
