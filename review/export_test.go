package review

import (
	"context"
	"encoding/json"
	"runtime"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// BoxesAnew judges the whole country's boxes of form from a scan, as the
// first call after a start does, without touching the kept ones.
func (s *Service) BoxesAnew(ctx context.Context, form string) ([]BoxResult, error) {
	f, err := s.form(form)
	if err != nil {
		return nil, err
	}
	var out []BoxResult
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		jc, err := s.judgeCountry(ctx, tx, f)
		if jc != nil {
			out = jc.boxes.flat()
		}
		return err
	})
	return out, err
}

// CountryJudgedInFull tells when the kept boxes of form were last judged
// from a scan; zero when none are kept.
func (s *Service) CountryJudgedInFull(form string) time.Time {
	s.country.mu.Lock()
	defer s.country.mu.Unlock()
	if jc := s.country.byForm[form]; jc != nil {
		return jc.full
	}
	return time.Time{}
}

// KeptCountryBytes measures the heap the kept country of form holds, by
// what a collection frees as the service forgets each part: the map from
// sheet to box, then the judged boxes (with the totals shared at the last
// mark, which hold the same boxes). The decoded results the boxes' figures
// share stay in the results cache. The service judges the country anew at
// its next call.
func (s *Service) KeptCountryBytes(form string) (boxes, sheetBox uint64, sheets int) {
	// The heap after collections until one frees nothing more: what
	// sync.Pools hold goes only at the second.
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		for range 10 {
			last := m.HeapAlloc
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc >= last {
				break
			}
		}
		return m.HeapAlloc
	}
	all := heap()
	s.country.mu.Lock()
	if jc := s.country.byForm[form]; jc != nil {
		sheets = len(jc.sheetBox)
		jc.sheetBox = nil
	}
	s.country.mu.Unlock()
	withoutMap := heap()
	s.country.reset()
	s.shared.mu.Lock()
	s.shared.mark, s.shared.calls = "", nil
	s.shared.mu.Unlock()
	none := heap()
	// Else the service is garbage during the last collection, whose
	// results cache would be counted as the boxes'.
	runtime.KeepAlive(s)
	return withoutMap - min(withoutMap, none), all - min(all, withoutMap), sheets
}

// RecordSeeded writes the custody entries the service would have written
// for records put straight into the database (reviewtest.Seed writes
// none): each sheet's upload, typed figures and reading, each box's typed
// figures, each decision. It reads every sheet at once, which only a test
// database of a seeded size affords.
func (s *Service) RecordSeeded(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *storage.Tx) error {
		sheets, err := tx.Sheets(ctx, storage.SheetFilter{Limit: 1 << 30})
		if err != nil {
			return err
		}
		for _, sh := range sheets {
			box := filedUnder(sh)
			if err := s.appendCustody(ctx, tx, sh.CreatedAt, "user:1:seed", ActionUpload, sh.ID, sh.SHA256,
				map[string]any{"form": sh.Form, "size": sh.Size, "box": box}); err != nil {
				return err
			}
			if sh.Typed != nil {
				if err := s.appendCustody(ctx, tx, sh.CreatedAt, "user:1:seed", ActionTypedEntry, sh.ID, hashBytes(sh.Typed), json.RawMessage(sh.Typed)); err != nil {
					return err
				}
			}
			if sh.Reading != nil {
				if err := s.appendCustody(ctx, tx, sh.UpdatedAt, workerActor, ActionOCRResult, sh.ID, hashBytes(sh.Reading),
					map[string]any{"verdict": sh.Status, "original_sha256": sh.SHA256}); err != nil {
					return err
				}
			}
		}
		boxes, err := tx.AllBoxTyped(ctx)
		if err != nil {
			return err
		}
		for _, b := range boxes {
			if err := s.appendCustody(ctx, tx, time.Now(), "user:1:seed", ActionTypedEntry, "", hashBytes(b.Counts),
				map[string]any{"form": b.Form, "box": keyed(storage.BoxKey{Il: b.Il, Ilce: b.Ilce, SandikNo: b.SandikNo}),
					"counts": json.RawMessage(b.Counts), "sheets": []string{}}); err != nil {
				return err
			}
		}
		decisions, err := tx.AllDecisions(ctx)
		if err != nil {
			return err
		}
		for _, d := range decisions {
			detail := map[string]any{"decision_id": d.ID, "field": d.Field, "kind": d.Kind, "value": d.Value,
				"typed": d.Typed, "read": d.Read, "note": d.Note}
			if err := s.appendCustody(ctx, tx, d.CreatedAt, d.Actor, ActionDecision, d.SheetID, "", detail); err != nil {
				return err
			}
		}
		return nil
	})
}
