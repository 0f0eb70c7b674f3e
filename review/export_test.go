package review

import (
	"context"
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
			out = jc.boxes
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
