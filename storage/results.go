package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// BoxKey names one ballot box of one form. As the scope of the totals'
// queries (BoxSheets, TypedBoxes, BoxDecisions) it may name less: Form
// alone is every box of the form, and Il, Ilce and SandikNo each narrow it
// when set.
type BoxKey struct {
	Form     string
	Il       string
	Ilce     string
	SandikNo string
}

// where is the condition on a table's form, il, ilce and sandik_no columns
// that selects the boxes of scope, with its arguments.
func (scope BoxKey) where() (string, []any) {
	cond, args := `form = ?`, []any{scope.Form}
	for _, c := range []struct{ col, val string }{{"il", scope.Il}, {"ilce", scope.Ilce}, {"sandik_no", scope.SandikNo}} {
		if c.val != "" {
			cond += ` AND ` + c.col + ` = ?`
			args = append(args, c.val)
		}
	}
	return cond, args
}

// BoxCountedAt returns when the first sheet of a box arrived: its count is
// no later, so objections about it close by that time's window.
// ErrNotFound when the box has no sheet.
func (tx *Tx) BoxCountedAt(ctx context.Context, form, il, ilce, sandikNo string) (time.Time, error) {
	var at time.Time
	err := tx.q.queryRow(ctx, `SELECT created_at FROM sheets WHERE form = ? AND il = ? AND ilce = ? AND sandik_no = ?
		ORDER BY created_at, id LIMIT 1`, form, il, ilce, sandikNo).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("box counted at: %w", mapErr(err))
	}
	return at, nil
}

// boxSheetColumns are the columns of a sheet the totals scan: neither the
// typed figures nor the reading, which are most of a sheet's bytes (a
// reading is about 8 KB of digit probabilities), nor the result, which the
// totals decode once per version (ResultVersion) and fetch apart
// (SheetResults). Loading every column of every sheet of the country took
// gigabytes a call. The index sheets_totals holds all of them.
const boxSheetColumns = `id, il, ilce, sandik_no, status, review_state, result_version, created_at`

// BoxSheet is a sheet as the totals scan it: a third of a Sheet's size,
// for a list of every sheet of the country.
type BoxSheet struct {
	ID          string
	Il          string
	Ilce        string
	SandikNo    string
	Status      string
	ReviewState string
	// ResultVersion is the sheet's (Sheet.ResultVersion).
	ResultVersion int64
	CreatedAt     time.Time
}

func scanBoxSheet(r rowScanner) (BoxSheet, error) {
	var s BoxSheet
	err := r.Scan(&s.ID, &s.Il, &s.Ilce, &s.SandikNo, &s.Status, &s.ReviewState, &s.ResultVersion, &s.CreatedAt)
	return s, mapErr(err)
}

// BoxSheets lists every sheet in scope assigned to a complete box (il,
// ilce and sandık number all known), in box order and oldest first within
// a box. Totals are built from these, so there is no limit. SheetResults
// has the sheets' results.
func (tx *Tx) BoxSheets(ctx context.Context, scope BoxKey) ([]BoxSheet, error) {
	where, args := scope.where()
	return queryAll(ctx, tx.q, "box sheets", `SELECT `+boxSheetColumns+` FROM sheets WHERE `+where+
		` AND il <> '' AND ilce <> '' AND sandik_no <> '' ORDER BY il, ilce, sandik_no, created_at, id`, args, scanBoxSheet)
}

// StoredResult is one version of a sheet's result.
type StoredResult struct {
	Version int64
	// Result is the result JSON; nil when the sheet has none.
	Result []byte
}

// idBatch bounds the ids of one query by sheet ids, well under both
// databases' limits on parameters.
const idBatch = 500

// inBatches calls fn for each batch of at most idBatch ids, with the
// placeholders of an IN list and their arguments.
func inBatches(ids []string, fn func(in string, args []any) error) error {
	for len(ids) > 0 {
		batch := ids[:min(len(ids), idBatch)]
		ids = ids[len(batch):]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		if err := fn(strings.Repeat(", ?", len(batch))[2:], args); err != nil {
			return err
		}
	}
	return nil
}

