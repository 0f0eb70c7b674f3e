package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// SheetRecord is what of a sheet the custody entries record: the
// original's SHA-256, size and form, the box it is filed under, the SHA-256
// of its typed figures and of its reading as stored (entries' subjects),
// its status (the verdicts entries record) and its legal hold.
type SheetRecord struct {
	ID       string
	SHA256   string
	Size     int64
	Form     string
	Il       string
	Ilce     string
	SandikNo string
	Status   string
	// TypedSHA256 and ReadingSHA256 are the hex SHA-256 of the typed
	// figures' and the reading's JSON, byte for byte as stored; "" when the
	// sheet has none.
	TypedSHA256   string
	ReadingSHA256 string
	LegalHold     bool
}

// EachSheetRecord calls fn for every sheet, in one query: a check of the
// custody log compares them with the entries that recorded them, for a
// whole country's sheets at once. PostgreSQL hashes the JSON itself, so
// that a reading's tens of kilobytes do not cross the network for each
// sheet; SQLite, in the process, hands over the bytes. fn must not query
// the database.
func (tx *Tx) EachSheetRecord(ctx context.Context, fn func(SheetRecord) error) error {
	typed, reading := "typed", "reading"
	if tx.db.dialect == Postgres {
		typed = `encode(sha256(convert_to(typed, 'UTF8')), 'hex')`
		reading = `encode(sha256(convert_to(reading, 'UTF8')), 'hex')`
	}
	rows, err := tx.q.query(ctx, `SELECT id, sha256, size, form, il, ilce, sandik_no, status, `+typed+`, `+reading+`, legal_hold
		FROM sheets`)
	if err != nil {
		return fmt.Errorf("sheet records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r SheetRecord
		var typed, reading sql.NullString
		var hold int
		if err := rows.Scan(&r.ID, &r.SHA256, &r.Size, &r.Form, &r.Il, &r.Ilce, &r.SandikNo, &r.Status, &typed, &reading, &hold); err != nil {
			return fmt.Errorf("sheet records: %w", mapErr(err))
		}
		r.TypedSHA256, r.ReadingSHA256 = typed.String, reading.String
		if tx.db.dialect != Postgres {
			r.TypedSHA256, r.ReadingSHA256 = hexSHA256(typed), hexSHA256(reading)
		}
		r.LegalHold = hold != 0
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sheet records: %w", err)
	}
	return nil
}

// hexSHA256 is the SHA-256 of s's bytes in hex, "" for NULL.
func hexSHA256(s sql.NullString) string {
	if !s.Valid {
		return ""
	}
	sum := sha256.Sum256([]byte(s.String))
	return hex.EncodeToString(sum[:])
}

// AllBoxTyped returns the typed figures of every box (Form, the box and
// Counts only): what a check of the custody log compares with the entries
// that recorded them.
func (tx *Tx) AllBoxTyped(ctx context.Context) ([]BoxTyped, error) {
	return queryAll(ctx, tx.q, "all box typed", `SELECT form, il, ilce, sandik_no, counts FROM box_typed
		ORDER BY form, il, ilce, sandik_no`, nil,
		func(r rowScanner) (BoxTyped, error) {
			var b BoxTyped
			var counts string
			if err := r.Scan(&b.Form, &b.Il, &b.Ilce, &b.SandikNo, &counts); err != nil {
				return BoxTyped{}, mapErr(err)
			}
			b.Counts = []byte(counts)
			return b, nil
		})
}
