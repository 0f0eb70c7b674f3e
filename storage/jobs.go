package storage

import (
	"context"
)

// StrandedSheets returns up to limit ids of sheets still queued or
// processing whose River job of kind has ended without them getting an
// outcome (discarded or cancelled), with no job of that kind waiting or
// running for them: nothing will ever read them. A worker process that
// dies on a job's last attempt leaves such a sheet, for River's rescuer
// then discards the job. With sheetID set, only that sheet is considered.
func (tx *Tx) StrandedSheets(ctx context.Context, kind, sheetID string, limit int) ([]string, error) {
	// River's own table: ->> reads its args on PostgreSQL's jsonb and on
	// SQLite's JSONB alike.
	return queryAll(ctx, tx.q, "stranded sheets", `SELECT DISTINCT s.id FROM sheets s
		JOIN river_job j ON j.kind = ? AND j.state IN ('discarded', 'cancelled') AND j.args ->> 'sheet_id' = s.id
		WHERE s.status IN ('queued', 'processing') AND (? = '' OR s.id = ?)
		AND NOT EXISTS (SELECT 1 FROM river_job k WHERE k.kind = ?
			AND k.state IN ('available', 'pending', 'retryable', 'running', 'scheduled') AND k.args ->> 'sheet_id' = s.id)
		ORDER BY s.id LIMIT ?`, []any{kind, sheetID, sheetID, kind, limit}, func(r rowScanner) (string, error) {
		var id string
		return id, mapErr(r.Scan(&id))
	})
}
