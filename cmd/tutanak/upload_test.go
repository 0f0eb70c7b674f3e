package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// fakeAPI answers the two routes tutanak upload uses, like a server would.
type fakeAPI struct {
	// stall is how long the link stalls after the first 64 KiB of a body.
	stall time.Duration
	// fail says how the upload of a photo (by file name) fails: "refused"
	// (400), "server error" (500), "cut" (the connection is dropped) or
	// "no answer" (the body is read, then nothing is sent back).
	fail map[string]string

	mu       sync.Mutex
	received map[string]int // file name → bytes of the photo
	bodyTook time.Duration  // the longest a request body took to arrive
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/sheets/") {
		json.NewEncoder(w).Encode(map[string]any{"id": strings.TrimPrefix(r.URL.Path, "/api/v1/sheets/"), "status": "verified",
			"box": map[string]string{"il": "İzmir", "ilce": "Buca", "sandik_no": "1"}})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/sheets" {
		http.NotFound(w, r)
		return
	}
	start := time.Now()
	var body bytes.Buffer
	if a.stall > 0 {
		if _, err := io.CopyN(&body, r.Body, 64<<10); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		time.Sleep(a.stall) // the slow link: the client is still sending meanwhile
	}
	if _, err := io.Copy(&body, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	took := time.Since(start)
	r.Body = io.NopCloser(&body)
	if err := r.ParseMultipartForm(64 << 20); err != nil || len(r.MultipartForm.File["image"]) != 1 {
		http.Error(w, "no image", http.StatusBadRequest)
		return
	}
	fh := r.MultipartForm.File["image"][0]
	switch a.fail[fh.Filename] {
	case "refused":
		http.Error(w, `{"error":{"code":"bad_image"}}`, http.StatusBadRequest)
		return
	case "server error":
		http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
		return
	case "cut":
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case "no answer":
		<-r.Context().Done() // until the client gives up and hangs up
		return
	}
	a.mu.Lock()
	a.received[fh.Filename] = int(fh.Size)
	a.bodyTook = max(a.bodyTook, took)
	a.mu.Unlock()
	sum := sha256.Sum256([]byte(fh.Filename))
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"id": "sh_" + hex.EncodeToString(sum[:6]), "status": "queued"})
}

// smallBuffers keeps the server's receive buffer small, so that a client
// sending a large photo is still sending while the server does not read.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(64 << 10)
	}
	return c, err
}

func startFakeAPI(t *testing.T, a *fakeAPI) string {
	t.Helper()
	a.received = map[string]int{}
	srv := httptest.NewUnstartedServer(a)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// writeBatch writes photos of the given sizes (by file name) and their
// truth.json; a negative size lists the photo without writing it.
func writeBatch(t *testing.T, names []string, sizes map[string]int) string {
	t.Helper()
	dir := t.TempDir()
	var recs []synth.Record
	for _, name := range names {
		if sizes[name] >= 0 {
			if err := os.WriteFile(filepath.Join(dir, name), bytes.Repeat([]byte{0xA5}, sizes[name]), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		recs = append(recs, synth.Record{File: name, Form: review.DefaultForm, Typed: synth.Typed{Counts: map[string]int{"aday_1": 7}}})
	}
	if err := synth.WriteTruth(filepath.Join(dir, "truth.json"), recs); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runUploadCmd runs `tutanak upload` as main would and returns its exit
// code, output and error output.
func runUploadCmd(t *testing.T, server, dir string, responseTimeout time.Duration) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"upload", "--server", server, "--token", "tt_test", "--dir", dir,
		"--response-timeout", responseTimeout.String(), "--wait", "30s"}, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// Sending a photo has no time limit: only the wait for the answer, once the
// photo is sent, has one.
func TestUploadTimeouts(t *testing.T) {
	const responseTimeout = 250 * time.Millisecond
	cases := []struct {
		name     string
		api      *fakeAPI
		size     int
		wantCode int
		wantErr  string
	}{
		// 16 MiB is more than the client's send buffer and the server's
		// receive buffer hold, so the client is mid-photo during the stall.
		{"a photo slower to send than the response timeout", &fakeAPI{stall: 4 * responseTimeout}, 16 << 20, 0, ""},
		{"a server that never answers", &fakeAPI{fail: map[string]string{"a.jpg": "no answer"}}, 1 << 10, 1, "timeout awaiting response headers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			server := startFakeAPI(t, c.api)
			dir := writeBatch(t, []string{"a.jpg"}, map[string]int{"a.jpg": c.size})
			code, out, errOut := runUploadCmd(t, server, dir, responseTimeout)
			if code != c.wantCode || !strings.Contains(errOut, c.wantErr) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, c.wantCode, c.wantErr, out, errOut)
			}
			if c.wantCode != 0 {
				return
			}
			c.api.mu.Lock()
			defer c.api.mu.Unlock()
			if c.api.bodyTook <= responseTimeout {
				t.Fatalf("the body took %s, not longer than the response timeout %s: the test shows nothing", c.api.bodyTook, responseTimeout)
			}
			if c.api.received["a.jpg"] != c.size {
				t.Fatalf("server received %d bytes of the photo, want %d", c.api.received["a.jpg"], c.size)
			}
			if !strings.Contains(out, "verified") {
				t.Errorf("no verdict shown:\n%s", out)
			}
		})
	}
}

