package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// SheetReader reads a photo of a sheet; *ocr.Reader is one.
type SheetReader interface {
	Read(ctx context.Context, form *ocr.Form, image []byte) (*ocr.Reading, error)
}

// maxOriginalRead bounds what a worker loads into memory from the store;
// uploads are limited well below it.
const maxOriginalRead = 256 << 20

// thumbnailWidth is the width of the rectified page's thumbnail.
const thumbnailWidth = 400

// OCRWorker reads uploaded photos and stores readings and verdicts.
// Running a job again after it succeeded changes nothing; a job cut off by
// a crash is rerun by River and starts over.
type OCRWorker struct {
	river.WorkerDefaults[OCRArgs]
	svc    *Service
	reader SheetReader
}

// NewOCRWorker returns the worker for OCRArgs jobs.
func NewOCRWorker(svc *Service, reader SheetReader) *OCRWorker {
	return &OCRWorker{svc: svc, reader: reader}
}

// Register adds the OCR worker to River's workers.
func (w *OCRWorker) Register(workers *river.Workers) { river.AddWorker(workers, w) }

func isVerdict(status string) bool {
	switch Verdict(status) {
	case Verified, Flagged, Unreadable:
		return true
	}
	return false
}

// UnavailableSnooze is how long a job waits when the database or the
// object store cannot be reached: an outage is not the sheet's fault, so
// it costs no attempt, and the backlog drains soon after storage is back.
const UnavailableSnooze = 5 * time.Second

// finalWriteTimeout bounds the writes that record a sheet's outcome: its
// reading, or that it has none. They run on a context of their own, for the
// job's may be what ran out.
const finalWriteTimeout = 30 * time.Second

// finalWriteError is a failure to record a sheet's outcome. When
// storage is down Work snoozes the job even if the job's own context has
// ended, so that the outcome is recorded once storage is back rather than
// the job being discarded with the sheet still processing.
type finalWriteError struct{ err error }

func (e *finalWriteError) Error() string { return e.err.Error() }
func (e *finalWriteError) Unwrap() error { return e.err }

// Work implements river.Worker.
func (w *OCRWorker) Work(ctx context.Context, job *river.Job[OCRArgs]) error {
	err := w.work(ctx, job)
	if err == nil {
		return nil
	}
	var final *finalWriteError
	var cancelled *rivertype.JobCancelError
	switch {
	case ctx.Err() != nil && !errors.As(err, &final):
		// The job's own time ran out or River is stopping: storage calls
		// failed with the context's error, which says nothing about storage.
		// Snoozing would give the attempt back and run the job for ever.
		w.svc.log.WarnContext(ctx, "job context ended", "sheet_id", job.Args.SheetID, "attempt", job.Attempt, "err", err)
	case errors.Is(err, storage.ErrUnavailable):
		w.svc.log.WarnContext(ctx, "storage unavailable; job snoozed", "sheet_id", job.Args.SheetID, "attempt", job.Attempt, "err", err)
		return river.JobSnooze(UnavailableSnooze)
	case errors.As(err, &cancelled):
		return err
	}
	if job.Attempt >= job.MaxAttempts {
		return w.giveUp(ctx, job, err)
	}
	return err
}

// giveUp records, after a job's last attempt failed, that its sheet could
// not be processed: River discards the job, and the sheet would otherwise
// stay processing with nobody told. The same photo sent again queues it
// once more.
func (w *OCRWorker) giveUp(ctx context.Context, job *river.Job[OCRArgs], cause error) error {
	s := w.svc
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
	defer cancel()
	var sh storage.Sheet
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		sh, err = tx.SheetByID(ctx, job.Args.SheetID)
		return err
	})
	if err != nil {
		return &finalWriteError{fmt.Errorf("%w; load sheet to record it not processed: %w", cause, err)}
	}
	form, err := s.form(sh.Form)
	if err != nil {
		return cause
	}
	s.log.ErrorContext(ctx, "sheet not processed; attempts used up", "sheet_id", sh.ID, "sha256", sh.SHA256, "attempt", job.Attempt, "err", cause)
	return w.unreadable(ctx, form, sh, reasonNotProcessed)
}

