package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*/*.sql
var migrationFiles embed.FS

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// SQLiteBusyTimeout is how long a SQLite statement waits for a lock before
// failing; set in the DSN so every connection gets it.
const SQLiteBusyTimeout = 10 * time.Second

// DB holds tutanak's records and its job queue in SQLite or PostgreSQL.
// Queries are written once with ? placeholders; the PostgreSQL side rewrites
// them to $n.
type DB struct {
	dialect Dialect
	log     *slog.Logger

	sqlDB *sql.DB       // SQLite
	pool  *pgxpool.Pool // PostgreSQL

	// Insert-only River clients; StartWorkers makes working ones.
	sqliteRiver *river.Client[*sql.Tx]
	pgRiver     *river.Client[pgx.Tx]
}

// OpenSQLite opens (creating when needed) the SQLite database at path and
// applies migrations. SQLite gets one connection: one writer, no
// SQLITE_BUSY between our own statements.
func OpenSQLite(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(" + strconv.Itoa(int(SQLiteBusyTimeout/time.Millisecond)) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqlDB.SetMaxOpenConns(1)
	db := &DB{dialect: SQLite, log: log, sqlDB: sqlDB}
	if err := db.setup(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// OpenPostgres connects to PostgreSQL at url and applies migrations.
func OpenPostgres(ctx context.Context, url string, log *slog.Logger) (*DB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := &DB{dialect: Postgres, log: log, pool: pool}
	if err := db.setup(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) setup(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	if db.dialect == Postgres {
		// Serve and its workers start at once against one database: one
		// migrates, ours and River's, while the others wait, then find
		// nothing left to do. CREATE TABLE IF NOT EXISTS alone is not safe
		// from two sessions at once, and River's migrator takes no lock.
		unlock, err := db.migrationLock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}
	cfg := &river.Config{Logger: db.log}
	var err error
	switch db.dialect {
	case SQLite:
		drv := riversqlite.New(db.sqlDB)
		if err = migrateRiver(ctx, drv, db.log); err == nil {
			db.sqliteRiver, err = river.NewClient(drv, cfg)
		}
	default:
		drv := riverpgxv5.New(db.pool)
		if err = migrateRiver(ctx, drv, db.log); err == nil {
			db.pgRiver, err = river.NewClient(drv, cfg)
		}
	}
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	return nil
}

// migrationLockKey is the PostgreSQL advisory lock held while migrating.
const migrationLockKey = 7321

// migrationLock holds PostgreSQL's advisory lock for migrations on a
// connection of its own until the returned function closes it: closing
// the session frees the lock even when an unlock could not be sent.
func (db *DB) migrationLock(ctx context.Context) (func(), error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, markUnavailable(fmt.Errorf("migration lock: %w", err))
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		conn.Release()
		return nil, markUnavailable(fmt.Errorf("migration lock: %w", err))
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Conn().Close(ctx)
		conn.Release()
	}, nil
}

func migrateRiver[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var err error
	if db.dialect == SQLite {
		err = db.sqlDB.PingContext(ctx)
	} else {
		err = db.pool.Ping(ctx)
	}
	if err != nil {
		return markUnavailable(fmt.Errorf("ping %s: %w", db.dialect, err))
	}
	return nil
}

// Close releases the database.
func (db *DB) Close() error {
	if db.dialect == SQLite {
		return db.sqlDB.Close()
	}
	db.pool.Close()
	return nil
}

// migrate applies the embedded migrations of the dialect not applied yet,
// each in its own transaction with its version record.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	create := `CREATE TABLE IF NOT EXISTS tutanak_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`
	if err := db.View(ctx, func(tx *Tx) error { _, err := tx.q.exec(ctx, create); return err }); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrationFiles.ReadFile(path.Join(dir, name))
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		// On PostgreSQL, setup holds the migration lock: no other process
		// migrates meanwhile.
		err = db.InTx(ctx, func(tx *Tx) error {
			var n int
			if err := tx.q.queryRow(ctx, `SELECT count(*) FROM tutanak_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.q.exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.q.exec(ctx, `INSERT INTO tutanak_migrations (version, name) VALUES (?, ?)`, version, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// Tx runs queries inside a transaction (InTx) or straight on the pool (View).
type Tx struct {
	db    *DB
	q     querier
	sqlTx *sql.Tx
	pgTx  pgx.Tx
}

// InTx runs fn in a transaction, committed when fn returns nil. Errors
// that say the database could not be reached carry ErrUnavailable.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return markUnavailable(db.inTx(ctx, fn))
}

func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		stx, err := db.sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(&Tx{db: db, q: sqliteQuerier{stx}, sqlTx: stx}); err != nil {
			_ = stx.Rollback()
			return err
		}
		if err := stx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{db: db, q: pgQuerier{ptx}, pgTx: ptx}); err != nil {
		_ = ptx.Rollback(ctx)
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn with queries outside a transaction. Jobs cannot be
// inserted. Errors that say the database could not be reached carry
// ErrUnavailable.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		return markUnavailable(fn(&Tx{db: db, q: sqliteQuerier{db.sqlDB}}))
	}
	return markUnavailable(fn(&Tx{db: db, q: pgQuerier{db.pool}}))
}

// InsertJob enqueues a River job in the transaction, so it exists exactly
// when the records written with it do.
func (tx *Tx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	var err error
	switch {
	case tx.sqlTx != nil:
		_, err = tx.db.sqliteRiver.InsertTx(ctx, tx.sqlTx, args, opts)
	case tx.pgTx != nil:
		_, err = tx.db.pgRiver.InsertTx(ctx, tx.pgTx, args, opts)
	default:
		err = errors.New("not in a transaction")
	}
	if err != nil {
		return fmt.Errorf("insert job %s: %w", args.Kind(), err)
	}
	return nil
}

// QueueConfig tunes the River workers.
type QueueConfig struct {
	// Workers is how many jobs run at once. Defaults to DefaultWorkers.
	Workers int
	// JobTimeout bounds one job. Defaults to DefaultJobTimeout.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by a crashed worker is run
	// again. Defaults to DefaultRescueAfter.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for jobs (SQLite has no
	// notifications). Defaults to DefaultPollInterval.
	PollInterval time.Duration
	// RetryPolicy says when a failed job runs again; River's default
	// (attempt⁴ seconds, with jitter) when nil.
	RetryPolicy river.ClientRetryPolicy
}

// Queue defaults.
const (
	DefaultWorkers      = 2
	DefaultJobTimeout   = 5 * time.Minute
	DefaultRescueAfter  = 10 * time.Minute
	DefaultPollInterval = 250 * time.Millisecond
)

func (c QueueConfig) withDefaults() QueueConfig {
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = DefaultRescueAfter
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	return c
}

// Queue runs River workers on the database.
type Queue struct {
	stop func(ctx context.Context) error
}

// stopCancelTimeout bounds the wait for cancelled jobs to record their
// attempt once a graceful stop has run out of time.
const stopCancelTimeout = 10 * time.Second

// Stop stops fetching jobs and waits for running ones to finish. When ctx
// ends first, the running jobs are cancelled (to be run again) and Stop
// returns ctx's error.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }

// stopRiver stops c gracefully within ctx, then cancels what still runs.
func stopRiver(ctx context.Context, stop, stopAndCancel func(context.Context) error) error {
	err := stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCancelTimeout)
	defer cancel()
	return errors.Join(err, stopAndCancel(cctx))
}

// StartWorkers starts a River client working the given workers' jobs. The
// workers run until Stop, not until ctx ends: River cancels every running
// job when its start context ends, and a SIGTERM must let them finish.
func (db *DB) StartWorkers(ctx context.Context, workers *river.Workers, cfg QueueConfig) (*Queue, error) {
	ctx = context.WithoutCancel(ctx)
	cfg = cfg.withDefaults()
	rc := &river.Config{
		Logger:               db.log,
		Workers:              workers,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        cfg.PollInterval / 5,
		RetryPolicy:          cfg.RetryPolicy,
	}
	if db.dialect == SQLite {
		c, err := river.NewClient(riversqlite.New(db.sqlDB), rc)
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		if err := c.Start(ctx); err != nil {
			return nil, fmt.Errorf("start workers: %w", err)
		}
		return &Queue{stop: func(ctx context.Context) error { return stopRiver(ctx, c.Stop, c.StopAndCancel) }}, nil
	}
	c, err := river.NewClient(riverpgxv5.New(db.pool), rc)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("start workers: %w", err)
	}
	return &Queue{stop: func(ctx context.Context) error { return stopRiver(ctx, c.Stop, c.StopAndCancel) }}, nil
}

// querier is what both dialects offer for our own statements.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rowsScanner, error)
	queryRow(ctx context.Context, q string, args ...any) rowScanner
}

type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs query and scans each row with scan; what names the query
// in errors.
func queryAll[T any](ctx context.Context, q querier, what, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// sqlConn is *sql.DB or *sql.Tx.
type sqlConn interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// sqliteQuerier stores times as fixed-width UTC text (sortable, and the
// same microseconds PostgreSQL keeps) and scans them back.
type sqliteQuerier struct{ c sqlConn }

const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

func sqliteArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = t.UTC().Format(sqliteTimeLayout)
		}
		out[i] = a
	}
	return out
}

func (s sqliteQuerier) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.c.ExecContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqliteQuerier) query(ctx context.Context, q string, args ...any) (rowsScanner, error) {
	rows, err := s.c.QueryContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return nil, err
	}
	return sqliteRows{rows}, nil
}

func (s sqliteQuerier) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	return sqliteRow{s.c.QueryRowContext(ctx, q, sqliteArgs(args)...)}
}

type sqliteRow struct{ r *sql.Row }

func (r sqliteRow) Scan(dest ...any) error { return scanTimes(r.r.Scan, dest) }

type sqliteRows struct{ r *sql.Rows }

func (r sqliteRows) Next() bool             { return r.r.Next() }
func (r sqliteRows) Err() error             { return r.r.Err() }
func (r sqliteRows) Close()                 { _ = r.r.Close() }
func (r sqliteRows) Scan(dest ...any) error { return scanTimes(r.r.Scan, dest) }

// scanTimes scans text into *time.Time destinations. It allocates once a
// row, not once a column: the totals scan every sheet of the country.
func scanTimes(scan func(dest ...any) error, dest []any) error {
	var d []any
	var texts []string
	for i, x := range dest {
		if _, ok := x.(*time.Time); ok {
			if d == nil {
				d, texts = slices.Clone(dest), make([]string, len(dest))
			}
			d[i] = &texts[i]
		}
	}
	if d == nil {
		return scan(dest...)
	}
	if err := scan(d...); err != nil {
		return err
	}
	for i, x := range dest {
		if t, ok := x.(*time.Time); ok {
			parsed, err := time.Parse(sqliteTimeLayout, texts[i])
			if err != nil {
				return fmt.Errorf("scan time %q: %w", texts[i], err)
			}
			*t = parsed
		}
	}
	return nil
}

// pgConn is *pgxpool.Pool or pgx.Tx.
type pgConn interface {
	Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) pgx.Row
}

type pgQuerier struct{ c pgConn }

// rebind turns ? placeholders into $1, $2…; our queries have no ? in literals.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pgArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			a = t.UTC().Truncate(time.Microsecond)
		}
		out[i] = a
	}
	return out
}

func (p pgQuerier) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.c.Exec(ctx, rebind(q), pgArgs(args)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (p pgQuerier) query(ctx context.Context, q string, args ...any) (rowsScanner, error) {
	rows, err := p.c.Query(ctx, rebind(q), pgArgs(args)...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (p pgQuerier) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	return pgRow{p.c.QueryRow(ctx, rebind(q), pgArgs(args)...)}
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error { return utcTimes(r.r.Scan(dest...), dest) }

type pgRows struct{ r pgx.Rows }

func (r pgRows) Next() bool             { return r.r.Next() }
func (r pgRows) Err() error             { return r.r.Err() }
func (r pgRows) Close()                 { r.r.Close() }
func (r pgRows) Scan(dest ...any) error { return utcTimes(r.r.Scan(dest...), dest) }

// utcTimes gives scanned times the UTC location, as SQLite's come back.
func utcTimes(err error, dest []any) error {
	if err != nil {
		return err
	}
	for _, d := range dest {
		if t, ok := d.(*time.Time); ok {
			*t = t.UTC()
		}
	}
	return nil
}

// mapErr turns driver errors into the package's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrDuplicate, pgErr.ConstraintName)
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%w: %v", ErrDuplicate, err)
	}
	return err
}
