package review

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// BoxState is where a ballot box stands for the totals.
type BoxState string

// Box states. Only BoxAccepted boxes add to the totals.
const (
	// BoxAccepted: at least one sheet has accepted figures and every
	// accepted sheet of the box agrees.
	BoxAccepted BoxState = "accepted"
	// BoxConflict: accepted sheets of the box (photos by different
	// observers) disagree; a person must choose.
	BoxConflict BoxState = "conflict"
	// BoxFlagged: no accepted sheet, and a sheet waits for review or was
	// objected to.
	BoxFlagged BoxState = "flagged"
	// BoxUnreadable: every read sheet of the box was unreadable.
	BoxUnreadable BoxState = "unreadable"
	// BoxMissing: the box is known (typed figures, or a sheet not yet
	// read) but no sheet has been judged.
	BoxMissing BoxState = "missing"
)

// Levels of the totals, from the widest.
const (
	LevelCountry   = "country"
	LevelIl        = "il"
	LevelIlce      = "ilce"
	LevelMuhtarlik = "muhtarlik"
	LevelSandik    = "sandik"
)

// validLevel reports whether level names a level rows can be grouped by.
func validLevel(level string) bool {
	switch level {
	case LevelIl, LevelIlce, LevelMuhtarlik, LevelSandik:
		return true
	}
	return false
}

// AcceptedSheet is one sheet whose figures count: verified, or flagged and
// resolved by a lawyer without an objection.
type AcceptedSheet struct {
	SheetID string         `json:"sheet_id"`
	Figures map[string]int `json:"figures"`
	// HeaderDiffers are the parts of the box the photo's printed header
	// names otherwise (HeaderContradicts): the sheet may be filed wrongly.
	HeaderDiffers []string `json:"header_differs,omitempty"`
}

// BoxResult is one ballot box as the totals see it.
type BoxResult struct {
	Box       Box      `json:"box"`
	Muhtarlik string   `json:"muhtarlik"`
	State     BoxState `json:"state"`
	// Figures are the accepted figures; empty unless State is accepted.
	// Judged boxes share their maps with the totals kept for everyone
	// (sharedTotals, countedCache): they are only ever read.
	Figures map[string]int `json:"figures"`
	// Accepted are the sheets with accepted figures; when more than one
	// agree they confirm each other.
	Accepted []AcceptedSheet `json:"accepted"`
	// ConflictFields are the fields accepted sheets disagree on.
	ConflictFields []string `json:"conflict_fields"`
	// SheetIDs are every sheet of the box, oldest first.
	SheetIDs []string `json:"sheet_ids"`
	// Deadline is when objections about the box close; omitted when
	// unknown (no photo and no board time).
	Deadline *time.Time `json:"deadline,omitempty"`
	// inOrder is Figures in form order, noFigure where absent: the totals
	// add up a slice, where ranging over a map per box took most of the
	// time of adding up the country.
	inOrder []int
}

// Confirmed reports whether more than one photo agrees on the figures.
func (b BoxResult) Confirmed() bool { return b.State == BoxAccepted && len(b.Accepted) > 1 }

// BoxCounts counts the boxes under a total by state.
type BoxCounts struct {
	Boxes      int `json:"boxes"`
	Accepted   int `json:"accepted"`
	Conflict   int `json:"conflict"`
	Flagged    int `json:"flagged"`
	Unreadable int `json:"unreadable"`
	Missing    int `json:"missing"`
}

func (c *BoxCounts) add(s BoxState) {
	c.Boxes++
	switch s {
	case BoxAccepted:
		c.Accepted++
	case BoxConflict:
		c.Conflict++
	case BoxFlagged:
		c.Flagged++
	case BoxUnreadable:
		c.Unreadable++
	default:
		c.Missing++
	}
}

// Share is the fraction (0–1) of boxes in state of a total.
func (c BoxCounts) Share(s BoxState) float64 {
	if c.Boxes == 0 {
		return 0
	}
	n := map[BoxState]int{BoxAccepted: c.Accepted, BoxConflict: c.Conflict, BoxFlagged: c.Flagged,
		BoxUnreadable: c.Unreadable, BoxMissing: c.Missing}[s]
	return float64(n) / float64(c.Boxes)
}

