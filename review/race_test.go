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
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// pgRace runs transactions against each other on PostgreSQL, where READ
// COMMITTED lets them interleave: one connection holds the custody lock,
// which every change takes last, so that all are under way before any
// commits; another watches them wait.
type pgRace struct {
	t     *testing.T
	url   string
	hold  pgx.Tx
	watch *pgx.Conn
}

const raceApp = "tutanak_race"

// newRaceEnv returns a service on PostgreSQL (and a disk store) whose
// connections the race can tell apart, without OCR workers.
func newRaceEnv(t *testing.T) (env, *pgRace) {
	t.Helper()
	ctx := context.Background()
	url := storagetest.PostgresURL(t) + "&application_name=" + raceApp
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Room in the pool for every transaction besides River's own
	// connections: waiting for a connection is no lock wait.
	db, err := storage.OpenPostgres(ctx, url+"&pool_max_conns=16", log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := storage.NewDiskStore(filepath.Join(t.TempDir(), "objects"), storage.Retention{Period: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	svc := review.NewService(db, store, log)
	return env{svc: svc, db: db, store: store, reader: &fakeReader{values: photoFigures()}, dir: t.TempDir()}, &pgRace{t: t, url: url}
}

// start takes the custody lock.
func (r *pgRace) start() {
	r.t.Helper()
	ctx := context.Background()
	hold, err := pgx.Connect(ctx, r.url)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { hold.Close(ctx) })
	if r.hold, err = hold.Begin(ctx); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.hold.Exec(ctx, `LOCK TABLE custody IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		r.t.Fatal(err)
	}
	// Watched from a connection of its own: inside a transaction,
	// pg_stat_activity is one snapshot.
	if r.watch, err = pgx.Connect(ctx, storagetest.PostgresURL(r.t)); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { r.watch.Close(ctx) })
}

// waitFor returns once n of the service's transactions wait on a lock.
func (r *pgRace) waitFor(n int) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var c int
		if err := r.watch.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock'`, raceApp).Scan(&c); err != nil {
			r.t.Fatal(err)
		}
		if c >= n {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d transactions waiting on a lock, want %d", c, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// release lets them all commit.
func (r *pgRace) release() {
	r.t.Helper()
	if err := r.hold.Commit(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// TestDecisionRacingRetype runs a lawyer's last decision on a sheet while
// the box's figures are typed again. The retyping reopens a field; the
// decision must not store "resolved" over that, or the sheet would leave
// the review queue with a field nobody decided.
func TestDecisionRacingRetype(t *testing.T) {
	ctx := context.Background()
	e, race := newRaceEnv(t)
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

	race.start()
	errs := make(chan error, 2)
	go func() { // aday_4 typed again: 11 becomes 12, which the photo does not show
		_, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: withFigures(right, "aday_2", 40, "aday_4", 12)})
		errs <- err
	}()
	race.waitFor(1)
	go func() {
		_, err := e.svc.Decide(ctx, lawyer, v.ID, review.DecisionInput{Field: "aday_1", Kind: review.ConfirmTyped})
		errs <- err
	}()
	race.waitFor(2)
	race.release()
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

// TestReadingRacingTypedFigures saves a photo's reading while figures are
// typed for it, by box or for the sheet itself. Whichever commits first,
// the verdict must be checked against the typed figures: a verdict from
// the photo alone would pass a typing error nobody looked at.
func TestReadingRacingTypedFigures(t *testing.T) {
	ctx := context.Background()
	for _, variant := range []string{"by box", "for the sheet"} {
		t.Run(variant, func(t *testing.T) {
			e, race := newRaceEnv(t)
			obs := e.user(t, "gözlemci", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "İzmir")
			box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "21"}
			res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("a photo read while typed: "+variant)), Form: "cb-2023", Box: box})
			if err != nil {
				t.Fatal(err)
			}
			typed := withFigures(photoFigures(), "aday_2", 40) // the photo shows 3
			race.start()
			work := make(chan error, 1)
			go func() {
				job := &river.Job[review.OCRArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: review.OCRArgs{SheetID: res.ID}}
				work <- review.NewOCRWorker(e.svc, e.reader).Work(ctx, job)
			}()
			race.waitFor(1)
			errs := make(chan error, 1)
			go func() {
				var err error
				if variant == "by box" {
					_, err = e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: typed})
				} else {
					_, err = e.svc.SetTyped(ctx, obs, res.ID, typed)
				}
				errs <- err
			}()
			race.waitFor(2)
			race.release()
			if err := <-work; err != nil {
				t.Fatal(err)
			}
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			v, err := e.svc.Sheet(ctx, obs, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			if f := v.Fields["aday_2"]; v.Status != "flagged" || f.Typed == nil || *f.Typed != 40 || f.Status != "mismatch" {
				t.Fatalf("verdict %s, aday_2 %+v; want flagged, typed 40 against the photo's 3", v.Status, f)
			}
		})
	}
}