func (w *OCRWorker) work(ctx context.Context, job *river.Job[OCRArgs]) error {
	s := w.svc
	id := job.Args.SheetID
	var sh storage.Sheet
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		sh, err = tx.SheetByID(ctx, id)
		if err != nil || isVerdict(sh.Status) {
			return err
		}
		return tx.SetSheetStatus(ctx, id, StatusProcessing, s.clock())
	})
	if errors.Is(err, storage.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("sheet %s: %w", id, err))
	}
	if err != nil {
		return err
	}
	if isVerdict(sh.Status) {
		return nil // already read: a rerun changes nothing
	}
	form, err := s.form(sh.Form)
	if err != nil {
		return river.JobCancel(err)
	}
	data, err := w.original(ctx, sh)
	if errors.Is(err, storage.ErrNotFound) {
		// No attempt will bring it back: say so rather than leave the sheet
		// processing, and do not ask for a new photo of a sheet that is fine.
		s.log.ErrorContext(ctx, "original missing from the store", "sheet_id", id, "sha256", sh.SHA256, "attempt", job.Attempt, "err", err)
		return w.unreadable(ctx, form, sh, reasonOriginalMissing)
	}
	if err != nil {
		return err
	}
	reading, err := w.reader.Read(ctx, form, data)
	if err != nil {
		if ocr.IsInputError(err) || job.Attempt >= job.MaxAttempts {
			s.log.ErrorContext(ctx, "sheet unreadable", "sheet_id", id, "sha256", sh.SHA256, "attempt", job.Attempt, "err", err)
			return w.unreadable(ctx, form, sh, reasonReadFailed)
		}
		return fmt.Errorf("read sheet %s: %w", id, err)
	}
	// The reading is done, perhaps just as the job's time ran out: the
	// writes that keep it run on a context of their own rather than lose it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
	defer cancel()
	if err := w.storeImages(ctx, id, reading); err != nil {
		return &finalWriteError{err}
	}
	raw, err := json.Marshal(reading)
	if err != nil {
		return fmt.Errorf("encode reading: %w", err)
	}
	var status string
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		// Held: figures typed for the sheet or its box meanwhile either
		// committed before this read, or wait and then see the reading.
		cur, err := tx.SheetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if isVerdict(cur.Status) {
			status = cur.Status // another run finished first
			return nil
		}
		now := s.clock()
		if err := tx.SaveReading(ctx, id, raw, now); err != nil {
			return err
		}
		cur.Reading = raw
		if cur.Il == "" && cur.Ilce == "" && cur.SandikNo == "" {
			// No identity came with the photo: take the printed header's,
			// where its uploader may file sheets.
			b, err := w.headerBoxFor(ctx, tx, cur, reading.Printed)
			if err != nil {
				return err
			}
			if !b.empty() {
				if err := tx.SetSheetBox(ctx, id, b.Il, b.Ilce, b.SandikNo, now); err != nil {
					return err
				}
				cur.Il, cur.Ilce, cur.SandikNo = b.Il, b.Ilce, b.SandikNo
			}
		}
		typed, err := typedBytesFor(ctx, tx, cur)
		if err != nil {
			return err
		}
		status, err = s.recomputeWith(ctx, tx, form, cur, typed, now)
		if err != nil {
			return err
		}
		detail := map[string]any{"verdict": status, "original_sha256": sh.SHA256}
		// The figures the verdict compared, by the subject of the
		// typed_entry that recorded them: the verdict is evidence only
		// together with what it was checked against.
		if typed != nil {
			detail["typed_sha256"] = hashBytes(typed)
		}
		return s.appendCustody(ctx, tx, now, workerActor, ActionOCRResult, id, hashBytes(raw), detail)
	})
	if err != nil {
		return &finalWriteError{fmt.Errorf("save reading of %s: %w", id, err)}
	}
	s.log.InfoContext(ctx, "sheet read", "sheet_id", id, "sha256", sh.SHA256, "verdict", status)
	return nil
}

// headerBoxFor is the box the printed header gives sh, or none when the
// header names a province its uploader may not file in: Upload checks the
// box sent with a photo, and a photo sent without one must not file its
// sheet, through its header, where its uploader could not. The sheet then
// waits under no box for a lawyer to file it.
func (w *OCRWorker) headerBoxFor(ctx context.Context, tx *storage.Tx, sh storage.Sheet, printed map[string]string) (Box, error) {
	b := headerBox(printed)
	if b.empty() {
		return b, nil
	}
	rec, err := tx.UserByID(ctx, sh.UploadedBy)
	if err != nil {
		return Box{}, fmt.Errorf("uploader of %s: %w", sh.ID, err)
	}
	if u := userOf(rec); !u.inProvince(b.Il) {
		w.svc.log.WarnContext(ctx, "header's box outside the uploader's province; box left empty",
			"sheet_id", sh.ID, "sha256", sh.SHA256, "user_id", u.ID, "user_province", u.Province, "header_il", b.Il)
		return Box{}, nil
	}
	return b, nil
}

// original returns the bytes of sh's photo; ErrNotFound when the store no
// longer has them.
func (w *OCRWorker) original(ctx context.Context, sh storage.Sheet) ([]byte, error) {
	s := w.svc
	rc, _, err := s.store.OpenOriginal(ctx, sh.SHA256)
	if errors.Is(err, storage.ErrNotFound) {
		// A missing original ends the sheet's reading; a store that fails
		// its own check is down, not missing what it holds.
		if cerr := s.store.Check(ctx); cerr != nil {
			return nil, storage.Unavailable(fmt.Errorf("open original of %s: %w", sh.ID, cerr))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open original of %s: %w", sh.ID, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxOriginalRead))
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, storage.ErrNotFound):
		return nil, fmt.Errorf("read original of %s: %w", sh.ID, err)
	default:
		// The store opened the original, so it holds it: a body that stops
		// (S3's GetObject sends its request on the first Read, so its 503s
		// and resets come here) is the store failing, which costs no attempt.
		return nil, storage.Unavailable(fmt.Errorf("read original of %s: %w", sh.ID, err))
	}
}