// Total is the sum of the accepted figures of the boxes in one place, with
// how many of its boxes count and why the others do not.
type Total struct {
	Il        string `json:"il,omitempty"`
	Ilce      string `json:"ilce,omitempty"`
	Muhtarlik string `json:"muhtarlik,omitempty"`
	SandikNo  string `json:"sandik_no,omitempty"`
	// Figures sums the accepted figures; fields no accepted box gave are 0.
	Figures map[string]int `json:"figures"`
	Counts  BoxCounts      `json:"counts"`
	// Shares are Counts as fractions of the boxes, keyed by BoxState.
	Shares map[BoxState]float64 `json:"shares"`
	// State, SheetIDs and Deadline are set on sandık rows only.
	State    BoxState   `json:"state,omitempty"`
	SheetIDs []string   `json:"sheet_ids,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`

	// sums are the figures in form order, and given tells the fields some
	// box gave; Figures is made of them at finish.
	sums  []int
	given []bool
}

// newTotal returns an empty total of a place for a form of n fields.
func newTotal(place Total, n int) Total {
	place.sums, place.given = make([]int, n), make([]bool, n)
	return place
}

func (t *Total) add(b *BoxResult) {
	t.Counts.add(b.State)
	for i, v := range b.inOrder {
		if v != noFigure {
			t.sums[i] += v
			t.given[i] = true
		}
	}
}

func (t *Total) finish(f *ocr.Form) {
	t.Figures = map[string]int{}
	for i, ok := range t.given {
		if ok {
			t.Figures[f.Fields[i].ID] = t.sums[i]
		}
	}
	t.sums, t.given = nil, nil
	t.Shares = map[BoxState]float64{}
	for _, s := range []BoxState{BoxAccepted, BoxConflict, BoxFlagged, BoxUnreadable, BoxMissing} {
		t.Shares[s] = t.Counts.Share(s)
	}
}

// ResultsQuery selects totals: the form, the level of the rows and the
// places they are limited to.
type ResultsQuery struct {
	Form  string
	Level string
	Il    string
	Ilce  string
}

// Results are the totals of one form: the country (or the places queried)
// and a row per place at the level asked.
type Results struct {
	Form  string `json:"form"`
	Level string `json:"level"`
	// Fields are the form's field ids in form order.
	Fields []string `json:"fields"`
	Total  Total    `json:"total"`
	Rows   []Total  `json:"rows"`
}

// sheetAccepted returns the figures of a sheet that count, and whether it
// has any: a verified sheet's typed figures (the photo's where nothing was
// typed); a resolved sheet's figures after its decisions. An objection keeps
// the whole sheet out: the board must answer first. c is what the totals
// read of the sheet's result (nil without one); stored are the sheet's
// decisions, which only a resolved sheet needs.
func sheetAccepted(form *ocr.Form, sh storage.BoxSheet, c *counted, stored []storage.Decision) (map[string]int, bool) {
	if c == nil {
		return nil, false
	}
	if sh.Status != string(Verified) && sh.Status != string(Flagged) {
		return nil, false
	}
	switch sh.ReviewState {
	case ReviewNone:
		if sh.Status == string(Verified) {
			// Shared with every other total that counts this version of the
			// sheet: figures are only read.
			return c.figures, true
		}
	case ReviewResolved:
		// A verified sheet is resolved when a reviewer decided on it anyway.
		d := summarize(form, storage.Sheet{ID: sh.ID, Status: sh.Status}, c.result(form), stored)
		if d.ReviewState != ReviewResolved || len(d.Objections) > 0 {
			return nil, false
		}
		out := maps.Clone(c.figures)
		for _, f := range d.Flagged {
			// A flagged field counts only by its decision, never by the
			// figure that raised the flag.
			delete(out, f)
		}
		maps.Copy(out, d.Accepted)
		return out, true
	}
	return nil, false
}

