package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Decision is one reviewer's decision on one field of a sheet. Decisions are
// only ever inserted: a later decision on the same field supersedes an
// earlier one without changing it.
type Decision struct {
	ID      int64
	SheetID string
	Field   string
	Kind    string
	// Value is the figure the decision accepts; nil for an objection.
	Value *int64
	// Typed and Read are the figures the reviewer had in front of them.
	Typed     *int64
	Read      *int64
	Note      string
	UserID    int64
	Actor     string
	CreatedAt time.Time
}

// InsertDecision appends a decision and returns its id.
func (tx *Tx) InsertDecision(ctx context.Context, d Decision) (int64, error) {
	var id int64
	err := tx.q.queryRow(ctx, `INSERT INTO decisions (sheet_id, field, kind, value, typed, read, note, user_id, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.SheetID, d.Field, d.Kind, nullInt(d.Value), nullInt(d.Typed), nullInt(d.Read), d.Note, d.UserID, d.Actor, d.CreatedAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert decision: %w", mapErr(err))
	}
	return id, nil
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// decisionColumns are the columns scanDecision reads, in its order.
const decisionColumns = `id, sheet_id, field, kind, value, typed, read, note, user_id, actor, created_at`

// Decisions returns a sheet's decisions, oldest first.
func (tx *Tx) Decisions(ctx context.Context, sheetID string) ([]Decision, error) {
	return queryAll(ctx, tx.q, "decisions of "+sheetID, `SELECT `+decisionColumns+` FROM decisions WHERE sheet_id = ? ORDER BY id`,
		[]any{sheetID}, scanDecision)
}

// AllDecisions returns every decision of every sheet, oldest first: what a
// check of the custody log compares with the entries that recorded them.
func (tx *Tx) AllDecisions(ctx context.Context) ([]Decision, error) {
	return queryAll(ctx, tx.q, "all decisions", `SELECT `+decisionColumns+` FROM decisions ORDER BY id`, nil, scanDecision)
}

// SheetsWithDecision lists the sheets with at least one decision of kind,
// in province il when set, the longest waiting first. Whether such a
// decision still stands is the domain's to say.
func (tx *Tx) SheetsWithDecision(ctx context.Context, kind, il string) ([]Sheet, error) {
	return queryAll(ctx, tx.q, "sheets with "+kind+" decisions", `SELECT `+sheetColumns+` FROM sheets WHERE (? = '' OR il = ?)
		AND id IN (SELECT sheet_id FROM decisions WHERE kind = ?) ORDER BY created_at, id`, []any{il, il, kind}, scanSheet)
}

// scanDecision scans decisionColumns.
func scanDecision(r rowScanner) (Decision, error) {
	var d Decision
	var v, t, rd sql.NullInt64
	if err := r.Scan(&d.ID, &d.SheetID, &d.Field, &d.Kind, &v, &t, &rd, &d.Note, &d.UserID, &d.Actor, &d.CreatedAt); err != nil {
		return Decision{}, err
	}
	for _, p := range []struct {
		n   sql.NullInt64
		dst **int64
	}{{v, &d.Value}, {t, &d.Typed}, {rd, &d.Read}} {
		if p.n.Valid {
			x := p.n.Int64
			*p.dst = &x
		}
	}
	return d, nil
}

// SetSheetReviewState records whether a sheet waits for review. It leaves
// updated_at alone: the review state follows from the verdict and the
// decisions, each of which sets it.
func (tx *Tx) SetSheetReviewState(ctx context.Context, id, state string) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET review_state = ? WHERE id = ?`, state, id)
	return affected("set review state", id, n, err)
}

// QueueFilter selects the sheets waiting for review.
type QueueFilter struct {
	// Status is the OCR verdict of the sheets; required.
	Status string
	// ReviewState is the review state of the sheets; required.
	ReviewState string
	// Il limits the queue to one province when set.
	Il string
	// Limit caps the number of sheets. Defaults to 100.
	Limit int
}

// queueColumns are the columns of a sheet the review queue is ordered and
// filtered by; SheetByID has the rest of the few it shows. A queue of every
// waiting sheet of the country with their readings and results is
// hundreds of megabytes.
const queueColumns = `id, form, il, ilce, sandik_no, status, review_state, uploaded_by, created_at`

// ReviewQueue lists sheets by f, the longest waiting first. Each sheet has
// only its id, form, box, status, review state, uploader and creation time.
func (tx *Tx) ReviewQueue(ctx context.Context, f QueueFilter) ([]Sheet, error) {
	where := []string{"status = ?", "review_state = ?"}
	args := []any{f.Status, f.ReviewState}
	if f.Il != "" {
		where = append(where, "il = ?")
		args = append(args, f.Il)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	return queryAll(ctx, tx.q, "review queue", `SELECT `+queueColumns+` FROM sheets WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at, id LIMIT ?`, args, func(r rowScanner) (Sheet, error) {
		var s Sheet
		err := r.Scan(&s.ID, &s.Form, &s.Il, &s.Ilce, &s.SandikNo, &s.Status, &s.ReviewState, &s.UploadedBy, &s.CreatedAt)
		return s, err
	})
}
