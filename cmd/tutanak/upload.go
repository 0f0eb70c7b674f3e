package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// uploadedSheet is the part of GET /api/v1/sheets/{id} the upload command shows.
type uploadedSheet struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Box    struct {
		Il       string `json:"il"`
		Ilce     string `json:"ilce"`
		SandikNo string `json:"sandik_no"`
	} `json:"box"`
	Reasons []struct {
		Code string `json:"code"`
		TR   string `json:"tr"`
		EN   string `json:"en"`
	} `json:"reasons"`
}

// Defaults of `tutanak upload`.
const (
	defaultUploadServer          = "http://127.0.0.1:8080"
	defaultUploadWait            = 2 * time.Minute
	defaultUploadDialTimeout     = 30 * time.Second
	defaultUploadTLSTimeout      = 30 * time.Second
	defaultUploadResponseTimeout = time.Minute
)

// uploadConfig is `tutanak upload`. No timeout covers sending a photo: on a
// slow link that may take many minutes, and the server cuts an upload off
// only when no byte arrives for its --upload-idle-timeout. The whole run is
// bounded by the caller's context (an interrupt) and, for the verdicts, by Wait.
type uploadConfig struct {
	// Server is the tutanak server's URL. Defaults to http://127.0.0.1:8080.
	Server string
	// Token is an API token. Defaults to $TUTANAK_TOKEN; required.
	Token string
	// Dir holds the photos and their truth.json, as tutanak gen writes
	// them. Required.
	Dir string
	// Form is the sheets' form id. Defaults to review.DefaultForm.
	Form string
	// Wait is how long to wait for the verdicts once every photo is sent.
	// Defaults to 2m.
	Wait time.Duration
	// DialTimeout bounds connecting to the server. Defaults to 30s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Defaults to 30s.
	TLSHandshakeTimeout time.Duration
	// ResponseTimeout bounds the wait for the server's answer once a request,
	// photo and all, is sent: first its headers, then its body. Defaults to 1m.
	ResponseTimeout time.Duration
}

func (c *uploadConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Server, "server", defaultUploadServer, "tutanak server URL")
	secretVar(fs, &c.Token, "token", "TUTANAK_TOKEN", "API `token` (default $TUTANAK_TOKEN)")
	fs.StringVar(&c.Dir, "dir", "", "directory with photos and truth.json (as written by tutanak gen)")
	fs.StringVar(&c.Form, "form", review.DefaultForm, "form id")
	fs.DurationVar(&c.Wait, "wait", defaultUploadWait, "how long to wait for the verdicts")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", defaultUploadDialTimeout, "time to connect to the server")
	fs.DurationVar(&c.TLSHandshakeTimeout, "tls-timeout", defaultUploadTLSTimeout, "time for the TLS handshake")
	fs.DurationVar(&c.ResponseTimeout, "response-timeout", defaultUploadResponseTimeout,
		"time for the server's answer once a photo is wholly sent (sending it has no time limit)")
}

// Validate reports every problem at once.
func (c uploadConfig) Validate() error {
	var errs []error
	if u, err := url.Parse(c.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("--server %q: want an http(s)://host URL", c.Server))
	}
	if c.Dir == "" || c.Token == "" {
		errs = append(errs, errors.New("--dir and --token are required"))
	}
	if c.Wait <= 0 || c.DialTimeout <= 0 || c.TLSHandshakeTimeout <= 0 || c.ResponseTimeout <= 0 {
		errs = append(errs, errors.New("--wait, --dial-timeout, --tls-timeout and --response-timeout must be positive"))
	}
	return errors.Join(errs...)
}

// client is the HTTP client of the upload: timeouts on connecting and on
// the answer, none on sending the body.
func (c uploadConfig) client() *apiClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: c.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = c.TLSHandshakeTimeout
	// Counted from the end of the request's body.
	tr.ResponseHeaderTimeout = c.ResponseTimeout
	return &apiClient{base: strings.TrimRight(c.Server, "/"), token: c.Token,
		http: &http.Client{Transport: tr}, answerTimeout: c.ResponseTimeout}
}

