package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// The fault tests run the real binary as subprocesses so that they can
// kill -9 it, stop the MinIO it talks to, and cut its PostgreSQL
// connection, and check after each that nothing acknowledged is lost,
// every sheet is read exactly once and clients get retryable 503s.

// unavailableBound is how long an answer may take while a store is down:
// the S3 client's own retries take about ten seconds.
const unavailableBound = 30 * time.Second

var testBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBinary.dir != "" {
		os.RemoveAll(testBinary.dir)
	}
	os.Exit(code)
}

// tutanakBinary builds the command once per test run.
func tutanakBinary(t *testing.T) string {
	t.Helper()
	b := &testBinary
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "tutanak-fault-*")
		if b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "tutanak")
		out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// proc is a subprocess whose output is kept for the test's log.
type proc struct {
	name   string
	cmd    *exec.Cmd
	buf    bytes.Buffer
	out    *lockedWriter
	exited chan struct{}
}

func startProc(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.out = &lockedWriter{w: &p.buf}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.Env = append(append(os.Environ(), "OMP_THREAD_LIMIT=1"), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			t.Logf("%s output:\n%s", p.name, p.log())
		}
	})
	return p
}

func (p *proc) log() string {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.buf.String()
}

// kill sends SIGKILL: no graceful shutdown, no deferred cleanup.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop asks for a graceful shutdown and waits for it.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(time.Minute):
		t.Errorf("%s did not stop within a minute", p.name)
		p.kill(t)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServe runs `tutanak serve` and waits until it is ready.