// One photo failing does not stop the others; every failure is reported
// at the end and the command exits non-zero.
func TestUploadBatchContinuesAfterFailures(t *testing.T) {
	names := []string{"a.jpg", "b.jpg", "c.jpg"}
	cases := []struct {
		name    string
		fail    map[string]string // file → how its upload fails
		missing string            // a photo listed in truth.json but not on disk
	}{
		{"refused by the server", map[string]string{"b.jpg": "refused"}, ""},
		{"server error", map[string]string{"b.jpg": "server error"}, ""},
		{"connection cut", map[string]string{"b.jpg": "cut"}, ""},
		{"photo missing from the directory", nil, "b.jpg"},
		{"first and last fail", map[string]string{"a.jpg": "server error", "c.jpg": "cut"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := &fakeAPI{fail: c.fail}
			server := startFakeAPI(t, api)
			sizes := map[string]int{"a.jpg": 2048, "b.jpg": 3072, "c.jpg": 4096}
			if c.missing != "" {
				sizes[c.missing] = -1
			}
			code, out, errOut := runUploadCmd(t, server, writeBatch(t, names, sizes), time.Minute)
			if code == 0 {
				t.Fatalf("exit 0 with failed photos\nstdout:\n%s\nstderr:\n%s", out, errOut)
			}
			failed := map[string]bool{}
			if c.missing != "" {
				failed[c.missing] = true
			}
			for name := range c.fail {
				failed[name] = true
			}
			if want := fmt.Sprintf("%d of 3 photos failed", len(failed)); !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			for _, name := range names {
				row := lineWith(out, name)
				switch {
				case failed[name]:
					if _, ok := api.received[name]; ok {
						t.Errorf("%s: stored although it failed", name)
					}
					if !strings.Contains(errOut, name+": ") {
						t.Errorf("%s: failure not reported:\n%s", name, errOut)
					}
					if !strings.Contains(row, "not uploaded") {
						t.Errorf("%s: row %q does not say it was not uploaded", name, row)
					}
				default:
					if api.received[name] != sizes[name] {
						t.Errorf("%s: server received %d bytes, want %d (the batch stopped?)", name, api.received[name], sizes[name])
					}
					if !strings.Contains(row, "verified") {
						t.Errorf("%s: row %q has no verdict", name, row)
					}
				}
			}
		})
	}
}

// lineWith returns the first line of s that starts with prefix.
func lineWith(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