// boxOf judges one box from its sheets, oldest first. A box counts only
// when no sheet of it is still before a reviewer or objected to: a photo
// that disagrees with the others is a question about the box, not just
// about that photo.
func boxOf(box Box, muhtarlik string, sheets []storage.BoxSheet, accepted []AcceptedSheet) BoxResult {
	b := BoxResult{Box: box, Muhtarlik: muhtarlik, Accepted: accepted,
		ConflictFields: []string{}, SheetIDs: make([]string, 0, len(sheets))}
	counted := func(id string) bool {
		return slices.ContainsFunc(accepted, func(a AcceptedSheet) bool { return a.SheetID == id })
	}
	held, unreadable := false, false
	for _, sh := range sheets {
		b.SheetIDs = append(b.SheetIDs, sh.ID)
		switch sh.Status {
		case string(Flagged), string(Verified):
			// Flagged and not yet resolved, or resolved with an objection.
			held = held || !counted(sh.ID)
		case string(Unreadable):
			unreadable = true
		}
	}
	if b.Accepted == nil {
		b.Accepted = []AcceptedSheet{}
	}
	switch {
	case held:
		b.State = BoxFlagged
	case len(accepted) > 0:
		var diff map[string]bool
		for _, a := range accepted[1:] {
			if maps.Equal(accepted[0].Figures, a.Figures) {
				continue // photos that confirm each other, the common case
			}
			for _, f := range unionKeys(accepted[0].Figures, a.Figures) {
				v0, ok0 := accepted[0].Figures[f]
				v1, ok1 := a.Figures[f]
				if ok0 != ok1 || v0 != v1 {
					if diff == nil {
						diff = map[string]bool{}
					}
					diff[f] = true
				}
			}
		}
		if len(diff) > 0 {
			b.State = BoxConflict
			b.ConflictFields = slices.Sorted(maps.Keys(diff))
			b.Figures = map[string]int{}
			return b
		}
		b.State = BoxAccepted
		// The first sheet's own map: judged boxes are only read, and are
		// shared by everyone who asks for the same totals.
		b.Figures = accepted[0].Figures
	case unreadable:
		b.State = BoxUnreadable
	default:
		b.State = BoxMissing
	}
	if b.Figures == nil {
		b.Figures = map[string]int{}
	}
	return b
}

func unionKeys(a, b map[string]int) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// Boxes judges every box of form (DefaultForm when empty) the user may see
// (one province, or all for users without one), in box order: a copy of
// the boxes judged once per change for everyone (boxesAt). Observers see no
// totals: they see only their own uploads.
func (s *Service) Boxes(ctx context.Context, u User, form, il string) ([]BoxResult, error) {
	l, err := s.visibleBoxes(ctx, u, form, il)
	return l.flat(), err
}

// visibleBoxes is Boxes without the copy: the boxes are only to be read.
func (s *Service) visibleBoxes(ctx context.Context, u User, form, il string) (boxList, error) {
	if u.Role == Observer {
		return nil, ErrForbidden
	}
	if u.Province != "" {
		if il != "" && il != u.Province {
			return nil, nil
		}
		il = u.Province
	}
	f, err := s.form(cmp.Or(form, DefaultForm))
	if err != nil {
		return nil, err
	}
	mark, err := s.ChangeMark(ctx)
	if err != nil {
		return nil, err
	}
	return s.boxesAt(ctx, mark, f, il)
}

// boxesAt returns the boxes of form in il (every province when empty) as
// judged at change mark, judging them only if nobody has at that mark:
// every open dashboard, the totals at each level, the conflicts and the API
// read the same boxes until the next change. They are judged again only
// where something changed (countryBoxes).
func (s *Service) boxesAt(ctx context.Context, mark string, form *ocr.Form, il string) (boxList, error) {
	v, err := s.shared.do(ctx, mark, "boxes\x00"+form.ID, func(ctx context.Context) (any, error) {
		return s.countryBoxes(ctx, form)
	})
	if err != nil {
		return nil, err
	}
	if il != "" {
		return v.(boxList).province(il), nil
	}
	return v.(boxList), nil
}

// boxes judges the boxes of form in scope (scope.Form is form's), and
// returns the sheets it judged them from.
func (s *Service) boxes(ctx context.Context, tx *storage.Tx, form *ocr.Form, scope storage.BoxKey) ([]BoxResult, []storage.BoxSheet, error) {
	sheets, err := tx.BoxSheets(ctx, scope)
	if err != nil {
		return nil, nil, err
	}
	typed, err := tx.TypedBoxes(ctx, scope)
	if err != nil {
		return nil, nil, err
	}
	decisions, err := tx.BoxDecisions(ctx, scope, ReviewResolved)
	if err != nil {
		return nil, nil, err
	}
	results, err := s.counted.results(ctx, tx, form, sheets)
	if err != nil {
		return nil, nil, err
	}
	return s.judge(form, sheets, results, typed, decisions), sheets, nil
}

