package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a person with a role and an optional province scope.
type User struct {
	ID           int64
	Name         string
	Role         string
	Province     string
	PasswordHash string
	CreatedAt    time.Time
}

// Token is an API token; only the hash of its secret is kept.
type Token struct {
	ID         string
	UserID     int64
	SecretHash string
	CreatedAt  time.Time
}

// Sheet is one uploaded photo of a result sheet and what became of it.
type Sheet struct {
	ID          string
	SHA256      string
	Size        int64
	ContentType string
	Form        string
	Il          string
	Ilce        string
	SandikNo    string
	Status      string
	UploadedBy  int64
	// Typed, Reading and Result are JSON, nil until known.
	Typed     []byte
	Reading   []byte
	Result    []byte
	LegalHold bool
	// ReviewState is '' (no review needed), "open" or "resolved"; apart
	// from Status, which stays the OCR verdict.
	ReviewState string
	// ResultVersion counts the results saved for the sheet: 0 while it has
	// none, and one more with each verdict.
	ResultVersion int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// SheetField is one field of a checked sheet.
type SheetField struct {
	Field      string
	Value      *int64
	Confidence float64
	Typed      *int64
	Status     string
}

// BoxTyped is the typed figures of one ballot box, entered apart from photos.
type BoxTyped struct {
	Form      string
	Il        string
	Ilce      string
	SandikNo  string
	Counts    []byte
	EnteredBy int64
	UpdatedAt time.Time
}

// CustodyEntry is one link of the custody chain.
type CustodyEntry struct {
	Seq         int64
	At          time.Time
	Actor       string
	Action      string
	SheetID     string
	SubjectHash string
	Detail      string
	PrevHash    string
	Hash        string
}

// SheetFilter selects sheets; zero fields do not filter.
type SheetFilter struct {
	UploadedBy int64
	Il         string
	Ilce       string
	SandikNo   string
	Status     string
	// Limit caps the number of sheets. Defaults to 100.
	Limit int
}

// CreateUser inserts a user and returns its id; ErrDuplicate when the name is taken.
func (tx *Tx) CreateUser(ctx context.Context, u User) (int64, error) {
	var id int64
	err := tx.q.queryRow(ctx, `INSERT INTO users (name, role, province, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, u.Name, u.Role, u.Province, u.PasswordHash, u.CreatedAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create user: %w", mapErr(err))
	}
	return id, nil
}

const userColumns = `id, name, role, province, password_hash, created_at`

func scanUser(r rowScanner) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Name, &u.Role, &u.Province, &u.PasswordHash, &u.CreatedAt)
	return u, mapErr(err)
}

// UserByID returns a user; ErrNotFound when absent.
func (tx *Tx) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(tx.q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns a user; ErrNotFound when absent.
func (tx *Tx) UserByName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(tx.q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// CreateToken stores a token.
func (tx *Tx) CreateToken(ctx context.Context, t Token) error {
	_, err := tx.q.exec(ctx, `INSERT INTO tokens (id, user_id, secret_hash, created_at) VALUES (?, ?, ?, ?)`,
		t.ID, t.UserID, t.SecretHash, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("create token: %w", mapErr(err))
	}
	return nil
}

// TokenByID returns a token; ErrNotFound when absent.
func (tx *Tx) TokenByID(ctx context.Context, id string) (Token, error) {
	var t Token
	err := tx.q.queryRow(ctx, `SELECT id, user_id, secret_hash, created_at FROM tokens WHERE id = ?`, id).
		Scan(&t.ID, &t.UserID, &t.SecretHash, &t.CreatedAt)
	if err != nil {
		return Token{}, fmt.Errorf("token: %w", mapErr(err))
	}
	return t, nil
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// InsertSheet stores a new sheet; ErrDuplicate when its id or SHA-256 exists.
func (tx *Tx) InsertSheet(ctx context.Context, s Sheet) error {
	version := 0
	if s.Result != nil {
		version = 1
	}
	_, err := tx.q.exec(ctx, `INSERT INTO sheets (id, sha256, size, content_type, form, il, ilce, sandik_no,
		status, uploaded_by, typed, reading, result, result_version, legal_hold, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.SHA256, s.Size, s.ContentType, s.Form, s.Il, s.Ilce, s.SandikNo, s.Status, s.UploadedBy,
		nullJSON(s.Typed), nullJSON(s.Reading), nullJSON(s.Result), version, boolInt(s.LegalHold), s.CreatedAt, s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert sheet: %w", mapErr(err))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const sheetColumns = `id, sha256, size, content_type, form, il, ilce, sandik_no, status, uploaded_by,
	typed, reading, result, legal_hold, review_state, result_version, created_at, updated_at`

func scanSheet(r rowScanner) (Sheet, error) {
	var s Sheet
	var typed, reading, result sql.NullString
	var hold int
	err := r.Scan(&s.ID, &s.SHA256, &s.Size, &s.ContentType, &s.Form, &s.Il, &s.Ilce, &s.SandikNo, &s.Status,
		&s.UploadedBy, &typed, &reading, &result, &hold, &s.ReviewState, &s.ResultVersion, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return Sheet{}, mapErr(err)
	}
	for _, p := range []struct {
		ns  sql.NullString
		dst *[]byte
	}{{typed, &s.Typed}, {reading, &s.Reading}, {result, &s.Result}} {
		if p.ns.Valid {
			*p.dst = []byte(p.ns.String)
		}
	}
	s.LegalHold = hold != 0
	return s, nil
}

// SheetByID returns a sheet; ErrNotFound when absent.
func (tx *Tx) SheetByID(ctx context.Context, id string) (Sheet, error) {
	s, err := scanSheet(tx.q.queryRow(ctx, `SELECT `+sheetColumns+` FROM sheets WHERE id = ?`, id))
	if err != nil {
		return Sheet{}, fmt.Errorf("sheet %s: %w", id, err)
	}
	return s, nil
}

// SheetForUpdate returns a sheet and holds its row until the transaction
// ends, so that a read-decide-write on it cannot interleave with another:
// whatever else writes the sheet commits before the read or waits for the
// write (SELECT … FOR UPDATE on PostgreSQL; SQLite transactions already
// hold the one writer lock). ErrNotFound when there is no such sheet.
func (tx *Tx) SheetForUpdate(ctx context.Context, id string) (Sheet, error) {
	q := `SELECT ` + sheetColumns + ` FROM sheets WHERE id = ?`
	if tx.pgTx != nil {
		q += ` FOR UPDATE`
	}
	s, err := scanSheet(tx.q.queryRow(ctx, q, id))
	if err != nil {
		return Sheet{}, fmt.Errorf("sheet %s: %w", id, err)
	}
	return s, nil
}

// SheetBySHA256 returns the sheet of an original; ErrNotFound when absent.
func (tx *Tx) SheetBySHA256(ctx context.Context, sum string) (Sheet, error) {
	s, err := scanSheet(tx.q.queryRow(ctx, `SELECT `+sheetColumns+` FROM sheets WHERE sha256 = ?`, sum))
	if err != nil {
		return Sheet{}, fmt.Errorf("sheet with sha256 %s: %w", sum, err)
	}
	return s, nil
}

// Sheets lists sheets matching f, newest first.
func (tx *Tx) Sheets(ctx context.Context, f SheetFilter) ([]Sheet, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.UploadedBy != 0 {
		add("uploaded_by = ?", f.UploadedBy)
	}
	if f.Il != "" {
		add("il = ?", f.Il)
	}
	if f.Ilce != "" {
		add("ilce = ?", f.Ilce)
	}
	if f.SandikNo != "" {
		add("sandik_no = ?", f.SandikNo)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	q := `SELECT ` + sheetColumns + ` FROM sheets`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY created_at DESC, id LIMIT ?"
	args = append(args, limit)
	return queryAll(ctx, tx.q, "list sheets", q, args, scanSheet)
}

// SetSheetStatus changes a sheet's status.
func (tx *Tx) SetSheetStatus(ctx context.Context, id, status string, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET status = ?, updated_at = ? WHERE id = ?`, status, at, id)
	return affected("set sheet status", id, n, err)
}

// SetSheetTyped stores the figures typed for one sheet.
func (tx *Tx) SetSheetTyped(ctx context.Context, id string, counts []byte, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET typed = ?, updated_at = ? WHERE id = ?`, nullJSON(counts), at, id)
	return affected("set typed", id, n, err)
}

// SetSheetBox sets a sheet's box identity.
func (tx *Tx) SetSheetBox(ctx context.Context, id, il, ilce, sandikNo string, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET il = ?, ilce = ?, sandik_no = ?, updated_at = ? WHERE id = ?`,
		il, ilce, sandikNo, at, id)
	return affected("set box", id, n, err)
}

// SetSheetLegalHold records the legal hold flag.
func (tx *Tx) SetSheetLegalHold(ctx context.Context, id string, on bool, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET legal_hold = ?, updated_at = ? WHERE id = ?`, boolInt(on), at, id)
	return affected("set legal hold", id, n, err)
}

// SaveReading stores the reader's JSON.
func (tx *Tx) SaveReading(ctx context.Context, id string, reading []byte, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET reading = ?, updated_at = ? WHERE id = ?`, nullJSON(reading), at, id)
	return affected("save reading", id, n, err)
}

