package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
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

// OfficialBox is a box's current official figures (CurrentOfficial).
type OfficialBox struct {
	// ImportID is the import of the box's latest row.
	ImportID int64
	Form     string
	Il       string
	Ilce     string
	SandikNo string
	// Figures are by field id, each from the latest import that has it.
	Figures map[string]int
	// Partial is the latest row's: figures the authority is still entering.
	Partial bool
}

// CurrentOfficial lists each box's official figures in box order, each
// figure from the latest import that has it: a correction file of one
// column corrects that column and leaves the box's other figures as
// published. il limits the list to one province when set.
func (tx *Tx) CurrentOfficial(ctx context.Context, form, il string) ([]OfficialBox, error) {
	q := `SELECT import_id, form, il, ilce, sandik_no, counts, partial FROM official_results WHERE form = ?`
	args := []any{form}
	if il != "" {
		q += ` AND il = ?`
		args = append(args, il)
	}
	rows, err := tx.q.query(ctx, q+` ORDER BY il, ilce, sandik_no, import_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("current official results: %w", err)
	}
	defer rows.Close()
	var out []OfficialBox
	for rows.Next() {
		var r OfficialBox
		var counts string
		var partial int
		if err := rows.Scan(&r.ImportID, &r.Form, &r.Il, &r.Ilce, &r.SandikNo, &counts, &partial); err != nil {
			return nil, fmt.Errorf("current official results: %w", err)
		}
		r.Partial = partial != 0
		if err := json.Unmarshal([]byte(counts), &r.Figures); err != nil {
			return nil, fmt.Errorf("decode official figures of %s/%s/%s: %w", r.Il, r.Ilce, r.SandikNo, err)
		}
		if n := len(out); n > 0 && out[n-1].Il == r.Il && out[n-1].Ilce == r.Ilce && out[n-1].SandikNo == r.SandikNo {
			out[n-1].ImportID, out[n-1].Partial = r.ImportID, r.Partial
			maps.Copy(out[n-1].Figures, r.Figures)
			continue
		}
		if r.Figures == nil {
			r.Figures = map[string]int{}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("current official results: %w", err)
	}
	return out, nil
}

// OfficialImports lists every import of form, oldest first: the history
// re-imports never erase. il limits it to the imports with a box of that
// province when set.
func (tx *Tx) OfficialImports(ctx context.Context, form, il string) ([]OfficialImport, error) {
	q := `SELECT id, form, source, sha256, partial, boxes, actor, created_at FROM official_imports i WHERE form = ?`
	args := []any{form}
	if il != "" {
		q += ` AND EXISTS (SELECT 1 FROM official_results r WHERE r.import_id = i.id AND r.il = ?)`
		args = append(args, il)
	}
	rows, err := tx.q.query(ctx, q+` ORDER BY id`, args...)
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
