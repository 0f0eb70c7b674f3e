package storage_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// databases opens each dialect, fresh, for the conformance suite.
func databases() map[string]func(t *testing.T) *storage.DB {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return map[string]func(t *testing.T) *storage.DB{
		"sqlite": func(t *testing.T) *storage.DB {
			db, err := storage.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"), log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(t *testing.T) *storage.DB {
			db, err := storage.OpenPostgres(context.Background(), storagetest.PostgresURL(t), log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

type noopArgs struct{ N int }

func (noopArgs) Kind() string { return "noop" }

func TestDB(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 14, 21, 3, 4, 123456789, time.UTC)
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			var userID int64
			t.Run("Users", func(t *testing.T) {
				err := db.InTx(ctx, func(tx *storage.Tx) error {
					var err error
					userID, err = tx.CreateUser(ctx, storage.User{Name: "ayşe", Role: "observer", Province: "İZMİR", PasswordHash: "h", CreatedAt: at})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				err = db.InTx(ctx, func(tx *storage.Tx) error {
					_, err := tx.CreateUser(ctx, storage.User{Name: "ayşe", Role: "lawyer", CreatedAt: at})
					return err
				})
				if !errors.Is(err, storage.ErrDuplicate) {
					t.Fatalf("second ayşe: %v, want ErrDuplicate", err)
				}
				err = db.View(ctx, func(tx *storage.Tx) error {
					u, err := tx.UserByName(ctx, "ayşe")
					if err != nil {
						return err
					}
					if u.ID != userID || u.Province != "İZMİR" || !u.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
						t.Errorf("user = %+v", u)
					}
					if err := tx.CreateToken(ctx, storage.Token{ID: "tok1", UserID: userID, SecretHash: "s", CreatedAt: at}); err != nil {
						return err
					}
					tok, err := tx.TokenByID(ctx, "tok1")
					if err != nil || tok.UserID != userID {
						t.Errorf("token = %+v, %v", tok, err)
					}
					if _, err := tx.TokenByID(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
						t.Errorf("missing token: %v", err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			t.Run("Sheets", func(t *testing.T) {
				sheet := storage.Sheet{ID: "s1", SHA256: "abc", Size: 10, ContentType: "image/jpeg", Form: "cb-2023",
					Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1631", Status: "queued", UploadedBy: userID,
					Typed: []byte(`{"aday_1":3}`), CreatedAt: at, UpdatedAt: at}
				err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertSheet(ctx, sheet) })
				if err != nil {
					t.Fatal(err)
				}
				dup := sheet
				dup.ID = "s2"
				err = db.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertSheet(ctx, dup) })
				if !errors.Is(err, storage.ErrDuplicate) {
					t.Fatalf("same sha256: %v, want ErrDuplicate", err)
				}
				seven, one := int64(7), int64(1)
				err = db.InTx(ctx, func(tx *storage.Tx) error {
					if err := tx.SaveReading(ctx, "s1", []byte(`{"form":"cb-2023"}`), at); err != nil {
						return err
					}
					return tx.SaveResult(ctx, "s1", "flagged", []byte(`{"verdict":"flagged"}`), []storage.SheetField{
						{Field: "aday_1", Value: &seven, Confidence: 0.9, Typed: &one, Status: "mismatch"},
						{Field: "aday_2", Confidence: 0, Status: "unreadable"},
					}, at.Add(time.Second))
				})
				if err != nil {
					t.Fatal(err)
				}
				err = db.View(ctx, func(tx *storage.Tx) error {
					got, err := tx.SheetBySHA256(ctx, "abc")
					if err != nil {
						return err
					}
					if got.ID != "s1" || got.Status != "flagged" || string(got.Result) != `{"verdict":"flagged"}` ||
						string(got.Typed) != `{"aday_1":3}` || !got.UpdatedAt.Equal(at.Add(time.Second).Truncate(time.Microsecond)) {
						t.Errorf("sheet = %+v", got)
					}
					fields, err := tx.SheetFields(ctx, "s1")
					if err != nil {
						return err
					}
					if len(fields) != 2 || *fields[0].Value != 7 || *fields[0].Typed != 1 || fields[1].Value != nil {
						t.Errorf("fields = %+v", fields)
					}
					list, err := tx.Sheets(ctx, storage.SheetFilter{Il: "İZMİR"})
					if err != nil || len(list) != 1 {
						t.Errorf("İZMİR sheets = %d, %v", len(list), err)
					}
					list, err = tx.Sheets(ctx, storage.SheetFilter{Il: "ANKARA"})
					if err != nil || len(list) != 0 {
						t.Errorf("ANKARA sheets = %d, %v", len(list), err)
					}
					if _, err := tx.SheetByID(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
						t.Errorf("missing sheet: %v", err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			t.Run("BoxTyped", func(t *testing.T) {
				for _, counts := range []string{`{"a":1}`, `{"a":2}`} {
					err := db.InTx(ctx, func(tx *storage.Tx) error {
						return tx.PutBoxTyped(ctx, storage.BoxTyped{Form: "cb-2023", Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1631",
							Counts: []byte(counts), EnteredBy: userID, UpdatedAt: at})
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				err := db.View(ctx, func(tx *storage.Tx) error {
					b, err := tx.BoxTypedFor(ctx, "cb-2023", "İZMİR", "GAZİEMİR", "1631")
					if err != nil {
						return err
					}
					if string(b.Counts) != `{"a":2}` {
						t.Errorf("counts = %s", b.Counts)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			t.Run("CustodyAppendOnly", func(t *testing.T) {
				err := db.InTx(ctx, func(tx *storage.Tx) error {
					last, err := tx.LockCustody(ctx)
					if err != nil {
						return err
					}
					if last.Seq != 0 {
						t.Errorf("last seq = %d on empty log", last.Seq)
					}
					return tx.AppendCustody(ctx, storage.CustodyEntry{Seq: 1, At: at, Actor: "a", Action: "upload", SubjectHash: "x", PrevHash: "", Hash: "h1"})
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, q := range []string{`UPDATE custody SET actor = 'b'`, `DELETE FROM custody`} {
					if err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.Exec(ctx, q) }); err == nil {
						t.Errorf("%s succeeded on the append-only log", q)
					}
				}
				var n int
				err = db.View(ctx, func(tx *storage.Tx) error {
					return tx.Custody(ctx, "", func(e storage.CustodyEntry) error {
						n++
						if e.Actor != "a" || !e.At.Equal(at.Truncate(time.Microsecond)) {
							t.Errorf("entry = %+v", e)
						}
						return nil
					})
				})
				if err != nil || n != 1 {
					t.Fatalf("entries = %d, %v", n, err)
				}
			})
			t.Run("JobInSameTransaction", func(t *testing.T) {
				boom := errors.New("boom")
				err := db.InTx(ctx, func(tx *storage.Tx) error {
					if err := tx.InsertJob(ctx, noopArgs{N: 1}, nil); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatal(err)
				}
				done := make(chan int, 4)
				workers := river.NewWorkers()
				river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[noopArgs]) error {
					done <- j.Args.N
					return nil
				}))
				err = db.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertJob(ctx, noopArgs{N: 2}, nil) })
				if err != nil {
					t.Fatal(err)
				}
				q, err := db.StartWorkers(ctx, workers, storage.QueueConfig{PollInterval: 50 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				defer q.Stop(ctx)
				select {
				case n := <-done:
					if n != 2 {
						t.Fatalf("worked job %d; the rolled-back job 1 must not exist", n)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("job not worked")
				}
			})
			t.Run("ReopenKeepsData", func(t *testing.T) {
				if err := db.Ping(ctx); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := storage.OpenSQLite(ctx, path, log)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *storage.Tx) error {
		_, err := tx.CreateUser(ctx, storage.User{Name: "x", Role: "admin", CreatedAt: time.Now()})
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = storage.OpenSQLite(ctx, path, log)
	if err != nil {
		t.Fatalf("reopen (migrations again): %v", err)
	}
	defer db.Close()
	if err := db.View(ctx, func(tx *storage.Tx) error { _, err := tx.UserByName(ctx, "x"); return err }); err != nil {
		t.Fatal(err)
	}
}

// Serve and its workers start at once against one new PostgreSQL database:
// every one of them must come up, the migrations applied once.
func TestOpenPostgresConcurrently(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for round := range 3 {
		url := storagetest.PostgresURL(t)
		const procs = 4
		errs := make(chan error, procs)
		start := make(chan struct{})
		for range procs {
			go func() {
				<-start
				db, err := storage.OpenPostgres(ctx, url, log)
				if err == nil {
					db.Close()
				}
				errs <- err
			}()
		}
		close(start)
		for range procs {
			if err := <-errs; err != nil {
				t.Errorf("round %d: open: %v", round, err)
			}
		}
	}
}

// A SIGTERM cancels the context the workers were started with: the running
// job must go on until Stop, and be cancelled only when Stop's own time runs
// out.
func TestQueueStopLetsJobsFinish(t *testing.T) {
	for name, open := range databases() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			type outcome struct {
				n   int
				err error
			}
			started, done := make(chan int, 2), make(chan outcome, 2)
			release := map[int]chan struct{}{1: make(chan struct{}), 2: make(chan struct{})} // 2 is never released
			workers := river.NewWorkers()
			river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[noopArgs]) error {
				started <- j.Args.N
				select {
				case <-release[j.Args.N]:
				case <-ctx.Done():
				}
				done <- outcome{j.Args.N, ctx.Err()}
				return ctx.Err()
			}))
			startCtx, sigterm := context.WithCancel(context.Background())
			q, err := db.StartWorkers(startCtx, workers, storage.QueueConfig{Workers: 1, PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertJob(ctx, noopArgs{N: 1}, nil) }); err != nil {
				t.Fatal(err)
			}
			<-started
			sigterm()
			stopped := make(chan error, 1)
			go func() { stopped <- q.Stop(ctx) }()
			select {
			case o := <-done:
				t.Fatalf("job %d ended before it was let finish: %v", o.n, o.err)
			case <-time.After(300 * time.Millisecond):
			}
			close(release[1])
			if o := <-done; o.err != nil {
				t.Errorf("job %d: %v, want it to finish", o.n, o.err)
			}
			if err := <-stopped; err != nil {
				t.Errorf("Stop: %v", err)
			}

			// A job that outlasts Stop's time is cancelled, and Stop returns.
			q, err = db.StartWorkers(ctx, workers, storage.QueueConfig{Workers: 1, PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertJob(ctx, noopArgs{N: 2}, nil) }); err != nil {
				t.Fatal(err)
			}
			<-started
			stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			if err := q.Stop(stopCtx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Stop = %v, want the deadline", err)
			}
			if o := <-done; o.err == nil {
				t.Errorf("job %d not cancelled after Stop's time", o.n)
			}
		})
	}
}
