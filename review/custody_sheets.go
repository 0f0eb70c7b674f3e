package review

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/tutanak/tutanak/storage"
)

// emptySum is the subject of an ocr_result that stored no reading (the
// photo unreadable, its original missing): hashBytes(nil).
var emptySum = hashBytes(nil)

// recordedSheet is what the custody entries of one sheet recorded of the
// sheets table's row, each part with the seq of the entry that recorded it
// last (0: none did). The sheets table, unlike the custody table and the
// decisions table, is written on every change and has no trigger: a hand
// edit of it leaves the chain whole.
type recordedSheet struct {
	// upload is the entry that created the sheet; sha256 its subject, form
	// and size from its detail.
	upload int64
	sha256 string
	form   string
	size   int64
	// box is the box an upload with a box, or the latest box_change,
	// filed the sheet under. A sheet uploaded without a box takes its
	// printed header's when it is first read, and no entry records that:
	// its box is pinned only once a lawyer files it (box_change).
	boxSeq int64
	box    Box
	// typed is the sheet's own typed figures' SHA-256, from the latest
	// typed_entry that typed them for the sheet (at upload or SetTyped).
	// Figures typed for the box are kept in box_typed, not on the sheet.
	typedSeq int64
	typed    string
	// reading is the SHA-256 of the reading the latest ocr_result stored;
	// an ocr_result of an unreadable sheet stores none and leaves it.
	readSeq int64
	reading string
	// verdict is the status the latest entry that worked one out left
	// (ocr_result, typed_entry, box_change); "" once an entry changed the
	// status without recording it (an upload that queues the sheet again,
	// a box retyped in the format before each sheet got its own entry).
	verdictSeq int64
	verdict    string
	// verdictBy is the subject of the box's figures when the verdict came
	// with them (a box typed after the sheet came), "" otherwise.
	verdictBy string
	// hold is the latest legal_hold entry's.
	holdSeq int64
	hold    bool
}

// recordedBox is the latest typed_entry of figures typed for a box, under
// no sheet: what box_typed must hold for the box.
type recordedBox struct {
	seq int64
	sum string
}

// sheetLedger gathers, from one pass over the chain, what its entries
// recorded of every sheet and every box's typed figures.
type sheetLedger struct {
	sheets map[string]*recordedSheet
	boxes  map[storage.BoxKey]recordedBox
}

func newSheetLedger() *sheetLedger {
	return &sheetLedger{sheets: map[string]*recordedSheet{}, boxes: map[storage.BoxKey]recordedBox{}}
}

func (l *sheetLedger) sheet(id string) *recordedSheet {
	r := l.sheets[id]
	if r == nil {
		r = &recordedSheet{}
		l.sheets[id] = r
	}
	return r
}

