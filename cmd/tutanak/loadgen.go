package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// Defaults of the load generator.
const (
	defaultLoadServer      = "http://127.0.0.1:8080"
	defaultLoadUploads     = 200
	defaultLoadConcurrency = 16
	defaultLoadPool        = 8
	defaultLoadRetryFor    = 10 * time.Minute
	defaultLoadRequest     = 2 * time.Minute
	defaultLoadDrain       = 30 * time.Minute
)

// loadgenConfig is `tutanak loadgen`.
type loadgenConfig struct {
	// Server is the tutanak server's URL; only loopback hosts are accepted.
	// Defaults to http://127.0.0.1:8080.
	Server string
	// Token is an observer's API token. Defaults to $TUTANAK_TOKEN.
	Token string
	// Form is the form id of the generated sheets. Defaults to cb-2023.
	Form string
	// Uploads is how many distinct photos are uploaded. Defaults to 200.
	Uploads int
	// Rate is the target of uploads started per second; 0 starts them as
	// fast as Concurrency allows. Defaults to 0.
	Rate float64
	// Concurrency is how many observers upload at once. Defaults to 16.
	Concurrency int
	// Pool is how many distinct sheets are generated; every upload is one
	// of them with bytes of its own. Defaults to 8.
	Pool int
	// Seed makes the pool reproducible. Defaults to synth.DefaultSeed.
	Seed int64
	// Size is the photo size WxH; empty for synth's mix of 2, 3, 7 and 12
	// megapixels. Defaults to empty.
	Size string
	// ErrorShare is the share of sheets typed with an error. Defaults to synth.DefaultErrorShare.
	ErrorShare float64
	// RetryFor is how long one upload is retried, as a phone would, after
	// network errors and 5xx answers. Defaults to 10m.
	RetryFor time.Duration
	// RequestTimeout bounds one HTTP request. Defaults to 2m.
	RequestTimeout time.Duration
	// Drain is how long to wait for every acknowledged sheet's verdict. Defaults to 30m.
	Drain time.Duration
	// MNIST is the directory of MNIST's idx.gz files the handwriting comes
	// from. Defaults to the GoMNIST module's.
	MNIST string
}

func (c *loadgenConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Server, "server", defaultLoadServer, "tutanak server URL (loopback only)")
	secretVar(fs, &c.Token, "token", "TUTANAK_TOKEN", "observer API `token` (default $TUTANAK_TOKEN)")
	fs.StringVar(&c.Form, "form", review.DefaultForm, "form id")
	fs.IntVar(&c.Uploads, "n", defaultLoadUploads, "number of uploads, each a distinct original")
	fs.Float64Var(&c.Rate, "rate", 0, "target uploads started per second; 0 for as fast as --concurrency allows")
	fs.IntVar(&c.Concurrency, "concurrency", defaultLoadConcurrency, "observers uploading at once")
	fs.IntVar(&c.Pool, "pool", defaultLoadPool, "distinct sheets generated once and varied per upload")
	fs.Int64Var(&c.Seed, "seed", synth.DefaultSeed, "random seed of the sheet pool")
	fs.StringVar(&c.Size, "size", "", "photo size WxH (default: a mix of 2, 3, 7 and 12 megapixels)")
	fs.Float64Var(&c.ErrorShare, "errors", synth.DefaultErrorShare, "share of sheets typed with an error")
	fs.DurationVar(&c.RetryFor, "retry-for", defaultLoadRetryFor, "how long one upload is retried after network errors and 5xx")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", defaultLoadRequest, "timeout of one HTTP request")
	fs.DurationVar(&c.Drain, "drain", defaultLoadDrain, "how long to wait for the backlog to drain")
	fs.StringVar(&c.MNIST, "mnist", "", "directory with MNIST's idx.gz files (default: the GoMNIST module's)")
}

