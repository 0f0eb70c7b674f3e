package review

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// maxChangedBoxes is how many boxes the changes since the last judging may
// touch and still be judged box by box, three small queries each: a burst
// past it (a worker pool catching up after an outage) is judged by one scan
// of the country instead.
const maxChangedBoxes = 500

// fullJudgeEvery bounds how long a change the custody chain does not carry
// (a database edited by hand) can stay out of the totals: past it, the
// next change judges the whole country again.
const fullJudgeEvery = 10 * time.Minute

// countryBoxes keeps the whole country's judged boxes of each form between
// changes. Judging them all takes a second or more for a national election
// (a scan of every sheet, then every box built again), and on election night
// the change mark moves every second, while a change touches one box or
// two. Every change that can move a box's result (an upload, a verdict,
// typed figures, a decision, a box change) appends to the custody chain in
// its own transaction, in commit order, so the entries after the last
// judged one name every box to judge again.
type countryBoxes struct {
	mu     sync.Mutex
	byForm map[string]*judgedCountry
}

// judgedCountry is the country's boxes of one form as of a custody entry.
type judgedCountry struct {
	// seq is the last custody entry the boxes reflect.
	seq int64
	// full is when the whole country was last judged from a scan.
	full time.Time
	// boxes are handed out to readers, so never changed.
	boxes boxList
	// sheetBox is the box of every sheet in boxes: where a sheet was, when
	// a change moves it elsewhere.
	sheetBox map[string]Box
}

// reset forgets every form's boxes: the next call judges the country anew.
func (cb *countryBoxes) reset() {
	cb.mu.Lock()
	cb.byForm = nil
	cb.mu.Unlock()
}

// countryBoxes returns the whole country's boxes of form, judged again only
// where the custody chain says something changed since the last call.
func (s *Service) countryBoxes(ctx context.Context, form *ocr.Form) (boxList, error) {
	cb := &s.country
	cb.mu.Lock()
	defer cb.mu.Unlock()
	last := cb.byForm[form.ID]
	// The kept boxes are brought up to date in place (sheetBox); dropped
	// until that succeeds, so that a failure midway is judged anew.
	delete(cb.byForm, form.ID)
	var next *judgedCountry
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		if last != nil && s.clock().Sub(last.full) < fullJudgeEvery {
			if next, err = s.judgeChanges(ctx, tx, form, last); err != nil || next != nil {
				return err
			}
		}
		next, err = s.judgeCountry(ctx, tx, form)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cb.byForm == nil {
		cb.byForm = map[string]*judgedCountry{}
	}
	cb.byForm[form.ID] = next
	return next.boxes, nil
}

// judgeCountry judges every box of form from a scan of its sheets.
func (s *Service) judgeCountry(ctx context.Context, tx *storage.Tx, form *ocr.Form) (*judgedCountry, error) {
	// Read before the scan: a change committed in between is in the scan and
	// is judged again at the next call, which changes nothing.
	seq, err := tx.CustodyHead(ctx)
	if err != nil {
		return nil, err
	}
	boxes, sheets, err := s.boxes(ctx, tx, form, storage.BoxKey{Form: form.ID})
	if err != nil {
		return nil, err
	}
	jc := &judgedCountry{seq: seq, full: s.clock(), boxes: byProvince(boxes), sheetBox: make(map[string]Box, len(sheets))}
	for _, sh := range sheets {
		jc.sheetBox[sh.ID] = Box{Il: sh.Il, Ilce: sh.Ilce, SandikNo: sh.SandikNo}
	}
	return jc, nil
}

// judgeChanges brings last up to date from the custody entries after it,
// judging again each box they touch; nil when the changes are too many or
// of a kind it cannot place, and the country must be judged anew.
func (s *Service) judgeChanges(ctx context.Context, tx *storage.Tx, form *ocr.Form, last *judgedCountry) (*judgedCountry, error) {
	head, err := tx.CustodyHead(ctx)
	switch {
	case err != nil:
		return nil, err
	case head < last.seq:
		return nil, nil // a database restored from a backup, or another one
	case head == last.seq:
		return last, nil // what moved the mark moves no box (a sheet being read)
	}
	limit := 4 * maxChangedBoxes
	changes, err := tx.CustodyAfter(ctx, last.seq, limit+1)
	if err != nil {
		return nil, err
	}
	if len(changes) > limit || len(changes) == 0 {
		return nil, nil
	}
	touched := map[Box]bool{}
	var ids []string
	for _, c := range changes {
		switch {
		case c.Action == ActionLegalHold || c.Action == ActionExport || c.Action == ActionOfficialImport:
			// Neither a sheet's figures, its state nor its box.
		case c.SheetID != "":
			ids = append(ids, c.SheetID)
		case c.Action == ActionTypedEntry:
			// Figures typed for a box: a box with no photo yet is missing.
			d, ok := decodeBoxTyped(c.Detail)
			if !ok {
				return nil, nil
			}
			if d.Form == form.ID && d.Box.complete() {
				touched[d.Box] = true
			}
		default:
			return nil, nil
		}
	}
	now, err := tx.SheetBoxKeys(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if b, ok := last.sheetBox[id]; ok {
			touched[b] = true
		}
		if k, ok := now[id]; ok && k.Form == form.ID {
			if b := keyed(k); b.complete() {
				touched[b] = true
			}
		}
	}
	if len(touched) > maxChangedBoxes {
		return nil, nil
	}
	for _, id := range ids {
		delete(last.sheetBox, id) // put back below from its box's sheets, if it has a box
	}
	changed := map[string]*provinceChange{}
	for b := range touched {
		judged, sheets, err := s.boxes(ctx, tx, form, b.of(form.ID))
		if err != nil {
			return nil, err
		}
		c := changed[b.Il]
		if c == nil {
			c = &provinceChange{}
			changed[b.Il] = c
		}
		c.fresh = append(c.fresh, judged...)
		for _, sh := range sheets {
			last.sheetBox[sh.ID] = b
		}
		if p := last.boxes.province(b.Il); len(p) == 1 {
			if i, ok := slices.BinarySearchFunc(p[0].boxes, b, func(r BoxResult, b Box) int { return byBox(r, BoxResult{Box: b}) }); ok {
				c.drop = append(c.drop, i)
			}
		}
	}
	return &judgedCountry{seq: changes[len(changes)-1].Seq, full: last.full, boxes: last.boxes.with(changed),
		sheetBox: last.sheetBox}, nil
}