// judge groups sheets of form, oldest first within a box, by box, adds
// the boxes typed holds that have no sheet, and judges each box; the
// boxes come in box order. results[i] is what the totals read of sheets[i]'s
// result (nil without one); decisions are those of the resolved sheets, by
// sheet id, oldest first.
func (s *Service) judge(form *ocr.Form, sheets []storage.BoxSheet, results []*counted, typed []storage.BoxKey,
	decisions map[string][]storage.Decision) []BoxResult {
	type group struct {
		box       Box
		muhtarlik string
		sheets    []storage.BoxSheet
		accepted  []AcceptedSheet
	}
	// Groups in the order their boxes first come: box order for the sheets
	// (BoxSheets' order), then the boxes only typed (TypedBoxes' order).
	groups := make([]group, 0, len(sheets)+len(typed))
	index := make(map[Box]int, len(sheets)+len(typed))
	for i, sh := range sheets {
		key := Box{Il: sh.Il, Ilce: sh.Ilce, SandikNo: sh.SandikNo}
		gi, ok := index[key]
		if !ok {
			gi = len(groups)
			index[key] = gi
			groups = append(groups, group{box: key})
		}
		g := &groups[gi]
		g.sheets = append(g.sheets, sh)
		c := results[i]
		if c == nil {
			continue
		}
		if g.muhtarlik == "" {
			g.muhtarlik = c.muhtarlik
		}
		var stored []storage.Decision
		if sh.ReviewState == ReviewResolved {
			stored = decisions[sh.ID]
		}
		if figs, ok := sheetAccepted(form, sh, c, stored); ok {
			g.accepted = append(g.accepted, AcceptedSheet{SheetID: sh.ID, Figures: figs, HeaderDiffers: contradicts(c.header, key)})
		}
	}
	fromSheets := len(groups)
	for _, k := range typed {
		key := keyed(k)
		if _, ok := index[key]; !ok {
			index[key] = len(groups)
			groups = append(groups, group{box: key})
		}
	}
	out := make([]BoxResult, 0, len(groups))
	for _, g := range groups {
		b := boxOf(g.box, g.muhtarlik, g.sheets, g.accepted)
		if len(b.Figures) > 0 {
			b.inOrder = make([]int, len(form.Fields))
			for i, f := range form.Fields {
				b.inOrder[i] = noFigure
				if v, ok := b.Figures[f.ID]; ok {
					b.inOrder[i] = v
				}
			}
		}
		var counted time.Time
		if len(g.sheets) > 0 {
			counted = g.sheets[0].CreatedAt
		}
		if d := s.deadlines.Deadline(g.box, counted); !d.IsZero() {
			b.Deadline = &d
		}
		out = append(out, b)
	}
	return inBoxOrder(out[:fromSheets], out[fromSheets:])
}

// byBox orders boxes by il, ilçe and sandık number, in Go's order of the
// names, which a database's collation need not be.
func byBox(a, b BoxResult) int {
	return cmp.Or(strings.Compare(a.Box.Il, b.Box.Il), strings.Compare(a.Box.Ilce, b.Box.Ilce),
		strings.Compare(a.Box.SandikNo, b.Box.SandikNo))
}

