package review_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestDecisionRacingRetype runs, on PostgreSQL, a lawyer's last decision on
// a sheet while the box's figures are typed again. The retyping reopens a
// field; the decision must not store "resolved" over that, or the sheet
// would leave the review queue with a field nobody decided. A third
// connection holds the custody lock, which both transactions take last, so
// that both are under way before either commits.
func TestDecisionRacingRetype(t *testing.T) {
	ctx := context.Background()
	// Room in the pool for both transactions besides River's own
	// connections: waiting for a connection is no lock wait, and the test
	// waits for two of those.
	url := storagetest.PostgresURL(t) + "&application_name=tutanak_race"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := storage.OpenPostgres(ctx, url+"&pool_max_conns=16", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := storage.NewDiskStore(filepath.Join(t.TempDir(), "objects"), storage.Retention{Period: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e := env{svc: review.NewService(db, store, log), db: db, store: store, reader: &fakeReader{}, dir: t.TempDir()}
	e.startWorkers(t)
	obs := e.user(t, "gözlemci", review.Observer, "")
	entry := e.user(t, "veri", review.Entry, "İzmir")
	lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
	right := truth()
	box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "20"}
	if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: withFigures(right, "aday_2", 40)}); err != nil {
		t.Fatal(err)
	}
	v := e.sheetOf(t, obs, "Gaziemir", "20", right, nil)
	d, err := e.svc.Decisions(ctx, lawyer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.Flagged, "aday_1") || !slices.Contains(d.Flagged, "aday_4") {
		t.Fatalf("flagged %v; the test needs aday_1 and aday_4 among them", d.Flagged)
	}
	for _, f := range d.Flagged {
		if f != "aday_1" {
			decide(t, e, lawyer, v.ID, review.DecisionInput{Field: f, Kind: review.AcceptRead})
		}
	}

	lock, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(ctx)
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE custody IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var c int
			if err := lock.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE application_name = 'tutanak_race' AND wait_event_type = 'Lock'`).Scan(&c); err != nil {
				t.Fatal(err)
			}
			if c >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d transactions waiting on a lock, want %d", c, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	errs := make(chan error, 2)
	go func() { // aday_4 typed again: 11 becomes 12, which the photo does not show
		_, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: withFigures(right, "aday_2", 40, "aday_4", 12)})
		errs <- err
	}()
	waiting(1)
	go func() {
		_, err := e.svc.Decide(ctx, lawyer, v.ID, review.DecisionInput{Field: "aday_1", Kind: review.ConfirmTyped})
		errs <- err
	}()
	waiting(2)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sv, err := e.svc.Sheet(ctx, lawyer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err = e.svc.Decisions(ctx, lawyer, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	queue, err := e.svc.ReviewQueue(ctx, lawyer, 100)
	if err != nil {
		t.Fatal(err)
	}
	inQueue := slices.ContainsFunc(queue, func(x review.SheetView) bool { return x.ID == v.ID })
	if d.ReviewState != review.ReviewOpen || !slices.Contains(d.Undecided, "aday_4") || sv.ReviewState != d.ReviewState || !inQueue {
		t.Fatalf("stored review state %q, recomputed %q with undecided %v, in the queue %t; want open everywhere, aday_4 undecided",
			sv.ReviewState, d.ReviewState, d.Undecided, inQueue)
	}
}