// SaveResult stores a verdict: the result JSON, the status and the fields,
// replacing the previous ones.
func (tx *Tx) SaveResult(ctx context.Context, id, status string, result []byte, fields []SheetField, at time.Time) error {
	n, err := tx.q.exec(ctx, `UPDATE sheets SET result = ?, result_version = result_version + 1, status = ?, updated_at = ?
		WHERE id = ?`, nullJSON(result), status, at, id)
	if err := affected("save result", id, n, err); err != nil {
		return err
	}
	if _, err := tx.q.exec(ctx, `DELETE FROM sheet_fields WHERE sheet_id = ?`, id); err != nil {
		return fmt.Errorf("save result: %w", err)
	}
	for _, f := range fields {
		_, err := tx.q.exec(ctx, `INSERT INTO sheet_fields (sheet_id, field, value, confidence, typed, status)
			VALUES (?, ?, ?, ?, ?, ?)`, id, f.Field, f.Value, f.Confidence, f.Typed, f.Status)
		if err != nil {
			return fmt.Errorf("save field %s: %w", f.Field, err)
		}
	}
	return nil
}

// SheetFields returns the stored fields of a sheet, by field id.
func (tx *Tx) SheetFields(ctx context.Context, id string) ([]SheetField, error) {
	rows, err := tx.q.query(ctx, `SELECT field, value, confidence, typed, status FROM sheet_fields
		WHERE sheet_id = ? ORDER BY field`, id)
	if err != nil {
		return nil, fmt.Errorf("sheet fields: %w", err)
	}
	defer rows.Close()
	var out []SheetField
	for rows.Next() {
		var f SheetField
		var v, t sql.NullInt64
		if err := rows.Scan(&f.Field, &v, &f.Confidence, &t, &f.Status); err != nil {
			return nil, fmt.Errorf("sheet fields: %w", err)
		}
		if v.Valid {
			f.Value = &v.Int64
		}
		if t.Valid {
			f.Typed = &t.Int64
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func affected(what, id string, n int64, err error) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	return nil
}

// PutBoxTyped stores (or replaces) the typed figures of a box.
func (tx *Tx) PutBoxTyped(ctx context.Context, b BoxTyped) error {
	_, err := tx.q.exec(ctx, `INSERT INTO box_typed (form, il, ilce, sandik_no, counts, entered_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (form, il, ilce, sandik_no) DO UPDATE SET counts = excluded.counts,
			entered_by = excluded.entered_by, updated_at = excluded.updated_at`,
		b.Form, b.Il, b.Ilce, b.SandikNo, string(b.Counts), b.EnteredBy, b.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put box typed: %w", mapErr(err))
	}
	return nil
}

// BoxTypedFor returns the typed figures of a box; ErrNotFound when none.
func (tx *Tx) BoxTypedFor(ctx context.Context, form, il, ilce, sandikNo string) (BoxTyped, error) {
	var b BoxTyped
	var counts string
	err := tx.q.queryRow(ctx, `SELECT form, il, ilce, sandik_no, counts, entered_by, updated_at FROM box_typed
		WHERE form = ? AND il = ? AND ilce = ? AND sandik_no = ?`, form, il, ilce, sandikNo).
		Scan(&b.Form, &b.Il, &b.Ilce, &b.SandikNo, &counts, &b.EnteredBy, &b.UpdatedAt)
	if err != nil {
		return BoxTyped{}, fmt.Errorf("box typed: %w", mapErr(err))
	}
	b.Counts = []byte(counts)
	return b, nil
}

// LockCustody serialises appends to the custody chain until the
// transaction ends and returns the last entry (Seq 0 when empty).
func (tx *Tx) LockCustody(ctx context.Context) (CustodyEntry, error) {
	if tx.pgTx != nil {
		if _, err := tx.q.exec(ctx, `LOCK TABLE custody IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return CustodyEntry{}, fmt.Errorf("lock custody: %w", err)
		}
	}
	// SQLite transactions begin IMMEDIATE: the writer lock is already ours.
	e, err := scanCustody(tx.q.queryRow(ctx, `SELECT `+custodyColumns+` FROM custody ORDER BY seq DESC LIMIT 1`))
	if err != nil && !isNotFoundErr(err) {
		return CustodyEntry{}, fmt.Errorf("last custody entry: %w", err)
	}
	return e, nil
}

func isNotFoundErr(err error) bool { return errors.Is(err, ErrNotFound) }

const custodyColumns = `seq, at, actor, action, sheet_id, subject_hash, detail, prev_hash, hash`

func scanCustody(r rowScanner) (CustodyEntry, error) {
	var e CustodyEntry
	err := r.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.SheetID, &e.SubjectHash, &e.Detail, &e.PrevHash, &e.Hash)
	return e, mapErr(err)
}

// AppendCustody inserts an entry; call LockCustody first in the same transaction.
func (tx *Tx) AppendCustody(ctx context.Context, e CustodyEntry) error {
	_, err := tx.q.exec(ctx, `INSERT INTO custody (`+custodyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.Actor, e.Action, e.SheetID, e.SubjectHash, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append custody: %w", mapErr(err))
	}
	return nil
}

// Custody calls fn for every entry in chain order, or only a sheet's
// entries when sheetID is set.
func (tx *Tx) Custody(ctx context.Context, sheetID string, fn func(CustodyEntry) error) error {
	q := `SELECT ` + custodyColumns + ` FROM custody`
	var args []any
	if sheetID != "" {
		q += ` WHERE sheet_id = ?`
		args = append(args, sheetID)
	}
	return tx.eachCustody(ctx, q+` ORDER BY seq`, args, fn)
}

// CustodyOfNoSheet calls fn, in chain order, for every entry of no sheet
// with the given action and subject: figures typed for a box, found by the
// SHA-256 of the figures.
func (tx *Tx) CustodyOfNoSheet(ctx context.Context, action, subjectHash string, fn func(CustodyEntry) error) error {
	return tx.eachCustody(ctx, `SELECT `+custodyColumns+` FROM custody WHERE sheet_id = '' AND action = ? AND subject_hash = ?
		ORDER BY seq`, []any{action, subjectHash}, fn)
}

// eachCustody calls fn for each custody entry query q selects.
func (tx *Tx) eachCustody(ctx context.Context, q string, args []any, fn func(CustodyEntry) error) error {
	rows, err := tx.q.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read custody: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanCustody(rows)
		if err != nil {
			return fmt.Errorf("read custody: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Exec runs a raw statement. It exists for tests that tamper with the
// database as an attacker with direct access would.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := tx.q.exec(ctx, q, args...)
	return err
}
