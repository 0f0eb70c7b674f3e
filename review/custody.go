package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// Custody actions: what happened to a sheet or its figures.
const (
	ActionUpload     = "upload"
	ActionOCRResult  = "ocr_result"
	ActionTypedEntry = "typed_entry"
	ActionDecision   = "review_decision"
	ActionExport     = "export"
	ActionLegalHold  = "legal_hold"
	// ActionBoxChange records a sheet filed again under another box.
	ActionBoxChange = "box_change"
	// ActionOfficialImport records an official results file; it names no
	// sheet and its subject is the file's SHA-256.
	ActionOfficialImport = "official_import"
)

// workerActor is the actor of entries the OCR worker writes.
const workerActor = "worker:ocr"

// custodyTimeLayout fixes how times enter the hash, whatever the database.
const custodyTimeLayout = "2006-01-02T15:04:05.000000Z"

// entryHash chains an entry to the one before it.
func entryHash(e storage.CustodyEntry) string {
	h := sha256.New()
	for _, part := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(custodyTimeLayout), e.Actor, e.Action,
		e.SheetID, e.SubjectHash, e.Detail, e.PrevHash,
	} {
		// Length-prefixed, so no two different entries hash the same text.
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// appendCustody adds an entry to the chain inside tx.
func (s *Service) appendCustody(ctx context.Context, tx *storage.Tx, at time.Time, actor, action, sheetID, subjectHash string, detail any) error {
	_, err := s.appendCustodyEntry(ctx, tx, at, actor, action, sheetID, subjectHash, detail)
	return err
}

// appendCustodyEntry is appendCustody returning the entry written.
func (s *Service) appendCustodyEntry(ctx context.Context, tx *storage.Tx, at time.Time, actor, action, sheetID, subjectHash string, detail any) (storage.CustodyEntry, error) {
	last, err := tx.LockCustody(ctx)
	if err != nil {
		return storage.CustodyEntry{}, err
	}
	d := ""
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return storage.CustodyEntry{}, fmt.Errorf("custody detail: %w", err)
		}
		d = string(b)
	}
	e := storage.CustodyEntry{Seq: last.Seq + 1, At: at, Actor: actor, Action: action, SheetID: sheetID,
		SubjectHash: subjectHash, Detail: d, PrevHash: last.Hash}
	e.Hash = entryHash(e)
	return e, tx.AppendCustody(ctx, e)
}

// CustodyReport is the outcome of checking the chain.
type CustodyReport struct {
	Entries int64 `json:"entries"`
	// Head is the last entry: written down, or published, it is an anchor
	// for a later check.
	Head Anchor `json:"head"`
	// Anchors is how many anchors were checked.
	Anchors int `json:"anchors"`
	// Breaks lists every entry that does not chain, and every anchor the
	// chain does not hold; empty when intact.
	Breaks []string `json:"breaks"`
}

// Anchor is a custody entry known from outside the database: the head an
// earlier check printed and someone kept, or an entry of an evidence
// bundle. The chain hash has no key, so a chain cut at its end, or
// rewritten from some entry on with every hash recomputed, is whole again:
// only what was known of it before can tell.
type Anchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	// From says where the anchor came from, for the report.
	From string `json:"from,omitempty"`
}

// OK reports whether the chain is intact.
func (r CustodyReport) OK() bool { return len(r.Breaks) == 0 }

// recordedDecision is a decision as its review_decision custody entry
// recorded it.
type recordedDecision struct {
	seq     int64
	sheetID string
	actor   string
	detail  decisionDetail
}