func startServe(t *testing.T, name, addr string, flags []string) *proc {
	t.Helper()
	p := startProc(t, name, nil, tutanakBinary(t), append([]string{"serve", "--listen", addr}, flags...)...)
	waitFor(t, time.Minute, name+" ready", func() bool {
		select {
		case <-p.exited:
			t.Fatalf("%s exited:\n%s", name, p.log())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

const (
	faultMinIOUser     = "tutanakfault"
	faultMinIOPassword = "tutanakfault-secret"
)

// startMinIO runs a MinIO server on dir and addr, so that a test can kill
// it and start it again on the same data.
func startMinIO(t *testing.T, dir, addr string) *proc {
	t.Helper()
	bin, err := storagetest.MinIOBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := startProc(t, "minio", []string{"MINIO_ROOT_USER=" + faultMinIOUser, "MINIO_ROOT_PASSWORD=" + faultMinIOPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off"}, bin, "server", "--quiet", "--address", addr, "--console-address", freeAddr(t), dir)
	client := minioClient(t, addr)
	waitFor(t, time.Minute, "minio on "+addr, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := client.ListBuckets(ctx)
		return err == nil
	})
	return p
}

// minioClient has the service's own credentials.
func minioClient(t *testing.T, addr string) *minio.Client {
	t.Helper()
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(faultMinIOUser, faultMinIOPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pgProxy forwards TCP to PostgreSQL until cut, as a network partition
// between the service and the database would.
type pgProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	p := &pgProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.ln = ln
	go p.accept(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *pgProxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.pipe(c)
	}
}

func (p *pgProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *pgProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c) || !p.track(up) {
		c.Close()
		up.Close()
		return
	}
	go func() {
		_, _ = io.Copy(up, c)
		up.Close()
		c.Close()
	}()
	_, _ = io.Copy(c, up)
	c.Close()
	up.Close()
}

// cut closes the listener and every connection: new connections are
// refused and open ones fail.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// restore listens again on the same address.
func (p *pgProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
}

var faultPool struct {
	once   sync.Once
	photos []loadPhoto
	err    error
}

// smallPool is three small sheets, generated once per test run.
func smallPool(t *testing.T) []loadPhoto {
	t.Helper()
	faultPool.once.Do(func() {
		cfg := loadgenConfig{Form: "cb-2023", Pool: 3, Seed: 11, Size: "1200x1600", ErrorShare: 0.5}
		faultPool.photos, faultPool.err = loadPool(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	if faultPool.err != nil {
		t.Fatal(faultPool.err)
	}
	return faultPool.photos
}

// load is loadgen running in the test process.
type load struct {
	lg   *loadgen
	done chan loadResult
}

type loadResult struct {
	rep loadReport
	err error
}

// startLoad uploads n distinct photos with loadgen's observers, who retry
// through outages, then drains and reconciles.
func startLoad(t *testing.T, base, token string, n int, seed int) *load {
	t.Helper()
	pool := smallPool(t)
	cfg := loadgenConfig{Server: base, Token: token, Form: "cb-2023", Uploads: n, Concurrency: 4,
		RetryFor: 3 * time.Minute, RequestTimeout: time.Minute, Drain: 4 * time.Minute}
	var logBuf bytes.Buffer
	lw := &lockedWriter{w: &logBuf}
	lg := newLoadgen(cfg, slog.New(slog.NewTextHandler(lw, nil)))
	l := &load{lg: lg, done: make(chan loadResult, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		rep, err := lg.run(ctx, seededPool(pool, seed))
		l.done <- loadResult{rep, err}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			lw.mu.Lock()
			t.Logf("loadgen log:\n%s", logBuf.String())
			lw.mu.Unlock()
		}
	})
	return l
}

// seededPool marks the pool's photos so that uploads of different loads
// are different originals.
func seededPool(pool []loadPhoto, seed int) []loadPhoto {
	out := make([]loadPhoto, len(pool))
	for i, p := range pool {
		p.data = distinctBytes(p, 1_000_000*(seed+1)+i)
		out[i] = p
	}
	return out
}

// wait returns loadgen's report, failing the test after within.
func (l *load) wait(t *testing.T, within time.Duration) loadReport {
	t.Helper()
	select {
	case r := <-l.done:
		if r.err != nil {
			t.Fatalf("loadgen: %v", r.err)
		}
		line, _ := json.Marshal(r.rep)
		t.Logf("loadgen: %s", line)
		return r.rep
	case <-time.After(within):
		t.Fatalf("loadgen did not finish within %s", within)
		return loadReport{}
	}
}

func (l *load) got503() bool {
	l.lg.mu.Lock()
	defer l.lg.mu.Unlock()
	return l.lg.status["503"] > 0
}

// checkClean asserts a report with every upload acknowledged, stored,
// read once and no 500 seen.
func checkClean(t *testing.T, rep loadReport, n int) {
	t.Helper()
	if rep.Acknowledged != n || rep.Failed != 0 || rep.Lost != 0 || rep.Duplicates != 0 || rep.Processed != n {
		t.Errorf("report %+v: want %d acknowledged and processed, none failed, lost or duplicated", rep, n)
	}
	if rep.Status5xx["500"] != 0 {
		t.Errorf("%d answers were 500", rep.Status5xx["500"])
	}
}

// probe is one upload's answer while a store is down.
type probe struct {
	status     int
	retryAfter string
	code       string
	took       time.Duration
}

func probeUpload(t *testing.T, base, token string, photo loadPhoto) probe {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("form", "cb-2023")
	typed, _ := json.Marshal(map[string]any{"counts": photo.typed})
	mw.WriteField("typed", string(typed))
	part, _ := mw.CreateFormFile("image", "sheet")
	part.Write(photo.data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/sheets", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return probeRequest(t, req, token)
}

func probeGet(t *testing.T, target, token string) probe {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	return probeRequest(t, req, token)
}

func probeRequest(t *testing.T, req *http.Request, token string) probe {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Timeout: 2 * unavailableBound}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v (after %s)", req.Method, req.URL.Path, err, time.Since(start))
	}
	defer resp.Body.Close()
	var eb errorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return probe{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), code: eb.Error.Code, took: time.Since(start)}
}

type errorBody struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// checkUnavailable asserts a retryable 503 within the bound.
func checkUnavailable(t *testing.T, what string, p probe) {
	t.Helper()
	t.Logf("%s: %d %s Retry-After %q in %s", what, p.status, p.code, p.retryAfter, p.took.Round(time.Millisecond))
	if p.status != http.StatusServiceUnavailable || p.code != "unavailable" || p.retryAfter == "" {
		t.Errorf("%s: %d %q Retry-After %q, want 503 \"unavailable\" with Retry-After", what, p.status, p.code, p.retryAfter)
	}
	if p.took > unavailableBound {
		t.Errorf("%s took %s, over %s", what, p.took, unavailableBound)
	}
}

// rescueNow moves jobs left running by a killed process back in time, so
// that River's rescuer reruns them now rather than after
// storage.DefaultRescueAfter (10 minutes). It changes when, not how, they
// are rerun.
func rescueNow(t *testing.T, dbPath, pgURL string) int64 {
	t.Helper()
	ctx := context.Background()
	if pgURL != "" {
		conn, err := pgx.Connect(ctx, pgURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		tag, err := conn.Exec(ctx, `UPDATE river_job SET attempted_at = now() - interval '1 day' WHERE state = 'running'`)
		if err != nil {
			t.Fatal(err)
		}
		return tag.RowsAffected()
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.ExecContext(ctx, `UPDATE river_job SET attempted_at = datetime('now', '-1 day', 'subsec') WHERE state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	return n
}

// queryInts runs a query returning one row of integers.
func queryInts(t *testing.T, dbPath, pgURL, q string, dest ...*int) {
	t.Helper()
	ctx := context.Background()
	args := make([]any, len(dest))
	for i, d := range dest {
		args[i] = d
	}
	if pgURL != "" {
		conn, err := pgx.Connect(ctx, pgURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, q).Scan(args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, q).Scan(args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// checkExactlyOnce asserts every sheet has one reading in the custody
// log and every OCR job completed.
func checkExactlyOnce(t *testing.T, dbPath, pgURL string, wantSheets int) {
	t.Helper()
	var sheets, results, readOnce, jobs, completed int
	queryInts(t, dbPath, pgURL, `SELECT count(*) FROM sheets`, &sheets)
	queryInts(t, dbPath, pgURL, `SELECT count(*) FROM custody WHERE action = 'ocr_result'`, &results)
	queryInts(t, dbPath, pgURL, `SELECT count(*) FROM (SELECT sheet_id FROM custody WHERE action = 'ocr_result' GROUP BY sheet_id HAVING count(*) = 1) AS once`, &readOnce)
	queryInts(t, dbPath, pgURL, `SELECT count(*), coalesce(sum(CASE WHEN state = 'completed' THEN 1 ELSE 0 END), 0) FROM river_job WHERE kind = 'ocr_sheet'`, &jobs, &completed)
	t.Logf("sheets %d, readings %d, read once %d, jobs %d, completed %d", sheets, results, readOnce, jobs, completed)
	if sheets != wantSheets || results != sheets || readOnce != sheets || jobs != sheets || completed != sheets {
		t.Errorf("sheets %d (want %d), readings %d, read once %d, jobs %d, completed %d: want one reading and one completed job per sheet",
			sheets, wantSheets, results, readOnce, jobs, completed)
	}
}

func addObserver(t *testing.T, flags []string) string {
	t.Helper()
	return runOK(t, append([]string{"users", "add", "--name", "gözlemci", "--role", "observer"}, flags...))
}

// TestFaultServerKilled kills -9 the server (SQLite + disk, in-process
// workers) while observers upload, restarts it, and checks that every
// acknowledged upload is there and every sheet was read exactly once.
func TestFaultServerKilled(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data}
	token := addObserver(t, flags)
	addr := freeAddr(t)
	s1 := startServe(t, "serve 1", addr, flags)

	const n = 24
	l := startLoad(t, "http://"+addr, token, n, 0)
	waitFor(t, 2*time.Minute, "6 uploads", func() bool { return strings.Count(s1.log(), "sheet uploaded") >= 6 })
	s1.kill(t)
	rescued := rescueNow(t, filepath.Join(data, "tutanak.db"), "")
	t.Logf("killed after %d uploads; %d jobs were running", strings.Count(s1.log(), "sheet uploaded"), rescued)
	s2 := startServe(t, "serve 2", addr, flags)

	rep := l.wait(t, 5*time.Minute)
	checkClean(t, rep, n)
	s2.stop(t)
	checkExactlyOnce(t, filepath.Join(data, "tutanak.db"), "", n)
}

// TestFaultWorkerKilled kills -9 a worker process (PostgreSQL + MinIO)
// while it reads a sheet and starts another: the sheet is read once.
func TestFaultWorkerKilled(t *testing.T) {
	s3 := storagetest.OwnS3(t)
	pgURL := storagetest.PostgresURL(t)
	flags := []string{"--data", t.TempDir(), "--db", pgURL,
		"--s3", fmt.Sprintf("http://%s:%s@%s/%s", s3.AccessKey, s3.SecretKey, s3.Endpoint, s3.Bucket), "--retention-days", "1"}
	ids, status := queuedBigSheets(t, flags)

	bin := tutanakBinary(t)
	w1 := startProc(t, "worker 1", nil, bin, append([]string{"worker", "--workers", "1"}, flags...)...)
	reading := waitReading(t, ids, status)
	w1.kill(t)
	if st := status(reading); st != review.StatusProcessing {
		t.Fatalf("sheet %s is %q after the kill: the reading was not interrupted", reading, st)
	}
	t.Logf("killed worker 1 while it read %s; %d jobs were running", reading, rescueNow(t, "", pgURL))
	w2 := startProc(t, "worker 2", nil, bin, append([]string{"worker", "--workers", "1"}, flags...)...)
	waitFor(t, 4*time.Minute, "verdicts", func() bool {
		for _, id := range ids {
			if !isVerdictStatus(status(id)) {
				return false
			}
		}
		return true
	})
	w2.stop(t)
	checkExactlyOnce(t, "", pgURL, len(ids))
}

// queuedBigSheets opens the backend flags describe and queues three sheets
// on it with no worker running: large photos, so that a reading lasts long
// enough to be interrupted. status reads a sheet's status.
func queuedBigSheets(t *testing.T, flags []string) (ids []string, status func(id string) string) {
	t.Helper()
	ctx := context.Background()
	var cfg backendConfig
	fs := newFlagSet("test", env{stderr: io.Discard})
	cfg.register(fs)
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	b, err := openBackend(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	u, _, err := b.svc.CreateUser(ctx, review.NewUser{Name: "gözlemci", Role: review.Observer})
	if err != nil {
		t.Fatal(err)
	}
	big, err := loadPool(ctx, loadgenConfig{Form: "cb-2023", Pool: 1, Seed: 5, Size: "3000x4000"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		data := distinctBytes(big[0], i)
		path := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		res, err := b.svc.Upload(ctx, u, review.Upload{Form: "cb-2023", Typed: big[0].typed,
			Photo: review.Photo{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ContentType: "image/jpeg"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ID)
	}
	status = func(id string) string {
		var sh storage.Sheet
		if err := b.db.View(ctx, func(tx *storage.Tx) error {
			var err error
			sh, err = tx.SheetByID(ctx, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return sh.Status
	}
	return ids, status
}

// waitReading waits until one of ids is being read and returns it.
func waitReading(t *testing.T, ids []string, status func(id string) string) string {
	t.Helper()
	var reading string
	waitFor(t, 2*time.Minute, "a sheet being read", func() bool {
		for _, id := range ids {
			if status(id) == review.StatusProcessing {
				reading = id
				return true
			}
		}
		return false
	})
	return reading
}

// TestFaultWorkerStopped sends SIGTERM to a worker (SQLite + disk) while
// it reads a sheet: as the API documentation promises, the running job
// finishes before the worker exits, rather than being cancelled halfway,
// left processing and charged an attempt.
func TestFaultWorkerStopped(t *testing.T) {
	dir := t.TempDir()
	flags := []string{"--data", dir}
	ids, status := queuedBigSheets(t, flags)

	w := startProc(t, "worker", nil, tutanakBinary(t), append([]string{"worker", "--workers", "1"}, flags...)...)
	reading := waitReading(t, ids, status)
	w.stop(t)
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("worker exited %d after SIGTERM", code)
	}
	if st := status(reading); !isVerdictStatus(st) {
		t.Errorf("sheet %s, being read at SIGTERM, is %q after the worker stopped: its job did not finish", reading, st)
	}
	var retried int
	queryInts(t, filepath.Join(dir, "tutanak.db"), "", `SELECT count(*) FROM river_job WHERE state IN ('retryable', 'running') OR attempt > 1`, &retried)
	if retried != 0 {
		t.Errorf("%d jobs were cut off by SIGTERM (retryable or running), want 0", retried)
	}
}

// TestFaultMinIOOutage kills MinIO under a running server (SQLite +
// MinIO): uploads and downloads get retryable 503s within a bound, and
// after MinIO restarts on the same data the observers' retries succeed
// and the backlog drains.
func TestFaultMinIOOutage(t *testing.T) {
	mdir, maddr := t.TempDir(), freeAddr(t)
	m1 := startMinIO(t, mdir, maddr)
	data := t.TempDir()
	flags := []string{"--data", data, "--s3", fmt.Sprintf("http://%s:%s@%s/originals", faultMinIOUser, faultMinIOPassword, maddr),
		"--retention-days", "1"}
	token := addObserver(t, flags)
	addr := freeAddr(t)
	base := "http://" + addr
	startServe(t, "serve", addr, flags)
	pool := seededPool(smallPool(t), 7)

	first := probeUpload(t, base, token, pool[0])
	if first.status != http.StatusCreated {
		t.Fatalf("upload before the outage: %+v", first)
	}
	m1.kill(t)
	checkUnavailable(t, "upload while MinIO is down", probeUpload(t, base, token, pool[1]))
	l := startLoad(t, base, token, 8, 1)
	waitFor(t, time.Minute, "a 503 seen by the observers", l.got503)
	startMinIO(t, mdir, maddr)
	rep := l.wait(t, 5*time.Minute)
	checkClean(t, rep, 8)
	checkExactlyOnceSoon(t, filepath.Join(data, "tutanak.db"), "", 8+1)
}

// checkExactlyOnceSoon waits for every sheet's verdict and every job's
// completion (River records completions in batches, a moment after the
// verdict is committed), then checks that each sheet was read once.
func checkExactlyOnceSoon(t *testing.T, dbPath, pgURL string, want int) {
	t.Helper()
	waitFor(t, 3*time.Minute, "every sheet read and its job completed", func() bool {
		var n, completed int
		queryInts(t, dbPath, pgURL, `SELECT count(*) FROM sheets WHERE status IN ('verified', 'flagged', 'unreadable')`, &n)
		queryInts(t, dbPath, pgURL, `SELECT count(*) FROM river_job WHERE kind = 'ocr_sheet' AND state = 'completed'`, &completed)
		return n == want && completed >= want
	})
	checkExactlyOnce(t, dbPath, pgURL, want)
}

// TestFaultPostgresOutage cuts the server's connection to PostgreSQL
// (through a proxy: the shared cluster stays up): requests get retryable
// 503s within a bound, and after the connection is back the observers'
// retries succeed and the backlog drains.
func TestFaultPostgresOutage(t *testing.T) {
	pgURL := storagetest.PostgresURL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, u.Host)
	u.Host = proxy.addr
	viaProxy := u.String()
	flags := []string{"--data", t.TempDir(), "--db", viaProxy}
	token := addObserver(t, flags)
	addr := freeAddr(t)
	base := "http://" + addr
	startServe(t, "serve", addr, flags)
	pool := seededPool(smallPool(t), 8)

	var first struct{ ID string }
	if code := postSheet(t, base, token, pool[0].data, pool[0].typed, &first); code != http.StatusCreated {
		t.Fatalf("upload before the outage: %d", code)
	}
	proxy.cut()
	checkUnavailable(t, "upload while PostgreSQL is cut off", probeUpload(t, base, token, pool[1]))
	checkUnavailable(t, "sheet while PostgreSQL is cut off", probeGet(t, base+"/api/v1/sheets/"+first.ID, token))
	l := startLoad(t, base, token, 8, 2)
	waitFor(t, time.Minute, "a 503 seen by the observers", l.got503)
	restored := time.Now()
	proxy.restore(t)
	rep := l.wait(t, 5*time.Minute)
	checkClean(t, rep, 8)
	// A job whose outcome could not be written while the database was cut
	// off stays "running" until River's rescuer reruns it (--rescue-after,
	// 10 minutes by default): move such jobs, and only those, on.
	if n := rescueStartedBefore(t, pgURL, restored); n > 0 {
		t.Logf("%d job(s) caught mid-flight by the outage, rescued", n)
	}
	checkExactlyOnceSoon(t, "", pgURL, 8+1)
}

// rescueStartedBefore moves jobs still running that started before t back
// in time, so that River's rescuer reruns them now. Jobs started since are
// left alone: rescuing one still running would read its sheet twice.
func rescueStartedBefore(t *testing.T, pgURL string, before time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `UPDATE river_job SET attempted_at = now() - interval '1 day' WHERE state = 'running' AND attempted_at < $1`, before)
	if err != nil {
		t.Fatal(err)
	}
	return tag.RowsAffected()
}

// TestFaultLockedOriginal uploads through the server (SQLite + MinIO with
// object lock in COMPLIANCE mode) and then tries, with the service's own
// S3 credentials, to delete and overwrite the original: the bucket
// refuses the deletes, even one bypassing governance, and the server goes
// on serving the exact bytes uploaded. (In GOVERNANCE mode credentials
// allowed s3:BypassGovernanceRetention, as MinIO's root is, can delete.)
func TestFaultLockedOriginal(t *testing.T) {
	ctx := context.Background()
	mdir, maddr := t.TempDir(), freeAddr(t)
	startMinIO(t, mdir, maddr)
	flags := []string{"--data", t.TempDir(), "--s3", fmt.Sprintf("http://%s:%s@%s/originals", faultMinIOUser, faultMinIOPassword, maddr),
		"--retention-mode", "COMPLIANCE", "--retention-days", "1"}
	token := addObserver(t, flags)
	addr := freeAddr(t)
	base := "http://" + addr
	startServe(t, "serve", addr, flags)
	photo := seededPool(smallPool(t), 9)[0]
	var up struct{ ID, SHA256 string }
	if code := postSheet(t, base, token, photo.data, photo.typed, &up); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	key := up.SHA256[:2] + "/" + up.SHA256
	c := minioClient(t, maddr)
	oi, err := c.StatObject(ctx, "originals", key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date") == "" {
		t.Errorf("original has no retention: %v", oi.Metadata)
	}

	attacks := []struct {
		name    string
		do      func() error
		refused bool // the bucket itself must refuse
	}{
		{"delete the locked version", func() error {
			return c.RemoveObject(ctx, "originals", key, minio.RemoveObjectOptions{VersionID: oi.VersionID})
		}, true},
		{"delete the locked version bypassing governance", func() error {
			return c.RemoveObject(ctx, "originals", key, minio.RemoveObjectOptions{VersionID: oi.VersionID, GovernanceBypass: true})
		}, true},
		{"overwrite", func() error {
			_, err := c.PutObject(ctx, "originals", key, strings.NewReader("forged"), 6, minio.PutObjectOptions{ContentType: "image/jpeg"})
			return err
		}, false},
		{"hide behind a delete marker", func() error {
			return c.RemoveObject(ctx, "originals", key, minio.RemoveObjectOptions{})
		}, false},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			err := a.do()
			t.Logf("answer: %v", err)
			if a.refused && err == nil {
				t.Errorf("the bucket accepted it")
			}
			h := sha256.New()
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sheets/"+up.ID+"/original", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.Copy(h, resp.Body); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); resp.StatusCode != http.StatusOK || got != up.SHA256 {
				t.Errorf("original: %d, sha-256 %s, want 200 and %s", resp.StatusCode, got, up.SHA256)
			}
			obj, err := c.GetObject(ctx, "originals", key, minio.GetObjectOptions{VersionID: oi.VersionID})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj)
			if err != nil || !bytes.Equal(b, photo.data) {
				t.Errorf("locked version: %d bytes, %v", len(b), err)
			}
		})
	}
}