// Validate reports every problem at once.
func (c loadgenConfig) Validate() error {
	var errs []error
	if err := checkLoopback(c.Server); err != nil {
		errs = append(errs, err)
	}
	if c.Token == "" {
		errs = append(errs, errors.New("--token is required"))
	}
	if c.Uploads < 1 {
		errs = append(errs, errors.New("--n must be at least 1"))
	}
	if c.Rate < 0 {
		errs = append(errs, errors.New("--rate must not be negative"))
	}
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("--concurrency must be at least 1"))
	}
	if c.Pool < 1 {
		errs = append(errs, errors.New("--pool must be at least 1"))
	}
	if c.Size != "" {
		if _, _, ok := parseSize(c.Size); !ok {
			errs = append(errs, fmt.Errorf("--size %q: want WxH", c.Size))
		}
	}
	if c.RetryFor < 0 || c.RequestTimeout <= 0 || c.Drain < 0 {
		errs = append(errs, errors.New("--retry-for, --request-timeout and --drain must be positive"))
	}
	return errors.Join(errs...)
}

// checkLoopback refuses servers off this machine: a load test must never
// be pointed at a production service by a typo.
func checkLoopback(server string) error {
	u, err := url.Parse(server)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("--server %q: scheme must be http or https", server)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--server %q: only loopback hosts (127.0.0.1, ::1, localhost) may be load tested", server)
}

