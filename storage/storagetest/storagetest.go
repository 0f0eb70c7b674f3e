// Package storagetest starts the real services tutanak's integration tests
// need: a MinIO server (built with go install when missing) and an isolated
// PostgreSQL schema per test. Both fail the test, never skip it, when they
// cannot be had.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tutanak/tutanak/storage"
)

// MinIOModule is the MinIO server version the tests build and run.
const MinIOModule = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// DefaultPostgresURL is the development machine's PostgreSQL; override it
// with TUTANAK_TEST_POSTGRES.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

const (
	minioUser     = "tutanaktest"
	minioPassword = "tutanaktest-secret"
)

// server is the MinIO process shared by one test binary.
type server struct {
	once     sync.Once
	endpoint string
	cmd      *exec.Cmd
	dir      string
	err      error
}

var shared server

// Main runs the package's tests and stops the shared MinIO server after
// them. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared.cmd != nil && shared.cmd.Process != nil {
		_ = shared.cmd.Process.Kill()
		_ = shared.cmd.Wait()
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// S3 returns the configuration of a fresh bucket pair on the shared MinIO
// server, starting the server on first use.
func S3(t testing.TB) storage.S3Config {
	t.Helper()
	shared.once.Do(func() { shared.err = shared.start() })
	if shared.err != nil {
		t.Fatalf("minio: %v", shared.err)
	}
	return storage.S3Config{
		Endpoint:  shared.endpoint,
		AccessKey: minioUser,
		SecretKey: minioPassword,
		Bucket:    "t-" + randomName(),
		Retention: storage.Retention{Mode: storage.Governance, Period: time.Hour},
	}
}

// OwnS3 starts a MinIO server for this test alone, stopped when it ends,
// for packages without a TestMain calling Main.
func OwnS3(t testing.TB) storage.S3Config {
	t.Helper()
	srv := &server{}
	if err := srv.start(); err != nil {
		t.Fatalf("minio: %v", err)
	}
	t.Cleanup(func() {
		_ = srv.cmd.Process.Kill()
		_ = srv.cmd.Wait()
		_ = os.RemoveAll(srv.dir)
	})
	return storage.S3Config{
		Endpoint:  srv.endpoint,
		AccessKey: minioUser,
		SecretKey: minioPassword,
		Bucket:    "t-" + randomName(),
		Retention: storage.Retention{Mode: storage.Governance, Period: time.Hour},
	}
}

// MinIOBinary returns the path of the minio binary, installing it with
// go install when it is not there yet.
func MinIOBinary() (string, error) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	gobin, err := goEnv("GOBIN")
	if err != nil {
		return "", err
	}
	if gobin == "" {
		gopath, err := goEnv("GOPATH")
		if err != nil {
			return "", err
		}
		gobin = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "bin")
	}
	bin := filepath.Join(gobin, "minio")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	out, err := exec.Command("go", "install", MinIOModule).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go install %s: %w\n%s", MinIOModule, err, out)
	}
	return bin, nil
}

func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (s *server) start() error {
	bin, err := MinIOBinary()
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	console, err := freePort()
	if err != nil {
		return err
	}
	s.dir, err = os.MkdirTemp("", "tutanak-minio-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	s.endpoint = fmt.Sprintf("127.0.0.1:%d", port)
	s.cmd = exec.Command(bin, "server", "--quiet", "--address", s.endpoint,
		"--console-address", fmt.Sprintf("127.0.0.1:%d", console), s.dir)
	s.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+minioUser, "MINIO_ROOT_PASSWORD="+minioPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	client, err := minio.New(s.endpoint, &minio.Options{Creds: credentials.NewStaticV4(minioUser, minioPassword, "")})
	if err != nil {
		return fmt.Errorf("minio client: %w", err)
	}
	// Wait until the server answers an S3 request.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
			return fmt.Errorf("minio on %s did not come up: %w", s.endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresURL returns the URL of a fresh, empty schema in the test
// PostgreSQL database (TUTANAK_TEST_POSTGRES or DefaultPostgresURL), dropped
// when the test ends. The schema is selected through search_path, so
// everything the service creates lands in it.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TUTANAK_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("postgres at %s: %v (start it; see README)", base, err)
	}
	defer conn.Close(ctx)
	schema := "t_" + randomName()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Backend is a database and an object store the service runs on.
type Backend struct {
	Name string
	// Open returns a new, empty database and store for t. The caller closes
	// the database.
	Open func(t testing.TB, log *slog.Logger) (*storage.DB, storage.ObjectStore)
}

// Backends are the two the service is built for: SQLite with the local disk
// store, and PostgreSQL with MinIO. The service's tests run on both.
func Backends() []Backend {
	return []Backend{
		{"sqlite+disk", func(t testing.TB, log *slog.Logger) (*storage.DB, storage.ObjectStore) {
			dir := t.TempDir()
			db, err := storage.OpenSQLite(context.Background(), filepath.Join(dir, "tutanak.db"), log)
			if err != nil {
				t.Fatal(err)
			}
			store, err := storage.NewDiskStore(filepath.Join(dir, "objects"), storage.Retention{Period: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			return db, store
		}},
		{"postgres+minio", func(t testing.TB, log *slog.Logger) (*storage.DB, storage.ObjectStore) {
			db, err := storage.OpenPostgres(context.Background(), PostgresURL(t), log)
			if err != nil {
				t.Fatal(err)
			}
			store, err := storage.NewS3Store(context.Background(), S3(t))
			if err != nil {
				t.Fatal(err)
			}
			return db, store
		}},
	}
}
