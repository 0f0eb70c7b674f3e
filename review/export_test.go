package review

import (
	"context"
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
