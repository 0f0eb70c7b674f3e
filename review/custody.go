package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	// Breaks lists every entry that does not chain; empty when intact.
	Breaks []string `json:"breaks"`
}

// OK reports whether the chain is intact.
func (r CustodyReport) OK() bool { return len(r.Breaks) == 0 }

// VerifyCustody walks the whole chain and reports every break: an entry
// whose hash is not its content's, one that does not point at its
// predecessor, or a gap in the sequence.
func (s *Service) VerifyCustody(ctx context.Context) (CustodyReport, error) {
	var rep CustodyReport
	prev := storage.CustodyEntry{}
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		return tx.Custody(ctx, "", func(e storage.CustodyEntry) error {
			rep.Entries++
			if e.Seq != prev.Seq+1 {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: follows %d (gap)", e.Seq, prev.Seq))
			}
			if e.PrevHash != prev.Hash {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: previous hash %.12s… is not entry %d's %.12s…", e.Seq, e.PrevHash, prev.Seq, prev.Hash))
			}
			if got := entryHash(e); got != e.Hash {
				rep.Breaks = append(rep.Breaks, fmt.Sprintf("entry %d: content hashes to %.12s…, recorded %.12s…", e.Seq, got, e.Hash))
			}
			prev = e
			return nil
		})
	})
	if err != nil {
		return CustodyReport{}, fmt.Errorf("verify custody: %w", err)
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