// inBoxOrder returns the boxes of two lists, each of distinct boxes, in box
// order. Each list usually comes in that order already (SQLite's order of
// names is Go's), and merging them takes a fraction of sorting 200,000
// boxes anew.
func inBoxOrder(a, b []BoxResult) []BoxResult {
	if !slices.IsSortedFunc(a, byBox) || !slices.IsSortedFunc(b, byBox) {
		out := append(a, b...)
		slices.SortFunc(out, byBox)
		return out
	}
	if len(b) == 0 {
		return a
	}
	out := make([]BoxResult, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if byBox(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// SheetBox judges the box a sheet the user may see is filed under, as the
// totals do, so that the sheet's review screen can say what stands between
// its box and the totals (a conflict with another photo); ok is false when
// the sheet names no complete box. Observers see no totals.
func (s *Service) SheetBox(ctx context.Context, u User, id string) (b BoxResult, ok bool, err error) {
	if u.Role == Observer {
		return BoxResult{}, false, ErrForbidden
	}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		sh, err := loadVisible(ctx, tx, u, id)
		if err != nil {
			return err
		}
		box := filedUnder(sh)
		if !box.complete() {
			return nil
		}
		form, err := s.form(sh.Form)
		if err != nil {
			return err
		}
		// One box's sheets rather than its province's: this is asked on
		// every review screen. Every sheet of a box is in its province, so
		// none is hidden from a user who may see this one.
		judged, _, err := s.boxes(ctx, tx, form, box.of(form.ID))
		if err != nil || len(judged) != 1 {
			return err
		}
		b, ok = judged[0], true
		return nil
	})
	return b, ok, err
}

// Conflicts lists the boxes whose accepted photos disagree, for review,
// in box order: those of the boxes judged once per change (Boxes).
func (s *Service) Conflicts(ctx context.Context, u User, form string) ([]BoxResult, error) {
	all, err := s.visibleBoxes(ctx, u, form, "")
	if err != nil {
		return nil, err
	}
	out := []BoxResult{}
	for b := range all.all() {
		if b.State == BoxConflict {
			out = append(out, *b)
		}
	}
	return out, nil
}

// Results adds up the accepted figures of the boxes q selects into a total
// and a row per place at q.Level (il by default). Each total is computed
// once per change for everyone who may see the same boxes (sharedTotals):
// its rows are shared, not to be changed.
func (s *Service) Results(ctx context.Context, u User, q ResultsQuery) (Results, error) {
	q.Form = cmp.Or(q.Form, DefaultForm)
	if q.Level == "" {
		q.Level = LevelIl
	}
	if !validLevel(q.Level) {
		return Results{}, inputErr("bad_level", fmt.Sprintf("Bilinmeyen düzey: %q (il, ilce, muhtarlik, sandik).", q.Level),
			fmt.Sprintf("Unknown level %q (il, ilce, muhtarlik, sandik).", q.Level))
	}
	where := Box{Il: cmp.Or(q.Il, u.Province), Ilce: q.Ilce}.normalized()
	q.Il, q.Ilce = where.Il, where.Ilce
	if q.Ilce != "" && q.Il == "" {
		// Many provinces have a MERKEZ: a district alone names no place.
		return Results{}, inputErr("no_il", "İlçe için il de gerekli.", "A district needs its province.")
	}
	if u.Role == Observer {
		return Results{}, ErrForbidden
	}
	f, err := s.form(q.Form)
	if err != nil {
		return Results{}, err
	}
	mark, err := s.ChangeMark(ctx)
	if err != nil {
		return Results{}, err
	}
	key := strings.Join([]string{"results", q.Form, q.Level, q.Il, q.Ilce, u.Province}, "\x00")
	v, err := s.shared.do(ctx, mark, key, func(ctx context.Context) (any, error) {
		var boxes boxList
		if u.Province == "" || q.Il == u.Province {
			var err error
			if boxes, err = s.boxesAt(ctx, mark, f, q.Il); err != nil {
				return Results{}, err
			}
		}
		return results(f, q, boxes), nil
	})
	if err != nil {
		return Results{}, err
	}
	return v.(Results), nil
}

// results adds up boxes as q asks.
func results(f *ocr.Form, q ResultsQuery, boxes boxList) Results {
	out := Results{Form: q.Form, Level: q.Level, Fields: f.FieldIDs(), Total: newTotal(Total{}, len(f.Fields)), Rows: []Total{}}
	type place struct{ il, ilce, muhtarlik, sandikNo string }
	rows := map[place]int{} // index in out.Rows
	for b := range boxes.all() {
		if q.Ilce != "" && b.Box.Ilce != q.Ilce {
			continue
		}
		out.Total.add(b)
		key := place{il: b.Box.Il}
		switch q.Level {
		case LevelIlce:
			key.ilce = b.Box.Ilce
		case LevelMuhtarlik:
			key.ilce, key.muhtarlik = b.Box.Ilce, b.Muhtarlik
		case LevelSandik:
			key.ilce, key.muhtarlik, key.sandikNo = b.Box.Ilce, b.Muhtarlik, b.Box.SandikNo
		}
		i, ok := rows[key]
		if !ok {
			i = len(out.Rows)
			rows[key] = i
			out.Rows = append(out.Rows, newTotal(Total{Il: key.il, Ilce: key.ilce, Muhtarlik: key.muhtarlik,
				SandikNo: key.sandikNo}, len(f.Fields)))
		}
		out.Rows[i].add(b)
		if q.Level == LevelSandik {
			out.Rows[i].State, out.Rows[i].SheetIDs, out.Rows[i].Deadline = b.State, b.SheetIDs, b.Deadline
		}
	}
	out.Total.finish(f)
	for i := range out.Rows {
		out.Rows[i].finish(f)
	}
	return out
}

// WarmTotals judges the boxes of the whole country once, for the default
// form: after a start every result must be decoded before the first
// dashboard can be drawn (7–8 s for a national election's sheets,
// BENCHMARKS.md), and the first viewer should not wait for that.
func (s *Service) WarmTotals(ctx context.Context) error {
	form, err := s.form(DefaultForm)
	if err != nil {
		return err
	}
	mark, err := s.ChangeMark(ctx)
	if err != nil {
		return err
	}
	if _, err := s.boxesAt(ctx, mark, form, ""); err != nil {
		return fmt.Errorf("warm totals: %w", err)
	}
	return nil
}

// ChangeMark changes whenever a verdict, typed figures, a decision or an
// official import does; live pages poll it and recompute on change.
func (s *Service) ChangeMark(ctx context.Context) (string, error) {
	var mark string
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		mark, err = tx.ChangeMark(ctx)
		return err
	})
	return mark, err
}
