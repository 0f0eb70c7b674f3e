package storage

import (
	"context"
	"fmt"
	"time"
)

// BoxKey names one ballot box of one form.
type BoxKey struct {
	Form     string
	Il       string
	Ilce     string
	SandikNo string
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

// BoxSheets lists every sheet of form assigned to a complete box (il, ilce
// and sandık number all known), in box order and oldest first within a
// box; il limits the list to one province when set. Totals are built from
// these, so there is no limit.
func (tx *Tx) BoxSheets(ctx context.Context, form, il string) ([]Sheet, error) {
	q := `SELECT ` + sheetColumns + ` FROM sheets WHERE form = ? AND il <> '' AND ilce <> '' AND sandik_no <> ''`
	args := []any{form}
	if il != "" {
		q += ` AND il = ?`
		args = append(args, il)
	}
	rows, err := tx.q.query(ctx, q+` ORDER BY il, ilce, sandik_no, created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("box sheets: %w", err)
	}
	defer rows.Close()
	var out []Sheet
	for rows.Next() {
		s, err := scanSheet(rows)
		if err != nil {
			return nil, fmt.Errorf("box sheets: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("box sheets: %w", err)
	}
	return out, nil
}

// TypedBoxes lists the boxes of form whose figures were typed apart from
// any photo; il limits the list to one province when set. A box known
// only this way is missing from the totals until a sheet is accepted.
func (tx *Tx) TypedBoxes(ctx context.Context, form, il string) ([]BoxKey, error) {
	q := `SELECT form, il, ilce, sandik_no FROM box_typed WHERE form = ?`
	args := []any{form}
	if il != "" {
		q += ` AND il = ?`
		args = append(args, il)
	}
	rows, err := tx.q.query(ctx, q+` ORDER BY il, ilce, sandik_no`, args...)
	if err != nil {
		return nil, fmt.Errorf("typed boxes: %w", err)
	}
	defer rows.Close()
	var out []BoxKey
	for rows.Next() {
		var k BoxKey
		if err := rows.Scan(&k.Form, &k.Il, &k.Ilce, &k.SandikNo); err != nil {
			return nil, fmt.Errorf("typed boxes: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("typed boxes: %w", err)
	}
	return out, nil
}

// ChangeMark is a short text that changes whenever a sheet, a decision, a
// box's typed figures or an official import does: the live pages poll it,
// which works however many worker processes write. Sheets' updated_at moves
// on every verdict and typed entry, box_typed's on every entry for a box
// (one with no photo yet is a missing box in the totals); decisions and
// imports only ever add rows.
func (tx *Tx) ChangeMark(ctx context.Context) (string, error) {
	var sheets, decisions, imports, typed int64
	var last, lastTyped string
	err := tx.q.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM sheets), (SELECT COUNT(*) FROM decisions),
		(SELECT COUNT(*) FROM official_imports), COALESCE((SELECT CAST(MAX(updated_at) AS TEXT) FROM sheets), ''),
		(SELECT COUNT(*) FROM box_typed), COALESCE((SELECT CAST(MAX(updated_at) AS TEXT) FROM box_typed), '')`).
		Scan(&sheets, &decisions, &imports, &last, &typed, &lastTyped)
	if err != nil {
		return "", fmt.Errorf("change mark: %w", err)
	}
	return fmt.Sprintf("%d/%d/%d/%s/%d/%s", sheets, decisions, imports, last, typed, lastTyped), nil
}