// loadReport is the one line loadgen prints. The first eight fields are
// the issue's; the rest explain them.
type loadReport struct {
	// Acknowledged counts uploads answered 200/201 with a sheet id.
	Acknowledged int `json:"acknowledged"`
	// Lost counts acknowledged uploads whose record or original (by
	// SHA-256) is missing or different.
	Lost int `json:"lost"`
	// Duplicates counts sheets read into more than one result, and
	// photos acknowledged under two sheet ids.
	Duplicates int `json:"duplicates"`
	// Processed counts acknowledged sheets with a verdict.
	Processed   int     `json:"processed"`
	UploadsPerS float64 `json:"uploads_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	DrainS      float64 `json:"drain_s"`
	// Sent counts uploads attempted; Failed those never acknowledged.
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	// Retries counts repeated requests; Status5xx the 5xx answers by code.
	Retries   int            `json:"retries"`
	Status5xx map[string]int `json:"status_5xx"`
	MBSent    float64        `json:"mb_sent"`
}

// loadPhoto is one sheet of the pool.
type loadPhoto struct {
	data  []byte
	typed map[string]int
	png   bool
}

// ack is an acknowledged upload.
type ack struct {
	sha, id string
	// i is the upload's number: jobs run roughly in this order.
	i int
}

func runLoadgen(ctx context.Context, e env) error {
	var cfg loadgenConfig
	fs := newFlagSet("loadgen", e)
	cfg.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	pool, err := loadPool(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	lg := newLoadgen(cfg, e.log)
	rep, err := lg.run(ctx, pool)
	if err != nil {
		return err
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	fmt.Fprintln(e.stdout, string(line))
	if rep.Lost > 0 || rep.Duplicates > 0 || rep.Processed < rep.Acknowledged || rep.Failed > 0 {
		return fmt.Errorf("reconcile: %d lost, %d duplicates, %d of %d processed, %d failed",
			rep.Lost, rep.Duplicates, rep.Processed, rep.Acknowledged, rep.Failed)
	}
	return nil
}

// loadPool generates the distinct sheets uploads are made from.
func loadPool(ctx context.Context, cfg loadgenConfig, log *slog.Logger) ([]loadPhoto, error) {
	form, err := ocr.LoadForm(cfg.Form)
	if err != nil {
		return nil, err
	}
	mnist := cfg.MNIST
	if mnist == "" {
		if mnist, err = synth.MNISTDir(); err != nil {
			return nil, err
		}
	}
	digits, err := synth.NewMNISTDigits(mnist, synth.SplitTest)
	if err != nil {
		return nil, err
	}
	sc := synth.DefaultConfig()
	sc.Count, sc.Seed, sc.ErrorShare, sc.Logger = cfg.Pool, cfg.Seed, cfg.ErrorShare, log
	if cfg.Size != "" {
		w, h, _ := parseSize(cfg.Size)
		sc.Sizes, sc.ScanShare = [][2]int{{w, h}}, 0
	}
	g, err := synth.NewGenerator(form, digits, sc)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	pool := make([]loadPhoto, cfg.Pool)
	errs := make([]error, cfg.Pool)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range pool {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			data, rec, err := g.Sheet(i)
			if err != nil {
				errs[i] = err
				return
			}
			pool[i] = loadPhoto{data: data, typed: rec.Typed.Counts, png: strings.HasSuffix(rec.File, ".png")}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("generate pool: %w", err)
	}
	var total int
	for _, p := range pool {
		total += len(p.data)
	}
	log.InfoContext(ctx, "pool generated", "sheets", len(pool), "mean_bytes", total/len(pool), "took", time.Since(start).Round(time.Millisecond))
	return pool, nil
}

// distinctBytes returns the photo with a comment naming upload i, so that
// every upload is an original of its own with the same pixels: a JPEG COM
// segment after SOI, or a PNG tEXt chunk after IHDR.
func distinctBytes(p loadPhoto, i int) []byte {
	note := []byte(fmt.Sprintf("tutanak loadgen upload %d", i))
	if p.png {
		const afterIHDR = 8 + 4 + 4 + 13 + 4
		chunk := make([]byte, 0, 12+len(note)+8)
		chunk = binary.BigEndian.AppendUint32(chunk, uint32(len("Comment")+1+len(note)))
		body := append([]byte("tEXtComment\x00"), note...)
		chunk = append(chunk, body...)
		chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
		return slices.Concat(p.data[:afterIHDR], chunk, p.data[afterIHDR:])
	}
	seg := []byte{0xFF, 0xFE, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(note)))
	return slices.Concat(p.data[:2], seg, note, p.data[2:])
}

// loadgen uploads and reconciles.
type loadgen struct {
	cfg  loadgenConfig
	log  *slog.Logger
	http *http.Client
	base string

	retries atomic.Int64
	mu      sync.Mutex
	status  map[string]int
}

func newLoadgen(cfg loadgenConfig, log *slog.Logger) *loadgen {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.Concurrency
	return &loadgen{cfg: cfg, log: log, base: strings.TrimRight(cfg.Server, "/"), status: map[string]int{},
		http: &http.Client{Timeout: cfg.RequestTimeout, Transport: tr}}
}

func (lg *loadgen) run(ctx context.Context, pool []loadPhoto) (loadReport, error) {
	rep := loadReport{Sent: lg.cfg.Uploads}
	var (
		mu        sync.Mutex
		acks      = map[string]ack{} // by sha
		latencies []time.Duration
		bytesSent int64
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range lg.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p := pool[i%len(pool)]
				data := distinctBytes(p, i)
				sum := sha256.Sum256(data)
				sha := hex.EncodeToString(sum[:])
				t0 := time.Now()
				id, err := lg.upload(ctx, data, p.typed)
				took := time.Since(t0)
				mu.Lock()
				bytesSent += int64(len(data))
				if err != nil {
					rep.Failed++
					mu.Unlock()
					lg.log.ErrorContext(ctx, "upload failed", "upload", i, "sha256", sha, "err", err)
					continue
				}
				if prev, ok := acks[sha]; ok && prev.id != id {
					rep.Duplicates++
				}
				acks[sha] = ack{sha: sha, id: id, i: i}
				latencies = append(latencies, took)
				mu.Unlock()
			}
		}()
	}
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
feed:
	for i := range lg.cfg.Uploads {
		if lg.cfg.Rate > 0 {
			at := start.Add(time.Duration(float64(i) / lg.cfg.Rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					break feed
				}
			}
		}
		for {
			select {
			case jobs <- i:
				continue feed
			case <-progress.C:
				mu.Lock()
				n := len(acks)
				mu.Unlock()
				lg.log.InfoContext(ctx, "uploading", "started", i, "acknowledged", n)
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	upload := time.Since(start)
	rep.Acknowledged = len(acks)
	rep.UploadsPerS = round(float64(rep.Acknowledged)/upload.Seconds(), 2)
	rep.P50ms, rep.P99ms = percentileMS(latencies, 0.50), percentileMS(latencies, 0.99)
	rep.MBSent = round(float64(bytesSent)/1e6, 1)
	lg.log.InfoContext(ctx, "uploads done", "acknowledged", rep.Acknowledged, "failed", rep.Failed, "took", upload.Round(time.Millisecond))

	list := make([]ack, 0, len(acks))
	for _, a := range acks {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b ack) int { return a.i - b.i })
	drainStart := time.Now()
	if err := lg.drain(ctx, list); err != nil {
		lg.log.ErrorContext(ctx, "backlog did not drain", "err", err)
	}
	rep.DrainS = round(time.Since(drainStart).Seconds(), 1)
	rc, err := lg.reconcile(ctx, list)
	if err != nil {
		return rep, err
	}
	rep.Lost, rep.Processed = rc.lost, rc.processed
	rep.Duplicates += rc.duplicates
	rep.Retries = int(lg.retries.Load())
	lg.mu.Lock()
	rep.Status5xx = lg.status
	lg.mu.Unlock()
	return rep, nil
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

func percentileMS(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return round(float64(s[i])/float64(time.Millisecond), 1)
}

// errRetryable marks a failure an observer's phone would retry.
var errRetryable = errors.New("retryable")

// retryAfter carries the server's Retry-After with a retryable failure.
type retryAfter struct {
	wait time.Duration
	err  error
}

func (r *retryAfter) Error() string   { return r.err.Error() }
func (r *retryAfter) Unwrap() []error { return []error{r.err, errRetryable} }

// withRetry runs fn until it succeeds, fails for good, or RetryFor has
// passed, backing off exponentially with jitter (or as Retry-After says).
func (lg *loadgen) withRetry(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(lg.cfg.RetryFor)
	backoff := 250 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			lg.retries.Add(1)
		}
		err := fn()
		if err == nil || !errors.Is(err, errRetryable) || ctx.Err() != nil {
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		var ra *retryAfter
		if errors.As(err, &ra) && ra.wait > 0 {
			wait = ra.wait
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("gave up after %d attempts: %w", attempt+1, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, 8*time.Second)
	}
}

// do sends one request and decodes a 2xx JSON answer into out (or hands
// the body to out when it is an io.Writer). Network errors and 408, 429
// and 5xx answers are retryable.
func (lg *loadgen) do(ctx context.Context, method, path, ctype string, body []byte, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, lg.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+lg.cfg.Token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := lg.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		return 0, &retryAfter{err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		err := fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(msg))
		if resp.StatusCode >= 500 {
			lg.mu.Lock()
			lg.status[strconv.Itoa(resp.StatusCode)]++
			lg.mu.Unlock()
		}
		if resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return resp.StatusCode, &retryAfter{wait: time.Duration(secs) * time.Second, err: err}
		}
		return resp.StatusCode, err
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, resp.Body)
	} else {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	if err != nil {
		// A body cut off mid-way is the network's doing.
		return resp.StatusCode, &retryAfter{err: fmt.Errorf("%s %s: read answer: %w", method, path, err)}
	}
	return resp.StatusCode, nil
}

// upload sends one photo with its typed figures, retrying; the same bytes
// again are the same sheet, so a retry after a lost answer is harmless.
func (lg *loadgen) upload(ctx context.Context, photo []byte, typed map[string]int) (string, error) {
	body, ctype, err := sheetUploadBody(lg.cfg.Form, typed, "sheet", bytes.NewReader(photo))
	if err != nil {
		return "", err
	}
	var id string
	err = lg.withRetry(ctx, func() error {
		var out struct {
			ID string `json:"id"`
		}
		if _, err := lg.do(ctx, http.MethodPost, "/api/v1/sheets", ctype, body, &out); err != nil {
			return err
		}
		if out.ID == "" {
			return errors.New("upload answered without a sheet id")
		}
		id = out.ID
		return nil
	})
	return id, err
}

// loadSheet is the part of a sheet reconciliation reads.
type loadSheet struct {
	ID      string `json:"id"`
	SHA256  string `json:"sha256"`
	Status  string `json:"status"`
	History []struct {
		Action string `json:"action"`
	} `json:"history"`
}

func (lg *loadgen) sheet(ctx context.Context, id string) (loadSheet, int, error) {
	var sh loadSheet
	var code int
	err := lg.withRetry(ctx, func() error {
		var err error
		code, err = lg.do(ctx, http.MethodGet, "/api/v1/sheets/"+url.PathEscape(id), "", nil, &sh)
		return err
	})
	return sh, code, err
}

// drain waits until every acknowledged sheet has a verdict or Drain has
// passed. Jobs run roughly in upload order, so each round stops at the
// first few sheets still waiting.
func (lg *loadgen) drain(ctx context.Context, list []ack) error {
	deadline := time.Now().Add(lg.cfg.Drain)
	pending := slices.Clone(list)
	lastLog := time.Now()
	for len(pending) > 0 {
		var still []ack
		waiting := 0
		for i, a := range pending {
			if waiting >= 8 {
				still = append(still, pending[i:]...)
				break
			}
			sh, _, err := lg.sheet(ctx, a.id)
			if err != nil && ctx.Err() != nil {
				return err
			}
			if err == nil && isVerdictStatus(sh.Status) {
				continue
			}
			// A sheet that cannot be read (gone, refused) is left to reconcile.
			if err == nil {
				waiting++
				still = append(still, a)
			}
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d sheets without a verdict after %s", len(pending), lg.cfg.Drain)
		}
		if time.Since(lastLog) > 5*time.Second {
			lg.log.InfoContext(ctx, "draining", "pending", len(pending))
			lastLog = time.Now()
		}
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func isVerdictStatus(s string) bool { return s == "verified" || s == "flagged" || s == "unreadable" }

type reconciled struct{ lost, duplicates, processed int }

// reconcile checks every acknowledged upload through the API: the record
// is there with the hash sent, the original's bytes hash to it, and the
// sheet was read into one result.
func (lg *loadgen) reconcile(ctx context.Context, list []ack) (reconciled, error) {
	var (
		mu  sync.Mutex
		out reconciled
		wg  sync.WaitGroup
	)
	jobs := make(chan ack)
	for range min(lg.cfg.Concurrency, 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				lost, dup, processed := lg.check(ctx, a)
				mu.Lock()
				out.lost += b2i(lost)
				out.duplicates += b2i(dup)
				out.processed += b2i(processed)
				mu.Unlock()
			}
		}()
	}
	for _, a := range list {
		jobs <- a
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	lg.log.InfoContext(ctx, "reconciled", "checked", len(list), "lost", out.lost, "duplicates", out.duplicates, "processed", out.processed)
	return out, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (lg *loadgen) check(ctx context.Context, a ack) (lost, dup, processed bool) {
	sh, _, err := lg.sheet(ctx, a.id)
	if err != nil || sh.SHA256 != a.sha {
		lg.log.ErrorContext(ctx, "record missing", "sheet_id", a.id, "sha256", a.sha, "stored_sha256", sh.SHA256, "err", err)
		return true, false, false
	}
	results := 0
	for _, h := range sh.History {
		if h.Action == "ocr_result" {
			results++
		}
	}
	if results > 1 {
		lg.log.ErrorContext(ctx, "sheet read more than once", "sheet_id", a.id, "results", results)
	}
	err = lg.withRetry(ctx, func() error {
		h := sha256.New()
		if _, err := lg.do(ctx, http.MethodGet, "/api/v1/sheets/"+url.PathEscape(a.id)+"/original", "", nil, h); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != a.sha {
			return fmt.Errorf("original hashes to %s", got)
		}
		return nil
	})
	if err != nil {
		lg.log.ErrorContext(ctx, "original missing", "sheet_id", a.id, "sha256", a.sha, "err", err)
		return true, results > 1, isVerdictStatus(sh.Status)
	}
	return false, results > 1, isVerdictStatus(sh.Status)
}
