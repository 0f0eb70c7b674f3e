package review_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// openFunc stands in for a store's OpenOriginal.
type openFunc func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error)

// faultyStore is a store whose originals open as open says.
type faultyStore struct {
	storage.ObjectStore
	open openFunc
}

func (s faultyStore) OpenOriginal(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
	return s.open(ctx, sum)
}

// failingBody is an original that opened fine and fails when read, as an
// S3 body does when the GET sent by its first Read is refused.
type failingBody struct{ err error }

func (b failingBody) Read([]byte) (int, error) { return 0, b.err }
func (b failingBody) Close() error             { return nil }

// stuckReader reads no photo before its context ends, as a reader that
// outlasts River's job timeout.
type stuckReader struct{}

func (stuckReader) Read(ctx context.Context, form *ocr.Form, img []byte) (*ocr.Reading, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("tesseract: %w", ctx.Err())
}

// panickingReader dies on every photo, as a reader that takes its worker
// process down would.
type panickingReader struct{}

func (panickingReader) Read(ctx context.Context, form *ocr.Form, img []byte) (*ocr.Reading, error) {
	panic("reader crashed")
}

// retryNow runs a failed job again at once, so that a test sees River use
// up its attempts.
type retryNow struct{}

func (retryNow) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// lateReader reads a photo only once its context has ended, as a reader
// that finishes just past River's job timeout.
type lateReader struct{ r review.SheetReader }

func (l lateReader) Read(ctx context.Context, form *ocr.Form, img []byte) (*ocr.Reading, error) {
	<-ctx.Done()
	return l.r.Read(context.WithoutCancel(ctx), form, img)
}

// serviceOn is e's service over another store.
func serviceOn(e env, store storage.ObjectStore) *review.Service {
	svc := review.NewService(e.db, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.SetSigningKey(testKey)
	return svc
}

// work runs one attempt of a sheet's OCR job, as River would.
func work(ctx context.Context, svc *review.Service, reader review.SheetReader, id string, attempt int) error {
	return review.NewOCRWorker(svc, reader).Work(ctx, &river.Job[review.OCRArgs]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}, Args: review.OCRArgs{SheetID: id}})
}

func isSnooze(err error) bool {
	var snooze *rivertype.JobSnoozeError
	return errors.As(err, &snooze)
}

func reasonCodes(v review.SheetView) []string {
	codes := []string{}
	for _, r := range v.Reasons {
		codes = append(codes, r.Code)
	}
	return codes
}