// add takes in one entry of the chain, in chain order. It returns a break
// for an entry whose detail does not say what its action always records.
func (l *sheetLedger) add(e storage.CustodyEntry) []string {
	if e.SheetID == "" {
		if e.Action != ActionTypedEntry {
			return nil
		}
		d, ok := decodeBoxTyped(e.Detail)
		if !ok {
			return []string{fmt.Sprintf("entry %d: figures typed for a box without the form and box they were typed for", e.Seq)}
		}
		l.boxes[d.Box.of(d.Form)] = recordedBox{seq: e.Seq, sum: e.SubjectHash}
		// The sheets whose verdicts this typing worked out again. Since
		// each got an entry of its own, written just before this one, that
		// entry holds the verdict; before, none did.
		for _, id := range d.Sheets {
			r := l.sheet(id)
			if r.verdictSeq < e.Seq-int64(len(d.Sheets)) || r.verdictBy != e.SubjectHash {
				r.verdictSeq, r.verdict, r.verdictBy = e.Seq, "", ""
			}
		}
		return nil
	}
	r := l.sheet(e.SheetID)
	switch e.Action {
	case ActionUpload:
		var d struct {
			Form string `json:"form"`
			Size int64  `json:"size"`
			Box  *Box   `json:"box"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			return []string{fmt.Sprintf("entry %d: an upload of sheet %s whose detail does not decode", e.Seq, e.SheetID)}
		}
		if r.upload == 0 {
			r.upload, r.sha256, r.form, r.size = e.Seq, e.SubjectHash, d.Form, d.Size
		}
		// The photo sent again (its original lost) records no box: the
		// sheet keeps its own.
		if d.Box != nil && !d.Box.empty() {
			r.boxSeq, r.box = e.Seq, *d.Box
		}
		// Sent again, the sheet is queued to be read anew.
		r.verdictSeq, r.verdict, r.verdictBy = e.Seq, "", ""
	case ActionTypedEntry:
		var d map[string]json.RawMessage
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			return []string{fmt.Sprintf("entry %d: figures typed for sheet %s whose detail does not decode", e.Seq, e.SheetID)}
		}
		// Figures typed for the sheet's box and applied to it name the box;
		// those typed for the sheet (its upload's, whose detail is the
		// figures themselves, and SetTyped's) do not, and are what the
		// sheet stores.
		_, byBox := d["box"]
		if !byBox {
			r.typedSeq, r.typed = e.Seq, e.SubjectHash
		}
		if v, ok := d["verdict"]; ok {
			r.verdictSeq, r.verdict, r.verdictBy = e.Seq, jsonString(v), ""
			if byBox {
				r.verdictBy = e.SubjectHash
			}
		}
	case ActionOCRResult:
		var d struct {
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			return []string{fmt.Sprintf("entry %d: a reading of sheet %s whose detail does not decode", e.Seq, e.SheetID)}
		}
		if e.SubjectHash != emptySum {
			r.readSeq, r.reading = e.Seq, e.SubjectHash
		}
		r.verdictSeq, r.verdict, r.verdictBy = e.Seq, d.Verdict, ""
	case ActionBoxChange:
		var d struct {
			To      Box    `json:"to"`
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil || d.To.empty() {
			return []string{fmt.Sprintf("entry %d: a box change of sheet %s without the box it filed the sheet under", e.Seq, e.SheetID)}
		}
		r.boxSeq, r.box = e.Seq, d.To
		r.verdictSeq, r.verdict, r.verdictBy = e.Seq, d.Verdict, ""
	case ActionLegalHold:
		var d struct {
			On *bool `json:"on"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil || d.On == nil {
			return []string{fmt.Sprintf("entry %d: a legal hold of sheet %s without whether it is on", e.Seq, e.SheetID)}
		}
		r.holdSeq, r.hold = e.Seq, *d.On
	}
	return nil
}

func jsonString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func boxText(b Box) string {
	return fmt.Sprintf("%q / %q / %q", b.Il, b.Ilce, b.SandikNo)
}

// sheetBreaks compares one row of the sheets table with what the entries
// recorded of it, and forgets the sheet: what is left unchecked at the end
// are sheets the table no longer holds.
func (l *sheetLedger) sheetBreaks(sh storage.SheetRecord) []string {
	r, ok := l.sheets[sh.ID]
	if !ok || r.upload == 0 {
		delete(l.sheets, sh.ID)
		return []string{fmt.Sprintf("sheet %s (sha256 %s): no upload entry records it", sh.ID, sh.SHA256)}
	}
	delete(l.sheets, sh.ID)
	var breaks []string
	add := func(format string, args ...any) {
		breaks = append(breaks, fmt.Sprintf("sheet %s: ", sh.ID)+fmt.Sprintf(format, args...))
	}
	if sh.SHA256 != r.sha256 {
		add("original's sha256 %s, its upload (entry %d) recorded %s", sh.SHA256, r.upload, r.sha256)
	}
	if sh.Form != r.form {
		add("form %q, its upload (entry %d) recorded %q", sh.Form, r.upload, r.form)
	}
	if sh.Size != r.size {
		add("original's size %d, its upload (entry %d) recorded %d", sh.Size, r.upload, r.size)
	}
	filed := Box{Il: sh.Il, Ilce: sh.Ilce, SandikNo: sh.SandikNo}
	switch {
	case r.boxSeq != 0 && filed != r.box:
		add("filed under %s, entry %d recorded %s", boxText(filed), r.boxSeq, boxText(r.box))
	case r.boxSeq == 0 && r.readSeq == 0 && !filed.empty():
		// Uploaded without a box and never read: nothing took a box from
		// its header, and no lawyer filed it.
		add("filed under %s, but it was uploaded without a box (entry %d) and no entry files it", boxText(filed), r.upload)
	}
	switch typed := sh.TypedSHA256; {
	case r.typedSeq == 0 && typed != "":
		add("typed figures (sha256 %s) that no typed_entry records", typed)
	case r.typedSeq != 0 && typed == "":
		add("no typed figures, entry %d recorded figures with sha256 %s", r.typedSeq, r.typed)
	case r.typedSeq != 0 && typed != r.typed:
		add("typed figures' sha256 %s, entry %d recorded %s", typed, r.typedSeq, r.typed)
	}
	switch reading := sh.ReadingSHA256; {
	case r.readSeq == 0 && reading != "":
		add("a reading (sha256 %s) that no ocr_result records", reading)
	case r.readSeq != 0 && reading == "":
		add("no reading, entry %d recorded a reading with sha256 %s", r.readSeq, r.reading)
	case r.readSeq != 0 && reading != r.reading:
		add("reading's sha256 %s, entry %d recorded %s", reading, r.readSeq, r.reading)
	}
	// Only a verdict pins the status: a sheet typed for before it was read
	// records "queued" or "processing", which the worker moves on without
	// an entry.
	if isVerdict(r.verdict) && sh.Status != r.verdict {
		add("status %q, entry %d recorded the verdict %q", sh.Status, r.verdictSeq, r.verdict)
	}
	switch {
	case r.holdSeq == 0 && sh.LegalHold:
		add("under legal hold, which no legal_hold entry records")
	case r.holdSeq != 0 && sh.LegalHold != r.hold:
		add("legal hold %t, entry %d recorded %t", sh.LegalHold, r.holdSeq, r.hold)
	}
	return breaks
}

// sheetBreak is a difference between a sheet's row and its entries.
type sheetBreak struct {
	sheetID string
	text    string
}

// boxBreak is a difference between a box's typed figures and their entry.
type boxBreak struct {
	box  storage.BoxKey
	text string
}

// lostSheets reports the sheets entries recorded an upload of that the
// sheets table no longer holds; call it after sheetBreaks saw every row.
func (l *sheetLedger) lostSheets() []sheetBreak {
	var out []sheetBreak
	for id, r := range l.sheets {
		if r.upload != 0 {
			out = append(out, sheetBreak{id, fmt.Sprintf("entry %d: records the upload of sheet %s, which the sheets table does not hold", r.upload, id)})
		}
	}
	return out
}

// boxTypedBreaks compares the figures box_typed holds for every box with
// the latest entry that recorded figures typed for it, by box; call it
// once, after the chain.
func (l *sheetLedger) boxTypedBreaks(rows []storage.BoxTyped) []boxBreak {
	var out []boxBreak
	for _, b := range rows {
		k := storage.BoxKey{Form: b.Form, Il: b.Il, Ilce: b.Ilce, SandikNo: b.SandikNo}
		name := fmt.Sprintf("box %s %s", b.Form, boxText(keyed(k)))
		r, ok := l.boxes[k]
		delete(l.boxes, k)
		switch sum := hashBytes(b.Counts); {
		case !ok:
			out = append(out, boxBreak{k, fmt.Sprintf("%s: typed figures (sha256 %s) that no typed_entry records", name, sum)})
		case sum != r.sum:
			out = append(out, boxBreak{k, fmt.Sprintf("%s: typed figures' sha256 %s, entry %d recorded %s", name, sum, r.seq, r.sum)})
		}
	}
	left := slices.SortedFunc(maps.Keys(l.boxes), func(a, b storage.BoxKey) int { return cmp.Compare(l.boxes[a].seq, l.boxes[b].seq) })
	for _, k := range left {
		out = append(out, boxBreak{k, fmt.Sprintf("entry %d: records figures typed for box %s %s, which box_typed does not hold",
			l.boxes[k].seq, k.Form, boxText(keyed(k)))})
	}
	return out
}

// changes are the sheets and boxes entries after the chain as read name:
// changed while the check read the tables.
type changes struct {
	sheets map[string]bool
	boxes  map[storage.BoxKey]bool
}

// changedSince reads the entries committed after seq.
func changedSince(ctx context.Context, tx *storage.Tx, seq int64) (changes, error) {
	c := changes{sheets: map[string]bool{}, boxes: map[storage.BoxKey]bool{}}
	for {
		after, err := tx.CustodyAfter(ctx, seq, 1000)
		if err != nil {
			return changes{}, err
		}
		if len(after) == 0 {
			return c, nil
		}
		for _, e := range after {
			seq = e.Seq
			if e.SheetID != "" {
				c.sheets[e.SheetID] = true
				continue
			}
			if e.Action != ActionTypedEntry {
				continue
			}
			if d, ok := decodeBoxTyped(e.Detail); ok {
				c.boxes[d.Box.of(d.Form)] = true
				for _, id := range d.Sheets {
					c.sheets[id] = true
				}
			}
		}
	}
}
