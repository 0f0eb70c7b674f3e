package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestServiceEndToEnd runs the real commands on SQLite + disk and on
// PostgreSQL + MinIO: users add, serve with the real reader, upload with
// typed figures, a verdict, an idempotent re-upload, graceful shutdown,
// custody verify before and after tampering.
func TestServiceEndToEnd(t *testing.T) {
	stacks := []struct {
		name  string
		flags func(t *testing.T) []string
	}{
		{"sqlite+disk", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"postgres+minio", func(t *testing.T) []string {
			s3 := storagetest.OwnS3(t)
			return []string{"--data", t.TempDir(), "--db", storagetest.PostgresURL(t),
				"--s3", fmt.Sprintf("http://%s:%s@%s/%s", s3.AccessKey, s3.SecretKey, s3.Endpoint, s3.Bucket),
				"--retention-days", "1"}
		}},
	}
	for _, st := range stacks {
		t.Run(st.name, func(t *testing.T) {
			flags := st.flags(t)
			token := runOK(t, append([]string{"users", "add", "--name", "gözlemci", "--role", "observer"}, flags...))
			if !strings.HasPrefix(token, "tt_") {
				t.Fatalf("last line %q is not a token", token)
			}
			base, stop, serveLog := serveInProcess(t, flags)

			photo, typed := samplePhoto(t)
			var up struct{ ID, Status string }
			if code := postSheet(t, base, token, photo, typed, &up); code != http.StatusCreated || up.Status != "queued" {
				t.Fatalf("upload: %d %+v", code, up)
			}
			status := waitVerdict(t, base, token, up.ID)
			t.Logf("verdict %s", status)
			var again struct{ ID string }
			if code := postSheet(t, base, token, photo, typed, &again); code != http.StatusOK || again.ID != up.ID {
				t.Fatalf("re-upload: %d %s", code, again.ID)
			}

			if code := stop(); code != 0 {
				t.Fatalf("serve exited %d:\n%s", code, serveLog.String())
			}

			head := strings.TrimPrefix(runOK(t, append([]string{"custody", "verify"}, flags...)), "head: ")
			// The last entry cut off, as someone with database access could:
			// the rest still chains, and only the head kept from before tells.
			execCustody(t, flags, `DELETE FROM custody WHERE seq = (SELECT max(seq) FROM custody)`)
			runOK(t, append([]string{"custody", "verify"}, flags...))
			var cut bytes.Buffer
			if code := run(context.Background(), append([]string{"custody", "verify", "--anchor", head}, flags...), &cut, io.Discard); code == 0 ||
				!strings.Contains(cut.String(), "not in the chain") {
				t.Fatalf("custody verify --anchor %s passed with the entry cut off:\n%s", head, cut.String())
			}
			tamperCustody(t, flags)
			var out bytes.Buffer
			if code := run(context.Background(), append([]string{"custody", "verify"}, flags...), &out, io.Discard); code == 0 {
				t.Fatalf("custody verify passed after tampering:\n%s", out.String())
			}
			// Whole hashes, which the legal team compares with what it kept,
			// and the head of the broken chain.
			if !regexp.MustCompile(`(?m)^BREAK entry \d+: .*\b[0-9a-f]{64}\b`).MatchString(out.String()) ||
				!regexp.MustCompile(`(?m)^head: \d+:[0-9a-f]{64}$`).MatchString(out.String()) {
				t.Errorf("a broken chain's report lacks whole hashes or its head:\n%s", out.String())
			}
		})
	}
}

// lockedWriter lets the server's goroutines log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runOK runs a command that must succeed and returns its last output line.
func runOK(t *testing.T, args []string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("tutanak %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveInProcess runs `tutanak serve` with flags in this process on a free
// loopback port and waits until it is ready. stop shuts it down gracefully
// and returns its exit code; the test's cleanup calls it too. The log is
// for failure messages, read after stop.
func serveInProcess(t *testing.T, flags []string) (base string, stop func() int, log *bytes.Buffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	log = new(bytes.Buffer)
	var code int
	exited := make(chan struct{})
	go func() {
		code = run(ctx, append([]string{"serve", "--listen", addr}, flags...), io.Discard, &lockedWriter{w: log})
		close(exited)
	}()
	stop = sync.OnceValue(func() int {
		cancel()
		<-exited
		return code
	})
	t.Cleanup(func() { stop() })
	base = "http://" + addr
	waitReady(t, base, exited, &code)
	return base, stop, log
}

// waitReady polls /readyz until it answers 200, failing the test when serve
// exits first or takes a minute.
func waitReady(t *testing.T, base string, exited <-chan struct{}, code *int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("serve exited %d before it was ready", *code)
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// samplePhoto returns a photographed sample sheet with its typed figures
// when the shared samples are there, else a drawn page.
func samplePhoto(t *testing.T) ([]byte, map[string]int) {
	t.Helper()
	dir := "../../../shared/samples/cb-2023" // beside the checkout, when it is there
	if raw, err := os.ReadFile(filepath.Join(dir, "truth.json")); err == nil {
		var truth []struct {
			File  string `json:"file"`
			Typed struct {
				Counts map[string]int `json:"counts"`
			} `json:"typed"`
		}
		if err := json.Unmarshal(raw, &truth); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, truth[0].File))
		if err != nil {
			t.Fatal(err)
		}
		return data, truth[0].Typed.Counts
	}
	img := image.NewGray(image.Rect(0, 0, 500, 700))
	for i := range img.Pix {
		img.Pix[i] = 230
	}
	for x := 40; x < 460; x++ {
		img.SetGray(x, 350, color.Gray{Y: 10})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), map[string]int{"aday_1": 10}
}

func postSheet(t *testing.T, base, token string, photo []byte, typed map[string]int, out any) int {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("form", "cb-2023")
	tj, _ := json.Marshal(map[string]any{"counts": typed})
	w.WriteField("typed", string(tj))
	fw, _ := w.CreateFormFile("image", "sheet")
	fw.Write(photo)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sheets", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

func waitVerdict(t *testing.T, base, token, id string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sheets/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ Status string }
		json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		switch s.Status {
		case "verified", "flagged", "unreadable":
			return s.Status
		}
		if time.Now().After(deadline) {
			t.Fatalf("sheet %s still %q", id, s.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tamperCustody rewrites an entry as someone with database access could.
func tamperCustody(t *testing.T, flags []string) {
	t.Helper()
	execCustody(t, flags, `UPDATE custody SET actor = 'someone else' WHERE seq = 1`)
}

// execCustody runs stmt on the custody table past its append-only
// triggers, as someone with database access could.
func execCustody(t *testing.T, flags []string, stmt string) {
	t.Helper()
	var cfg backendConfig
	fs := newFlagSet("test", env{stderr: io.Discard})
	cfg.register(fs)
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var db *storage.DB
	var err error
	if cfg.DBURL != "" {
		db, err = storage.OpenPostgres(ctx, cfg.DBURL, log)
	} else {
		db, err = storage.OpenSQLite(ctx, cfg.dbPath(), log)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{`DROP TRIGGER IF EXISTS custody_no_update`, `DROP TRIGGER IF EXISTS custody_no_delete`}
	if db.Dialect() == storage.Postgres {
		stmts = []string{`ALTER TABLE custody DISABLE TRIGGER custody_no_change`}
	}
	stmts = append(stmts, stmt)
	err = db.InTx(ctx, func(tx *storage.Tx) error {
		for _, s := range stmts {
			if err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
