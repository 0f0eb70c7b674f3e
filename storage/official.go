package storage

import (
	"context"
	"fmt"
	"time"
)

// OfficialImport is one import of the authority's published results.
type OfficialImport struct {
	ID      int64
	Form    string
	Source  string
	SHA256  string
	Partial bool
	Boxes   int
	Actor   string
	At      time.Time
}

// OfficialRow is the official figures of one box in one import.
type OfficialRow struct {
	ImportID int64
	Form     string
	Il       string
	Ilce     string
	SandikNo string
	// Counts is JSON: field id -> figure.
	Counts []byte
	// Partial marks figures the authority is still entering.
	Partial bool
}

// InsertOfficialImport records an import and returns its id.
func (tx *Tx) InsertOfficialImport(ctx context.Context, im OfficialImport) (int64, error) {
	var id int64
	err := tx.q.queryRow(ctx, `INSERT INTO official_imports (form, source, sha256, partial, boxes, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		im.Form, im.Source, im.SHA256, boolInt(im.Partial), im.Boxes, im.Actor, im.At).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert official import: %w", mapErr(err))
	}
	return id, nil
}

// InsertOfficialRow adds one box's figures to an import; ErrDuplicate when
// the import already has the box.
func (tx *Tx) InsertOfficialRow(ctx context.Context, r OfficialRow) error {
	_, err := tx.q.exec(ctx, `INSERT INTO official_results (import_id, form, il, ilce, sandik_no, counts, partial)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ImportID, r.Form, r.Il, r.Ilce, r.SandikNo, string(r.Counts), boolInt(r.Partial))
	if err != nil {
		return fmt.Errorf("insert official row %s/%s/%s: %w", r.Il, r.Ilce, r.SandikNo, mapErr(err))
	}
	return nil
}

// CurrentOfficial lists each box's figures from the latest import that has
// it, in box order; il limits the list to one province when set.
func (tx *Tx) CurrentOfficial(ctx context.Context, form, il string) ([]OfficialRow, error) {
	q := `SELECT r.import_id, r.form, r.il, r.ilce, r.sandik_no, r.counts, r.partial FROM official_results r
		WHERE r.form = ? AND r.import_id = (SELECT MAX(l.import_id) FROM official_results l
			WHERE l.form = r.form AND l.il = r.il AND l.ilce = r.ilce AND l.sandik_no = r.sandik_no)`
	args := []any{form}
	if il != "" {
		q += ` AND r.il = ?`
		args = append(args, il)
	}
	rows, err := tx.q.query(ctx, q+` ORDER BY r.il, r.ilce, r.sandik_no`, args...)
	if err != nil {
		return nil, fmt.Errorf("current official results: %w", err)
	}
	defer rows.Close()
	var out []OfficialRow
	for rows.Next() {
		var r OfficialRow
		var counts string
		var partial int
		if err := rows.Scan(&r.ImportID, &r.Form, &r.Il, &r.Ilce, &r.SandikNo, &counts, &partial); err != nil {
			return nil, fmt.Errorf("current official results: %w", err)
		}
		r.Counts, r.Partial = []byte(counts), partial != 0
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("current official results: %w", err)
	}
	return out, nil
}

// OfficialImports lists every import of form, oldest first: the history
// re-imports never erase.
func (tx *Tx) OfficialImports(ctx context.Context, form string) ([]OfficialImport, error) {
	rows, err := tx.q.query(ctx, `SELECT id, form, source, sha256, partial, boxes, actor, created_at
		FROM official_imports WHERE form = ? ORDER BY id`, form)
	if err != nil {
		return nil, fmt.Errorf("official imports: %w", err)
	}
	defer rows.Close()
	var out []OfficialImport
	for rows.Next() {
		var im OfficialImport
		var partial int
		if err := rows.Scan(&im.ID, &im.Form, &im.Source, &im.SHA256, &partial, &im.Boxes, &im.Actor, &im.At); err != nil {
			return nil, fmt.Errorf("official imports: %w", err)
		}
		im.Partial = partial != 0
		out = append(out, im)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("official imports: %w", err)
	}
	return out, nil
}