// runUpload sends every sheet of a truth.json directory to a running server
// with its typed figures, the way a school's IT person would in bulk, waits
// for the verdicts and prints them. A photo that fails does not stop the
// others: every failure is listed at the end and the command fails.
func runUpload(ctx context.Context, e env) error {
	var cfg uploadConfig
	fs := newFlagSet("upload", e)
	cfg.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	recs, err := synth.ReadTruth(filepath.Join(cfg.Dir, "truth.json"))
	if err != nil {
		return err
	}
	c := cfg.client()
	ids := make([]string, len(recs))
	failures := make([]error, len(recs))
	for i, rec := range recs {
		ids[i], failures[i] = c.upload(ctx, filepath.Join(cfg.Dir, rec.File), cfg.Form, rec.Typed.Counts)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted at %s: %w", rec.File, ctx.Err())
		}
	}

	// One deadline for all the verdicts; it also bounds each request.
	waitCtx, cancel := context.WithTimeout(ctx, cfg.Wait)
	defer cancel()
	sheets := make([]uploadedSheet, len(recs))
	for i, id := range ids {
		if failures[i] != nil {
			continue
		}
		sheets[i], failures[i] = c.waitVerdict(waitCtx, id, cfg.Wait)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted waiting for %s: %w", id, ctx.Err())
		}
	}

	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "photo\tsheet\til / ilçe / sandık\tverdict\twhy")
	var failed []error
	for i, sh := range sheets {
		var why []string
		for _, r := range sh.Reasons {
			why = append(why, r.TR)
		}
		status := sh.Status
		if err := failures[i]; err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", recs[i].File, err))
			if ids[i] == "" {
				status = "yüklenemedi / not uploaded"
			}
			why = append(why, err.Error())
		}
		if len(why) == 0 {
			why = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s / %s / %s\t%s\t%s\n", recs[i].File, cmp.Or(ids[i], "-"), cmp.Or(sh.Box.Il, "?"), cmp.Or(sh.Box.Ilce, "?"),
			cmp.Or(sh.Box.SandikNo, "?"), cmp.Or(status, "?"), strings.Join(why, " | "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d photos failed:\n%w", len(failed), len(recs), errors.Join(failed...))
	}
	return nil
}

// waitVerdict polls a sheet until it has a verdict or ctx, whose deadline is
// wait away, ends.
func (c *apiClient) waitVerdict(ctx context.Context, id string, wait time.Duration) (uploadedSheet, error) {
	var last uploadedSheet
	for {
		sh, err := c.sheet(ctx, id)
		if err == nil {
			last = sh
			if sh.Status != "queued" && sh.Status != "processing" {
				return sh, nil
			}
		}
		if ctx.Err() != nil {
			return last, fmt.Errorf("no verdict after %s (%s)", wait, cmp.Or(last.Status, "not seen"))
		}
		if err != nil {
			return last, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

type apiClient struct {
	base, token string
	http        *http.Client
	// answerTimeout bounds reading an answer's body once its headers came.
	answerTimeout time.Duration
}

func (c *apiClient) do(req *http.Request, out any) error {
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	stop := time.AfterFunc(c.answerTimeout, cancel)
	defer stop.Stop()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, out)
}

// sheetUploadBody is the multipart body of POST /api/v1/sheets: the form,
// the typed figures when there are any, and the photo. It returns the body
// and its content type.
func sheetUploadBody(form string, typed map[string]int, filename string, photo io.Reader) ([]byte, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("form", form); err != nil {
		return nil, "", err
	}
	if len(typed) > 0 {
		t, err := json.Marshal(map[string]any{"counts": typed})
		if err != nil {
			return nil, "", err
		}
		if err := mw.WriteField("typed", string(t)); err != nil {
			return nil, "", err
		}
	}
	part, err := mw.CreateFormFile("image", filename)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(part, photo); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return body.Bytes(), mw.FormDataContentType(), nil
}

func (c *apiClient) upload(ctx context.Context, path, form string, typed map[string]int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	body, ctype, err := sheetUploadBody(form, typed, filepath.Base(path), f)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/sheets", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", ctype)
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(req, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("the server answered without a sheet id")
	}
	return out.ID, nil
}

func (c *apiClient) sheet(ctx context.Context, id string) (uploadedSheet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/sheets/"+id, nil)
	if err != nil {
		return uploadedSheet{}, err
	}
	var sh uploadedSheet
	err = c.do(req, &sh)
	return sh, err
}