// Why a sheet is unreadable when there is no reading to verify.
var (
	reasonReadFailed = Reason{Code: "read_failed",
		TR: "Fotoğraf okunamadı; yeniden çekin.", EN: "The photo could not be read; retake it."}
	reasonOriginalMissing = Reason{Code: "original_missing",
		TR: "Özgün fotoğraf depoda bulunamadı; fotoğrafı yeniden gönderin.",
		EN: "The original photo is missing from the store; send the photo again."}
	reasonNotProcessed = Reason{Code: "not_processed",
		TR: "Fotoğraf işlenemedi; aynı fotoğrafı yeniden gönderin.",
		EN: "The photo could not be processed; send the same photo again."}
)

// sentAgainMends are the reasons for which the same photo sent again
// queues its sheet once more: the fault was the service's, not the photo's.
var sentAgainMends = []string{reasonOriginalMissing.Code, reasonNotProcessed.Code}

// unreadable records that the sheet cannot be read at all, and why. It is
// the job's last word, so it writes on a context of its own: the job's may
// have run out, often the very reason the photo could not be read.
func (w *OCRWorker) unreadable(ctx context.Context, form *ocr.Form, sh storage.Sheet, why Reason) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
	defer cancel()
	_, err := w.svc.recordUnreadable(ctx, form, sh, why, nil)
	return err
}

// recordUnreadable records sh unreadable for why, unless it has a verdict
// by then, or still (a non-nil still, asked under the sheet's row lock)
// says otherwise; recorded says whether it did.
func (s *Service) recordUnreadable(ctx context.Context, form *ocr.Form, sh storage.Sheet, why Reason, still func(*storage.Tx) (bool, error)) (recorded bool, err error) {
	res := Result{Form: form.ID, Printed: map[string]string{}, Fields: map[string]FieldResult{}, Rules: []RuleResult{},
		Quality: ocr.Quality{Problems: []ocr.Problem{}}, Verdict: Unreadable, Reasons: []Reason{why}}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		recorded = false
		cur, err := tx.SheetForUpdate(ctx, sh.ID)
		if err != nil {
			return err
		}
		if isVerdict(cur.Status) {
			return nil // another run finished first
		}
		if still != nil {
			if ok, err := still(tx); err != nil || !ok {
				return err
			}
		}
		now := s.clock()
		status, err := s.saveResult(ctx, tx, sh.ID, res, now)
		if err != nil {
			return err
		}
		recorded = true
		return s.appendCustody(ctx, tx, now, workerActor, ActionOCRResult, sh.ID, hashBytes(nil),
			map[string]any{"verdict": status, "reason": why.Code, "original_sha256": sh.SHA256})
	})
	if err != nil {
		return false, &finalWriteError{fmt.Errorf("record %s unreadable: %w", sh.ID, err)}
	}
	return recorded, nil
}

// storeImages keeps the rectified page, its thumbnail and the crops as
// PNGs, for the lawyers' screen and the evidence bundle. Keys are fixed
// per sheet, so a rerun overwrites with the same images.
func (w *OCRWorker) storeImages(ctx context.Context, id string, rd *ocr.Reading) error {
	put := func(key string, img *image.Gray) error {
		if img == nil || img.Bounds().Empty() {
			return nil
		}
		var buf bytes.Buffer
		if err := encodeGrayPNG(&buf, img); err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		return w.svc.store.PutDerived(ctx, key, "image/png", buf.Bytes())
	}
	if rd.Page != nil {
		if err := put(DerivedKey(id, "page"), rd.Page); err != nil {
			return err
		}
		if err := put(DerivedKey(id, "thumbnail"), thumbnail(rd.Page, thumbnailWidth)); err != nil {
			return err
		}
	}
	for fid, f := range rd.Fields {
		if f.Crop != nil {
			if err := put(DerivedKey(id, "field/"+fid), f.Crop); err != nil {
				return err
			}
		}
	}
	for pid, c := range rd.PrintedCrops {
		if c != nil {
			if err := put(DerivedKey(id, "printed/"+pid), c); err != nil {
				return err
			}
		}
	}
	return nil
}

// DerivedKey is where a derived image of a sheet is kept: "page",
// "thumbnail", "field/<id>" or "printed/<id>".
func DerivedKey(sheetID, name string) string { return "sheets/" + sheetID + "/" + name + ".png" }

// thumbnail shrinks g to width w by averaging boxes of pixels.
func thumbnail(g *image.Gray, w int) *image.Gray {
	b := g.Bounds()
	if b.Dx() <= w {
		return g
	}
	h := b.Dy() * w / b.Dx()
	if h < 1 {
		h = 1
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
		for x := 0; x < w; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			sum, n := 0, 0
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					sum += int(g.GrayAt(xx, yy).Y)
					n++
				}
			}
			if n > 0 {
				out.Pix[y*out.Stride+x] = uint8(sum / n)
			}
		}
	}
	return out
}
