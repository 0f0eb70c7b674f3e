package review

import (
	"context"
	"slices"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// DefaultObjectionWindow is how long after the count an objection can be
// lodged when no district board set its own time. Law 298 gives two days
// (iki gün) for objections to a ballot-box committee's acts; the legal team
// sets the real figure for each election with --objection-window.
const DefaultObjectionWindow = 48 * time.Hour

// DeadlinePolicy says when objections about a box close.
type DeadlinePolicy struct {
	// AfterCount is the window after the count. Defaults to
	// DefaultObjectionWindow.
	AfterCount time.Duration
	// Boards are explicit times set by district boards (il, ilçe; the
	// sandık number is ignored); they win over AfterCount.
	Boards map[Box]time.Time
}

// Deadline returns when objections about box close, counting from
// countedAt: the first photo of the box, since the count ends before the
// sheet can be photographed. Zero when the box has no photo and no board time.
func (p DeadlinePolicy) Deadline(box Box, countedAt time.Time) time.Time {
	if t, ok := p.Boards[Box{Il: box.Il, Ilce: box.Ilce}]; ok {
		return t.UTC()
	}
	if countedAt.IsZero() {
		return time.Time{}
	}
	window := p.AfterCount
	if window <= 0 {
		window = DefaultObjectionWindow
	}
	return countedAt.Add(window).UTC()
}

// SetDeadlines sets the objection deadline policy; board boxes are
// normalized as place names are everywhere else.
func (s *Service) SetDeadlines(p DeadlinePolicy) {
	boards := make(map[Box]time.Time, len(p.Boards))
	for b, t := range p.Boards {
		n := b.normalized()
		boards[Box{Il: n.Il, Ilce: n.Ilce}] = t
	}
	p.Boards = boards
	s.deadlines = p
	// The totals carry deadlines, and no change mark sees a new policy.
	s.shared.reset()
	s.country.reset()
}

// byDeadline orders by deadline, the soonest first; no deadline goes last.
func byDeadline(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// sortByDeadline is slices.SortStableFunc over a deadline accessor.
func sortByDeadline[T any](list []T, deadline func(T) time.Time) {
	slices.SortStableFunc(list, func(x, y T) int { return byDeadline(deadline(x), deadline(y)) })
}

// sheetDeadline is when objections about a sheet's box close: counted from
// the box's first sheet, as the totals count it, since a later photo of the
// box (one kept offline for hours) does not move the count. A sheet of no
// whole box counts from its own arrival.
func (s *Service) sheetDeadline(ctx context.Context, tx *storage.Tx, sh storage.Sheet) (time.Time, error) {
	box := filedUnder(sh)
	counted := sh.CreatedAt
	if box.complete() {
		first, err := tx.BoxCountedAt(ctx, sh.Form, box.Il, box.Ilce, box.SandikNo)
		if err != nil {
			return time.Time{}, err
		}
		counted = first
	}
	return s.deadlines.Deadline(box, counted), nil
}