// upload sends a photo without a box and returns its sheet's id.
func upload(t *testing.T, e env, u review.User, data string) review.UploadResult {
	t.Helper()
	res, err := e.svc.Upload(context.Background(), u, review.Upload{Photo: e.photo(t, []byte(data)), Form: "cb-2023"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestOCRWorker(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Run("ReadingOutlastsTheLastAttempt", func(t *testing.T) {
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				res := upload(t, e, obs, "a photo read past the job's timeout")
				jobCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				if err := work(jobCtx, e.svc, stuckReader{}, res.ID, 5); err != nil {
					t.Fatalf("last attempt = %v (snooze %v), want the sheet recorded unreadable", err, isSnooze(err))
				}
				v, err := e.svc.Sheet(ctx, obs, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != "unreadable" || !slices.Equal(reasonCodes(v), []string{"read_failed"}) {
					t.Fatalf("sheet %s, reasons %v; want unreadable, read_failed", v.Status, reasonCodes(v))
				}
				if last := v.History[len(v.History)-1]; last.Action != review.ActionOCRResult {
					t.Errorf("last custody entry = %+v, want ocr_result", last)
				}
			})
			t.Run("ReadingDoneAsTheJobEnds", func(t *testing.T) {
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				res := upload(t, e, obs, "a photo read just as the job's time runs out")
				jobCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				if err := work(jobCtx, e.svc, lateReader{e.reader}, res.ID, 1); err != nil {
					t.Fatalf("work = %v (snooze %v), want the reading kept", err, isSnooze(err))
				}
				if v, err := e.svc.Sheet(ctx, obs, res.ID); err != nil || v.Status != "verified" {
					t.Fatalf("sheet %s, %v; want verified", v.Status, err)
				}
			})
			t.Run("JobDeadlineIsNoOutage", func(t *testing.T) {
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				res := upload(t, e, obs, "a photo the store sends past the job's timeout")
				// The store answers only once the job's time is up, with the
				// error storage gives any call on a context that has ended.
				svc := serviceOn(e, faultyStore{e.store, func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
					<-ctx.Done()
					err := e.db.View(ctx, func(tx *storage.Tx) error { _, err := tx.SheetBySHA256(ctx, sum); return err })
					if !errors.Is(err, storage.ErrUnavailable) {
						t.Errorf("storage gives %v for a call past its context's deadline; this test expects ErrUnavailable", err)
					}
					return nil, storage.ObjectInfo{}, fmt.Errorf("open original: %w", err)
				}})
				jobCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				// The attempt is spent: a snooze would give it back for ever.
				if err := work(jobCtx, svc, e.reader, res.ID, 1); err == nil || isSnooze(err) {
					t.Fatalf("work = %v, want an error that costs the attempt", err)
				}
			})
			t.Run("LastAttemptEndsBeforeTheReading", func(t *testing.T) {
				// A store too slow for the job's time on every attempt: after
				// the last one River discards the job, and the sheet must not
				// stay processing with nobody told.
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				const data = "a photo the store sends too slowly on every attempt"
				res := upload(t, e, obs, data)
				svc := serviceOn(e, faultyStore{e.store, func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
					<-ctx.Done()
					return nil, storage.ObjectInfo{}, fmt.Errorf("open original: %w", ctx.Err())
				}})
				for attempt := 1; attempt <= 5; attempt++ {
					jobCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
					err := work(jobCtx, svc, e.reader, res.ID, attempt)
					cancel()
					if last := attempt == 5; (err == nil) != last || isSnooze(err) {
						t.Fatalf("attempt %d = %v (snooze %v); want an error that costs the attempt, and none on the last", attempt, err, isSnooze(err))
					}
				}
				v, err := e.svc.Sheet(ctx, obs, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != "unreadable" || !slices.Equal(reasonCodes(v), []string{"not_processed"}) || v.Reasons[0].TR == "" || v.Reasons[0].EN == "" {
					t.Fatalf("sheet %s, reasons %+v; want unreadable, not_processed", v.Status, v.Reasons)
				}
				// Told to, the observer sends the same photo again: it is read.
				again, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte(data)), Form: "cb-2023"})
				if err != nil || again.Status != "queued" {
					t.Fatalf("sent again: %+v, %v; want queued", again, err)
				}
				if err := work(ctx, e.svc, e.reader, res.ID, 1); err != nil {
					t.Fatal(err)
				}
				if v, err := e.svc.Sheet(ctx, obs, res.ID); err != nil || v.Status != "verified" {
					t.Fatalf("after sending again: %s, %v; want verified", v.Status, err)
				}
			})
			t.Run("StrandedByACrashOnTheLastAttempt", func(t *testing.T) {
				// A worker process that dies on a job's last attempt leaves the
				// job to River's rescuer, which discards it: no outcome is
				// recorded. A reader that panics on every attempt ends the same
				// way (River recovers the panic past Work), quickly.
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				res := upload(t, e, obs, "a photo whose every reading dies")
				if n, err := e.svc.SweepStranded(ctx); err != nil || n != 0 {
					t.Fatalf("sweep while the job waits: %d, %v; want 0", n, err)
				}
				workers := river.NewWorkers()
				review.NewOCRWorker(e.svc, panickingReader{}).Register(workers)
				q, err := e.db.StartWorkers(ctx, workers, storage.QueueConfig{PollInterval: 50 * time.Millisecond, RetryPolicy: retryNow{}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { q.Stop(context.Background()) })
				deadline := time.Now().Add(30 * time.Second)
				for {
					n, err := e.svc.SweepStranded(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if n == 1 {
						break
					}
					if time.Now().After(deadline) {
						v, _ := e.svc.Sheet(ctx, obs, res.ID)
						t.Fatalf("sheet %s never swept", v.Status)
					}
					time.Sleep(20 * time.Millisecond)
				}
				v, err := e.svc.Sheet(ctx, obs, res.ID)
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != "unreadable" || !slices.Equal(reasonCodes(v), []string{"not_processed"}) {
					t.Fatalf("sheet %s, reasons %v; want unreadable, not_processed", v.Status, reasonCodes(v))
				}
				if n, err := e.svc.SweepStranded(ctx); err != nil || n != 0 {
					t.Fatalf("second sweep: %d, %v; want 0", n, err)
				}
				if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
					t.Errorf("custody: %+v, %v", rep, err)
				}
			})
			t.Run("OriginalMissing", func(t *testing.T) {
				cases := []struct {
					name string
					open openFunc
				}{
					{"not in the store", func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
						return nil, storage.ObjectInfo{}, fmt.Errorf("original %s: %w", sum, storage.ErrNotFound)
					}},
					{"gone while read", func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
						return failingBody{fmt.Errorf("original %s: %w", sum, storage.ErrNotFound)}, storage.ObjectInfo{}, nil
					}},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						e := open(t, b, 0)
						obs := e.user(t, "gözlemci", review.Observer, "")
						res := upload(t, e, obs, "a photo whose original is lost: "+c.name)
						svc := serviceOn(e, faultyStore{e.store, c.open})
						for attempt := 1; attempt <= 2; attempt++ {
							// A rerun finds the verdict and changes nothing.
							if err := work(ctx, svc, e.reader, res.ID, attempt); err != nil {
								t.Fatalf("attempt %d = %v, want the sheet recorded as missing its original", attempt, err)
							}
						}
						checkOriginalMissing(t, e, obs, res.ID)

						// The observer sends the same photo again, as told: the
						// original is stored, the custody log says so, and the
						// sheet is read.
						again, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte("a photo whose original is lost: "+c.name)), Form: "cb-2023"})
						if err != nil || again.ID != res.ID || again.Status != "queued" {
							t.Fatalf("sent again: %+v, %v; want sheet %s queued", again, err, res.ID)
						}
						if err := work(ctx, e.svc, e.reader, res.ID, 1); err != nil {
							t.Fatal(err)
						}
						v, err := e.svc.Sheet(ctx, obs, res.ID)
						if err != nil || v.Status != "verified" {
							t.Fatalf("after sending again: %s, %v; want verified", v.Status, err)
						}
						var actions []string
						for _, h := range v.History {
							actions = append(actions, h.Action)
						}
						if want := []string{"upload", "ocr_result", "upload", "ocr_result"}; !slices.Equal(actions, want) {
							t.Fatalf("history %v, want %v", actions, want)
						}
					})
				}
			})
			t.Run("SentAgainThroughTheQueue", func(t *testing.T) {
				// The same bytes sent again must be read again by River's
				// workers, not only by a job run by hand: the sheet's first
				// job completed, and a queue that took the new job for a
				// duplicate of it would leave the sheet queued for ever.
				e := open(t, b, 0)
				obs := e.user(t, "gözlemci", review.Observer, "")
				var lost atomic.Bool
				lost.Store(true)
				svc := serviceOn(e, faultyStore{e.store, func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
					if lost.Load() {
						return nil, storage.ObjectInfo{}, fmt.Errorf("original %s: %w", sum, storage.ErrNotFound)
					}
					return e.store.OpenOriginal(ctx, sum)
				}})
				env{svc: svc, db: e.db, store: e.store, reader: e.reader, dir: e.dir}.startWorkers(t)
				const data = "a photo lost from the store and sent again"
				first, err := svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte(data)), Form: "cb-2023"})
				if err != nil {
					t.Fatal(err)
				}
				waitVerdict(t, svc, obs, first.ID)
				checkOriginalMissing(t, e, obs, first.ID)
				lost.Store(false)
				if _, err := svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, []byte(data)), Form: "cb-2023"}); err != nil {
					t.Fatal(err)
				}
				if v := waitVerdict(t, svc, obs, first.ID); v.Status != "verified" {
					t.Fatalf("sent again: %s %v; want verified", v.Status, reasonCodes(v))
				}
			})
			t.Run("OriginalBodyFails", func(t *testing.T) {
				cases := []struct {
					name string
					err  error
				}{
					{"s3 slow down", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown", Message: "Please reduce your request rate."}},
					{"connection reset", errors.New("read tcp 127.0.0.1:50000->127.0.0.1:9000: read: connection reset by peer")},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						e := open(t, b, 0)
						obs := e.user(t, "gözlemci", review.Observer, "")
						res := upload(t, e, obs, "a photo the store fails to send: "+c.name)
						svc := serviceOn(e, faultyStore{e.store, func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
							rc, info, err := e.store.OpenOriginal(ctx, sum)
							if err != nil {
								return nil, info, err
							}
							rc.Close()
							return failingBody{c.err}, info, nil
						}})
						if err := work(ctx, svc, e.reader, res.ID, 1); !isSnooze(err) {
							t.Fatalf("work = %v, want the job snoozed: the store failed, not the sheet", err)
						}
						if v, err := e.svc.Sheet(ctx, obs, res.ID); err != nil || v.Status != "processing" {
							t.Fatalf("sheet %s, %v; want processing", v.Status, err)
						}
						if n := e.reader.calls.Load(); n != 0 {
							t.Errorf("reader called %d times without a photo", n)
						}
					})
				}
			})
			t.Run("HeaderBoxOutsideTheUploadersProvince", func(t *testing.T) {
				ankara := review.Box{Il: "ANKARA", Ilce: "ÇANKAYA", SandikNo: "7"}
				cases := []struct {
					name     string
					role     review.Role
					province string
					box      review.Box // the sheet's box after reading
					counted  int        // aday_1 in Ankara's totals
					// listed says the uploader's list of sheets has it: a
					// province's list holds the province's sheets, while the
					// uploader sees their own sheet by its id whatever its box.
					listed bool
				}{
					{"İzmir's entry user", review.Entry, "İzmir", review.Box{}, 0, false},
					{"İzmir's observer", review.Observer, "İzmir", review.Box{}, 0, true},
					{"entry user of no province", review.Entry, "", ankara, 84, true},
					{"Ankara's entry user", review.Entry, "Ankara", ankara, 84, true},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						e := setup(t, b, 0)
						e.reader.mu.Lock()
						e.reader.printed = map[string]string{"il": "Ankara", "ilce": "Çankaya", "sandik_no": "7"}
						e.reader.mu.Unlock()
						admin := e.user(t, "yönetici", review.Admin, "")
						u := e.user(t, "yükleyen", c.role, c.province)
						res := upload(t, e, u, "a photo of an Ankara box")
						v := waitVerdict(t, e.svc, admin, res.ID)
						if v.Box != c.box {
							t.Errorf("box = %+v, want %+v", v.Box, c.box)
						}
						if _, err := e.svc.Sheet(ctx, u, res.ID); err != nil {
							t.Errorf("the uploader cannot see the sheet: %v", err)
						}
						if list, err := e.svc.Sheets(ctx, u, review.SheetQuery{}); err != nil || (len(list) == 1) != c.listed {
							t.Errorf("the uploader's list: %d sheets, %v; want it listed %t", len(list), err, c.listed)
						}
						r, err := e.svc.Results(ctx, admin, review.ResultsQuery{Il: "Ankara"})
						if err != nil {
							t.Fatal(err)
						}
						if got := r.Total.Figures["aday_1"]; got != c.counted {
							t.Errorf("Ankara's aday_1 = %d, want %d", got, c.counted)
						}
					})
				}
			})
		})
	}
}

