package review

import (
	"context"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// Objection is a sheet a lawyer objected to, for the legal team to take to
// the district board before its box's deadline.
type Objection struct {
	Sheet SheetView `json:"sheet"`
	// Fields are the fields whose objection stands.
	Fields []string `json:"fields"`
	// Notes are the standing objections' notes, by field.
	Notes map[string]string `json:"notes"`
}

// Objections lists the sheets the user may see on which an objection
// stands, soonest deadline first: what the legal team must file.
func (s *Service) Objections(ctx context.Context, u User) ([]Objection, error) {
	if !u.CanSeeObjections() {
		return nil, ErrForbidden
	}
	il := u.Province
	if u.Role == Admin {
		il = ""
	}
	out := []Objection{}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		sheets, err := tx.SheetsWithDecision(ctx, string(Object), il)
		if err != nil {
			return err
		}
		deadlines := map[Box]time.Time{} // the sheets of one box share its deadline
		for _, sh := range sheets {
			if !u.canSee(sh) {
				continue
			}
			d, _, _, err := s.review(ctx, tx, sh)
			if err != nil {
				return err
			}
			if len(d.Objections) == 0 {
				continue // replaced by a later decision on each field
			}
			o := Objection{Fields: d.Objections, Notes: map[string]string{}}
			for _, dec := range d.Decisions {
				if dec.Current && dec.Kind == Object {
					o.Notes[dec.Field] = dec.Note
				}
			}
			if o.Sheet, err = s.view(ctx, tx, sh); err != nil {
				return err
			}
			box := filedUnder(sh)
			deadline, ok := deadlines[box]
			if !ok || !box.complete() {
				if deadline, err = s.sheetDeadline(ctx, tx, sh); err != nil {
					return err
				}
				deadlines[box] = deadline
			}
			if !deadline.IsZero() {
				o.Sheet.Deadline = &deadline
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Stable: equal deadlines keep the longest waiting first.
	sortByDeadline(out, func(o Objection) time.Time {
		if o.Sheet.Deadline == nil {
			return time.Time{}
		}
		return *o.Sheet.Deadline
	})
	return out, nil
}