// provinceChange is what changes in a province's list: the boxes to drop,
// by index in it, and the boxes judged anew, in any order.
type provinceChange struct {
	drop  []int
	fresh []BoxResult
}

// with returns l with the changes of each province made: new lists for
// the provinces changed, the others shared with l, which stays as it was.
func (l boxList) with(changed map[string]*provinceChange) boxList {
	out := slices.Clone(l)
	for il, c := range changed {
		slices.Sort(c.drop)
		slices.SortFunc(c.fresh, byBox)
		i, found := slices.BinarySearchFunc(out, il, byIl)
		var old []BoxResult
		if found {
			old = out[i].boxes
		}
		switch now := spliced(old, c.drop, c.fresh); {
		case len(now) == 0 && found:
			out = slices.Delete(out, i, i+1)
		case found:
			out[i].boxes = now
		case len(now) > 0:
			out = slices.Insert(out, i, provinceBoxes{il: il, boxes: now})
		}
	}
	return out
}

// spliced returns boxes without those at the sorted indices drop, and with
// fresh (in box order, none of them left in boxes) in their places: one new
// slice, since readers may still hold boxes. It copies the runs between the
// changes, rather than box by box.
func spliced(boxes []BoxResult, drop []int, fresh []BoxResult) []BoxResult {
	out := make([]BoxResult, 0, len(boxes)-len(drop)+len(fresh))
	from := 0 // boxes before from are in out, or dropped
	for len(drop) > 0 || len(fresh) > 0 {
		d := len(boxes)
		if len(drop) > 0 {
			d = drop[0]
		}
		if len(fresh) > 0 {
			// Where fresh[0] goes: never before from, as fresh is in box
			// order and a dropped box's place is taken before it is passed.
			if p, _ := slices.BinarySearchFunc(boxes, fresh[0], byBox); p <= d {
				out = append(append(out, boxes[from:p]...), fresh[0])
				from, fresh = p, fresh[1:]
				continue
			}
		}
		out = append(out, boxes[from:d]...)
		from, drop = d+1, drop[1:]
	}
	return append(out, boxes[from:]...)
}

// boxList is a country's judged boxes, province by province: the provinces
// in order, each one's boxes in box order. A change copies the lists of the
// provinces it touches, not the country's: one list of 192,000 boxes is
// 37 MB, and collecting such a copy at every change took most of the
// change's time. Handed to every reader, so never changed.
type boxList []provinceBoxes

// provinceBoxes are one province's judged boxes, in box order.
type provinceBoxes struct {
	il    string
	boxes []BoxResult
}

func byIl(p provinceBoxes, il string) int { return strings.Compare(p.il, il) }

// byProvince splits boxes, in box order, into their provinces' lists,
// which share boxes' array.
func byProvince(boxes []BoxResult) boxList {
	var out boxList
	for lo := 0; lo < len(boxes); {
		hi := lo + 1
		for hi < len(boxes) && boxes[hi].Box.Il == boxes[lo].Box.Il {
			hi++
		}
		out = append(out, provinceBoxes{il: boxes[lo].Box.Il, boxes: boxes[lo:hi:hi]})
		lo = hi
	}
	return out
}

// province is the list of province il's boxes alone; empty without any.
func (l boxList) province(il string) boxList {
	i, ok := slices.BinarySearchFunc(l, il, byIl)
	if !ok {
		return nil
	}
	return l[i : i+1 : i+1]
}

// all yields every box, in box order; the boxes are only to be read.
func (l boxList) all() iter.Seq[*BoxResult] {
	return func(yield func(*BoxResult) bool) {
		for _, p := range l {
			for i := range p.boxes {
				if !yield(&p.boxes[i]) {
					return
				}
			}
		}
	}
}

// flat copies every box into one slice, in box order.
func (l boxList) flat() []BoxResult {
	n := 0
	for _, p := range l {
		n += len(p.boxes)
	}
	out := make([]BoxResult, 0, n)
	for _, p := range l {
		out = append(out, p.boxes...)
	}
	return out
}
