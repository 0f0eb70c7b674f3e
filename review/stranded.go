package review

import (
	"context"
	"fmt"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// StrandedSweepInterval is how often each worker process looks for sheets
// whose OCR job River ended without an outcome (SweepStranded).
const StrandedSweepInterval = time.Minute

// strandedBatch bounds the sheets one sweep records.
const strandedBatch = 500

// SweepStranded records as unreadable, not_processed, each sheet whose OCR
// job River ended without the worker recording an outcome, and returns how
// many it recorded. A worker process that dies on a job's last attempt (a
// crash, an out-of-memory kill) leaves its job to River's rescuer, which
// discards it: the sheet would stay processing for ever with nobody told.
// Recorded, it is in front of a lawyer and its observer, and the same photo
// sent again queues it once more.
func (s *Service) SweepStranded(ctx context.Context) (int, error) {
	kind := OCRArgs{}.Kind()
	var ids []string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		ids, err = tx.StrandedSheets(ctx, kind, "", strandedBatch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweep stranded sheets: %w", err)
	}
	n := 0
	for _, id := range ids {
		var sh storage.Sheet
		err := s.db.View(ctx, func(tx *storage.Tx) error {
			var err error
			sh, err = tx.SheetByID(ctx, id)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("sweep stranded sheet %s: %w", id, err)
		}
		form, err := s.form(sh.Form)
		if err != nil {
			s.log.ErrorContext(ctx, "stranded sheet of an unknown form left as it is", "sheet_id", id, "form", sh.Form, "err", err)
			continue
		}
		// Under the sheet's lock, still stranded: not read meanwhile, and no
		// job queued for it since the list was made.
		still := func(tx *storage.Tx) (bool, error) {
			left, err := tx.StrandedSheets(ctx, kind, id, 1)
			return len(left) == 1, err
		}
		recorded, err := s.recordUnreadable(ctx, form, sh, reasonNotProcessed, still)
		if err != nil {
			return n, fmt.Errorf("sweep stranded sheet %s: %w", id, err)
		}
		if recorded {
			s.log.ErrorContext(ctx, "sheet left without an outcome by its job; recorded not processed", "sheet_id", id, "sha256", sh.SHA256)
			n++
		}
	}
	return n, nil
}

// SweepStrandedEvery runs SweepStranded every interval until ctx ends.
// Every worker process may run it: a sheet is recorded once, under its row
// lock.
func (s *Service) SweepStrandedEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.SweepStranded(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "sweep stranded sheets", "err", err)
			}
		}
	}
}