// decisionBreaks compares the decisions table, which the totals, the pages
// and the bundles read, with the custody entries that recorded each
// decision: a row changed, added or removed by hand, with the table's
// triggers dropped, leaves the chain whole but no longer says what it does.
func decisionBreaks(decisions []storage.Decision, recorded map[int64]recordedDecision) []string {
	var breaks []string
	for _, d := range decisions {
		r, ok := recorded[d.ID]
		if !ok {
			breaks = append(breaks, fmt.Sprintf("decision %d (sheet %s, %s %s): no custody entry records it", d.ID, d.SheetID, d.Field, d.Kind))
			continue
		}
		delete(recorded, d.ID)
		rd := r.detail
		var differ []string
		for _, p := range []struct{ name, got, want string }{
			{"sheet", d.SheetID, r.sheetID}, {"field", d.Field, rd.Field}, {"kind", d.Kind, rd.Kind},
			{"value", int64Text(d.Value), int64Text(rd.Value)}, {"typed", int64Text(d.Typed), int64Text(rd.Typed)},
			{"read", int64Text(d.Read), int64Text(rd.Read)}, {"actor", d.Actor, r.actor}, {"note", d.Note, rd.Note},
		} {
			if p.got != p.want {
				differ = append(differ, fmt.Sprintf("%s %q, recorded %q", p.name, p.got, p.want))
			}
		}
		if len(differ) > 0 {
			breaks = append(breaks, fmt.Sprintf("decision %d (sheet %s, %s): the decisions table differs from entry %d: %s",
				d.ID, d.SheetID, d.Field, r.seq, strings.Join(differ, ", ")))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(recorded)) {
		r := recorded[id]
		breaks = append(breaks, fmt.Sprintf("entry %d: records decision %d (sheet %s), which the decisions table does not hold", r.seq, id, r.sheetID))
	}
	return breaks
}

func int64Text(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// VerifyCustody walks the whole chain and reports every break: an entry
// whose hash is not its content's, one that does not point at its
// predecessor, a gap in the sequence, or an anchor the chain does not hold
// (an entry missing, or there with another hash). It also checks every
// decision the decisions table holds against the entry that recorded it,
// and every sheet and every box's typed figures against what their
// entries recorded (sheetLedger): the tables the totals, the pages and the
// bundles read can be edited by hand without touching the chain.
//
// It reads the chain, then the tables, one pass each. A change the service
// commits meanwhile shows in the tables but not in the chain as read: the
// sheets and boxes the entries after the chain's read name are left out of
// the comparison, not reported; the next check compares them.
func (s *Service) VerifyCustody(ctx context.Context, anchors ...Anchor) (CustodyReport, error) {
	var rep CustodyReport
	want := map[int64][]Anchor{}
	for _, a := range anchors {
		want[a.Seq] = append(want[a.Seq], a)
	}
	rep.Anchors = len(anchors)
	prev := storage.CustodyEntry{}
	recorded := map[int64]recordedDecision{}
	ledger := newSheetLedger()
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		err := tx.Custody(ctx, "", func(e storage.CustodyEntry) error {
			for _, a := range want[e.Seq] {
				if a.Hash != e.Hash {
					rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: hash %s, %s recorded %s", e.Seq, e.Hash, a.From, a.Hash))
				}
			}
			delete(want, e.Seq)
			rep.Entries++
			if e.Seq != prev.Seq+1 {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: follows %d (gap)", e.Seq, prev.Seq))
			}
			if e.PrevHash != prev.Hash {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: previous hash %s is not entry %d's %s", e.Seq, e.PrevHash, prev.Seq, prev.Hash))
			}
			if got := entryHash(e); got != e.Hash {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: content hashes to %s, recorded %s", e.Seq, got, e.Hash))
			}
			if e.Action == ActionDecision {
				r := recordedDecision{seq: e.Seq, sheetID: e.SheetID, actor: e.Actor}
				if err := json.Unmarshal([]byte(e.Detail), &r.detail); err != nil || r.detail.DecisionID == 0 {
					rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: a review decision without the decision it records", e.Seq))
				} else {
					recorded[r.detail.DecisionID] = r
				}
			}
			rep.Breaks = append(rep.Breaks, ledger.add(e)...)
			prev = e
			return nil
		})
		if err != nil {
			return err
		}
		decisions, err := tx.AllDecisions(ctx)
		if err != nil {
			return err
		}
		var sheetBreaks []sheetBreak
		err = tx.EachSheetRecord(ctx, func(sh storage.SheetRecord) error {
			for _, b := range ledger.sheetBreaks(sh) {
				sheetBreaks = append(sheetBreaks, sheetBreak{sh.ID, b})
			}
			return nil
		})
		if err != nil {
			return err
		}
		boxTyped, err := tx.AllBoxTyped(ctx)
		if err != nil {
			return err
		}
		changed, err := changedSince(ctx, tx, prev.Seq)
		if err != nil {
			return err
		}
		// Decided meanwhile: the entry is not in the chain as read.
		decisions = slices.DeleteFunc(decisions, func(d storage.Decision) bool {
			_, ok := recorded[d.ID]
			return !ok && changed.sheets[d.SheetID]
		})
		rep.Breaks = append(rep.Breaks, decisionBreaks(decisions, recorded)...)
		sheetBreaks = append(sheetBreaks, ledger.lostSheets()...)
		slices.SortStableFunc(sheetBreaks, func(a, b sheetBreak) int { return strings.Compare(a.sheetID, b.sheetID) })
		for _, b := range sheetBreaks {
			if !changed.sheets[b.sheetID] {
				rep.Breaks = append(rep.Breaks, b.text)
			}
		}
		for _, b := range ledger.boxTypedBreaks(boxTyped) {
			if !changed.boxes[b.box] {
				rep.Breaks = append(rep.Breaks, b.text)
			}
		}
		return nil
	})
	if err != nil {
		return CustodyReport{}, fmt.Errorf("verify custody: %w", err)
	}
	rep.Head = Anchor{Seq: prev.Seq, Hash: prev.Hash}
	missing := slices.Sorted(maps.Keys(want))
	for _, seq := range missing {
		for _, a := range want[seq] {
			rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: not in the chain (its last entry is %d), %s recorded it", seq, prev.Seq, a.From))
		}
	}
	return rep, nil
}

// HistoryEntry is one custody entry of a sheet as shown to people.
type HistoryEntry struct {
	Seq         int64           `json:"seq"`
	At          time.Time       `json:"at"`
	Actor       string          `json:"actor"`
	Action      string          `json:"action"`
	SubjectHash string          `json:"subject_sha256"`
	Detail      json.RawMessage `json:"detail,omitempty"`
	Hash        string          `json:"hash"`
}

func history(ctx context.Context, tx *storage.Tx, sheetID string) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := tx.Custody(ctx, sheetID, func(e storage.CustodyEntry) error {
		h := HistoryEntry{Seq: e.Seq, At: e.At, Actor: actorName(e.Actor), Action: e.Action, SubjectHash: e.SubjectHash, Hash: e.Hash}
		if e.Detail != "" {
			h.Detail = json.RawMessage(e.Detail)
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// actorName drops the internal id from "user:ID:NAME".
func actorName(a string) string {
	if rest, ok := strings.CutPrefix(a, "user:"); ok {
		if _, name, ok := strings.Cut(rest, ":"); ok {
			return name
		}
	}
	return a
}
