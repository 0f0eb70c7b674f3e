package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/web"
)

// backend is what every service subcommand opens.
type backend struct {
	db    *storage.DB
	store storage.ObjectStore
	svc   *review.Service
}

func (b *backend) Close() error { return b.db.Close() }

func openBackend(ctx context.Context, cfg backendConfig, log *slog.Logger) (*backend, error) {
	for _, dir := range []string{cfg.DataDir, cfg.tmpDir()} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	var (
		db  *storage.DB
		err error
	)
	if cfg.DBURL != "" {
		db, err = storage.OpenPostgres(ctx, cfg.DBURL, log)
	} else {
		db, err = storage.OpenSQLite(ctx, cfg.dbPath(), log)
	}
	if err != nil {
		return nil, err
	}
	var store storage.ObjectStore
	if cfg.S3URL != "" {
		s3, cerr := cfg.s3Config()
		if cerr == nil {
			store, err = storage.NewS3Store(ctx, s3)
		} else {
			err = cerr
		}
	} else {
		store, err = storage.NewDiskStore(cfg.objectsDir(), cfg.retention())
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	policy, err := cfg.deadlines()
	if err != nil {
		db.Close()
		return nil, err
	}
	svc := review.NewService(db, store, log)
	svc.SetDeadlines(policy)
	return &backend{db: db, store: store, svc: svc}, nil
}

// startWorkers starts the OCR workers; the returned function stops them
// and frees the reader.
func startWorkers(ctx context.Context, b *backend, cfg serveConfig, log *slog.Logger) (func(context.Context) error, error) {
	reader, closeReader, err := newSheetReader(cfg.sheetReader(), log)
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	workers := river.NewWorkers()
	review.NewOCRWorker(b.svc, reader).Register(workers)
	q, err := b.db.StartWorkers(ctx, workers, storage.QueueConfig{Workers: cfg.Workers, RescueAfter: cfg.RescueAfter})
	if err != nil {
		closeReader()
		return nil, err
	}
	// Sheets whose job River ended without an outcome (a worker process
	// killed on the last attempt) are recorded rather than left processing.
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		b.svc.SweepStrandedEvery(sweepCtx, review.StrandedSweepInterval)
	}()
	return func(ctx context.Context) error {
		defer closeReader()
		stopSweep()
		<-swept
		return q.Stop(ctx)
	}, nil
}

// startService validates cfg, opens the database and store, and starts the
// OCR workers: what serve and worker share. The caller closes the backend
// after stopping the workers.
func startService(ctx context.Context, cfg serveConfig, log *slog.Logger) (*backend, func(context.Context) error, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	b, err := openBackend(ctx, cfg.backend, log)
	if err != nil {
		return nil, nil, err
	}
	stop, err := startWorkers(ctx, b, cfg, log)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return b, stop, nil
}

func runServe(ctx context.Context, e env) error {
	var cfg serveConfig
	fs := newFlagSet("serve", e)
	cfg.register(fs, true)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	cfg.web.TempDir = cfg.backend.tmpDir()
	key, created, err := loadSigningKey(cfg.signingKeyPath())
	if err != nil {
		return err
	}
	b, stopWorkers, err := startService(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	b.svc.SetSigningKey(key)
	pub, _ := b.svc.SigningKey()
	e.log.Info("evidence bundles are signed", "key_id", pub.KeyID, "key_file", cfg.signingKeyPath(), "created", created)
	// The totals are judged once now rather than by the first dashboard;
	// pages asked for meanwhile wait for this same judging.
	go func() {
		if err := b.svc.WarmTotals(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("warm totals", "err", err)
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := web.New(b.svc, cfg.web, e.log, reg, reg).HTTPServer(cfg.Listen)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		stopWorkers(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	e.log.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "db", b.db.Dialect())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	e.log.InfoContext(ctx, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	err = errors.Join(err, stopWorkers(shutdownCtx))
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(serveErr, err)
	}
	return err
}

func runWorker(ctx context.Context, e env) error {
	var cfg serveConfig
	fs := newFlagSet("worker", e)
	cfg.register(fs, false)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	b, stopWorkers, err := startService(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	e.log.InfoContext(ctx, "working", "db", b.db.Dialect(), "workers", cfg.Workers)
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return stopWorkers(shutdownCtx)
}