// checkOriginalMissing checks that the sheet says its original is missing,
// not that its photo is bad, with its custody entry.
func checkOriginalMissing(t *testing.T, e env, u review.User, id string) {
	t.Helper()
	v, err := e.svc.Sheet(context.Background(), u, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "unreadable" || len(v.Reasons) != 1 || v.Reasons[0].Code != "original_missing" ||
		v.Reasons[0].TR == "" || v.Reasons[0].EN == "" {
		t.Fatalf("sheet %s, reasons %+v; want unreadable, original_missing", v.Status, v.Reasons)
	}
	var results int
	for _, h := range v.History {
		if h.Action == review.ActionOCRResult {
			results++
		}
	}
	if results != 1 {
		t.Errorf("%d ocr_result custody entries, want 1", results)
	}
	if rep, err := e.svc.VerifyCustody(context.Background()); err != nil || !rep.OK() {
		t.Errorf("custody: %+v, %v", rep, err)
	}
}

// TestOCRWorkerS3OriginalDeleted deletes an original from S3 as an
// administrator can, bypassing governance retention: before the job opens
// it, and between GetObject, which sends nothing, and the first Read.
func TestOCRWorkerS3OriginalDeleted(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		after bool // deleted after OpenOriginal returned
	}{
		{"before the job", false},
		{"after it was opened", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			db, err := storage.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tutanak.db"), log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			cfg := storagetest.S3(t)
			s3, err := storage.NewS3Store(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			e := env{svc: review.NewService(db, s3, log), db: db, store: s3, reader: &fakeReader{values: photoFigures()}, dir: t.TempDir()}
			obs := e.user(t, "gözlemci", review.Observer, "")
			res := upload(t, e, obs, "a photo deleted from S3 "+c.name)
			remove := func(ctx context.Context, sum string) error {
				key := sum[:2] + "/" + sum
				for v := range s3.Client().ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
					if v.Err != nil {
						return v.Err
					}
					if err := s3.Client().RemoveObject(ctx, cfg.Bucket, key, minio.RemoveObjectOptions{VersionID: v.VersionID, GovernanceBypass: true}); err != nil {
						return err
					}
				}
				return nil
			}
			store := storage.ObjectStore(s3)
			if c.after {
				store = faultyStore{s3, func(ctx context.Context, sum string) (io.ReadCloser, storage.ObjectInfo, error) {
					rc, info, err := s3.OpenOriginal(ctx, sum)
					if err != nil {
						return nil, info, err
					}
					return rc, info, remove(ctx, sum)
				}}
			} else if err := remove(ctx, res.SHA256); err != nil {
				t.Fatal(err)
			}
			if err := work(ctx, serviceOn(e, store), e.reader, res.ID, 1); err != nil {
				t.Fatalf("work = %v, want the sheet recorded as missing its original", err)
			}
			checkOriginalMissing(t, e, obs, res.ID)
		})
	}
}