// SheetResults returns the results of the sheets ids names, by id, with
// their versions; a sheet that does not exist is left out.
func (tx *Tx) SheetResults(ctx context.Context, ids []string) (map[string]StoredResult, error) {
	out := make(map[string]StoredResult, len(ids))
	type stored struct {
		id string
		r  StoredResult
	}
	err := inBatches(ids, func(in string, args []any) error {
		rows, err := queryAll(ctx, tx.q, "sheet results", `SELECT id, result_version, result FROM sheets WHERE id IN (`+in+`)`, args,
			func(r rowScanner) (stored, error) {
				var st stored
				var result sql.NullString
				if err := r.Scan(&st.id, &st.r.Version, &result); err != nil {
					return st, err
				}
				if result.Valid {
					st.r.Result = []byte(result.String)
				}
				return st, nil
			})
		for _, st := range rows {
			out[st.id] = st.r
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BoxDecisions returns, by sheet id, the decisions (oldest first) of every
// sheet in scope in a complete box whose review state is reviewState. The
// totals read the decisions of every resolved sheet: one query, not one a
// sheet.
func (tx *Tx) BoxDecisions(ctx context.Context, scope BoxKey, reviewState string) (map[string][]Decision, error) {
	// From the few sheets in reviewState to their decisions, not from
	// every sheet of the form.
	where, args := scope.where()
	sub := `SELECT id FROM sheets WHERE review_state = ? AND ` + where + ` AND il <> '' AND ilce <> '' AND sandik_no <> ''`
	args = append([]any{reviewState}, args...)
	decisions, err := queryAll(ctx, tx.q, "box decisions", `SELECT `+decisionColumns+` FROM decisions WHERE sheet_id IN (`+sub+`)
		ORDER BY sheet_id, id`, args, scanDecision)
	if err != nil {
		return nil, err
	}
	out := map[string][]Decision{}
	for _, d := range decisions {
		out[d.SheetID] = append(out[d.SheetID], d)
	}
	return out, nil
}

// FirstSheetTimes returns, for every box with a sheet f selects (its Limit
// aside), when the first sheet of the box's form arrived: BoxCountedAt for
// all the boxes of a review queue at once.
func (tx *Tx) FirstSheetTimes(ctx context.Context, f QueueFilter) (map[BoxKey]time.Time, error) {
	sub := `SELECT form, il, ilce, sandik_no FROM sheets WHERE status = ? AND review_state = ?`
	args := []any{f.Status, f.ReviewState}
	if f.Il != "" {
		sub += ` AND il = ?`
		args = append(args, f.Il)
	}
	type first struct {
		key BoxKey
		at  time.Time
	}
	firsts, err := queryAll(ctx, tx.q, "first sheet times", `SELECT form, il, ilce, sandik_no, MIN(created_at) FROM sheets
		WHERE il <> '' AND ilce <> '' AND sandik_no <> '' AND (form, il, ilce, sandik_no) IN (`+sub+`)
		GROUP BY form, il, ilce, sandik_no`, args, func(r rowScanner) (first, error) {
		var f first
		return f, r.Scan(&f.key.Form, &f.key.Il, &f.key.Ilce, &f.key.SandikNo, &f.at)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[BoxKey]time.Time, len(firsts))
	for _, f := range firsts {
		out[f.key] = f.at
	}
	return out, nil
}

// TypedBoxes lists the boxes in scope whose figures were typed apart from
// any photo. A box known only this way is missing from the totals until a
// sheet is accepted.
func (tx *Tx) TypedBoxes(ctx context.Context, scope BoxKey) ([]BoxKey, error) {
	where, args := scope.where()
	return queryAll(ctx, tx.q, "typed boxes", `SELECT form, il, ilce, sandik_no FROM box_typed WHERE `+where+` ORDER BY il, ilce, sandik_no`,
		args, func(r rowScanner) (BoxKey, error) {
			var k BoxKey
			return k, r.Scan(&k.Form, &k.Il, &k.Ilce, &k.SandikNo)
		})
}

// ChangeMark is a short text that changes whenever a sheet, a decision, a
// box's typed figures or an official import does: the live pages poll it,
// and the totals are kept for as long as it stays the same, which works
// however many worker processes write. Sheets' updated_at moves on every
// verdict and typed entry, box_typed's on every entry for a box (one with no
// photo yet is a missing box in the totals); decisions and imports only ever
// add rows, with growing ids. The head of the custody chain moves with every
// one of these the service makes, in the order they commit, where a time or
// an id may not: two machines' clocks differ, and a transaction holding a
// smaller id may commit after a larger one. Each part is one lookup in an
// index; counting the rows, as this once did, read every sheet's entry in
// one, every second for every open dashboard.
func (tx *Tx) ChangeMark(ctx context.Context) (string, error) {
	var last, lastTyped string
	var decision, imported, custody int64
	err := tx.q.queryRow(ctx, `SELECT COALESCE((SELECT CAST(MAX(updated_at) AS TEXT) FROM sheets), ''),
		COALESCE((SELECT CAST(MAX(updated_at) AS TEXT) FROM box_typed), ''), COALESCE((SELECT MAX(id) FROM decisions), 0),
		COALESCE((SELECT MAX(id) FROM official_imports), 0), COALESCE((SELECT MAX(seq) FROM custody), 0)`).
		Scan(&last, &lastTyped, &decision, &imported, &custody)
	if err != nil {
		return "", fmt.Errorf("change mark: %w", err)
	}
	return fmt.Sprintf("%s/%s/%d/%d/%d", last, lastTyped, decision, imported, custody), nil
}

// CustodyChange is what the totals read of a custody entry: which sheet it
// is about and, for an entry about no sheet (figures typed for a box), its
// detail.
type CustodyChange struct {
	Seq     int64
	Action  string
	SheetID string
	// Detail is set only for entries about no sheet.
	Detail string
}

// CustodyHead returns the last custody entry's sequence number, 0 when the
// chain is empty.
func (tx *Tx) CustodyHead(ctx context.Context) (int64, error) {
	var seq int64
	if err := tx.q.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM custody`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("custody head: %w", err)
	}
	return seq, nil
}

// CustodyAfter returns at most limit custody entries after seq, in chain
// order. Appends to the chain are serialised until commit (LockCustody),
// so an entry after seq that is not seen now commits later and is seen by
// the next call: the chain is a feed of every change the service makes.
func (tx *Tx) CustodyAfter(ctx context.Context, seq int64, limit int) ([]CustodyChange, error) {
	return queryAll(ctx, tx.q, "custody after", `SELECT seq, action, sheet_id, CASE WHEN sheet_id = '' THEN detail ELSE '' END
		FROM custody WHERE seq > ? ORDER BY seq LIMIT ?`, []any{seq, limit}, func(r rowScanner) (CustodyChange, error) {
		var c CustodyChange
		return c, r.Scan(&c.Seq, &c.Action, &c.SheetID, &c.Detail)
	})
}

// SheetBoxKeys returns the form and box of each sheet ids names, by id; a
// sheet that does not exist is left out.
func (tx *Tx) SheetBoxKeys(ctx context.Context, ids []string) (map[string]BoxKey, error) {
	out := make(map[string]BoxKey, len(ids))
	type keyed struct {
		id  string
		key BoxKey
	}
	err := inBatches(ids, func(in string, args []any) error {
		rows, err := queryAll(ctx, tx.q, "sheet boxes", `SELECT id, form, il, ilce, sandik_no FROM sheets WHERE id IN (`+in+`)`, args,
			func(r rowScanner) (keyed, error) {
				var k keyed
				return k, r.Scan(&k.id, &k.key.Form, &k.key.Il, &k.key.Ilce, &k.key.SandikNo)
			})
		for _, k := range rows {
			out[k.id] = k.key
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
