package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
	"github.com/tutanak/tutanak/web"
)

// decodingReader stands in for the OCR reader: it decodes the photo for
// real and hands back the page and the fields' cells, but reads no figures.
type decodingReader struct{}

func (decodingReader) Read(ctx context.Context, form *ocr.Form, data []byte) (*ocr.Reading, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode: %w: %w", ocr.ErrCorruptData, err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	// Each field's cell, cut where the form puts it, so the pages and the
	// evidence bundle have crops to show; no figure is read from them.
	fields := map[string]ocr.FieldReading{}
	b := g.Bounds()
	for _, f := range form.Fields {
		r := f.DigitsBox.Rect()
		r = image.Rect(r.Min.X*b.Dx()/form.WidthPx, r.Min.Y*b.Dy()/form.HeightPx, r.Max.X*b.Dx()/form.WidthPx, r.Max.Y*b.Dy()/form.HeightPx)
		if crop, ok := g.SubImage(r.Add(b.Min)).(*image.Gray); ok && !crop.Bounds().Empty() {
			fields[f.ID] = ocr.FieldReading{Crop: crop}
		}
	}
	return &ocr.Reading{FormID: form.ID, PageFound: true, Quality: ocr.Quality{OK: true, Problems: []ocr.Problem{}},
		Printed: map[string]string{}, Fields: fields, Page: g, PageScale: 1}, nil
}

// stack is a database and store pair the service runs on.
type stack = storagetest.Backend

// stacks are every pair the service is built for.
func stacks() []stack { return storagetest.Backends() }

type app struct {
	url   string
	svc   *review.Service
	db    *storage.DB
	store storage.ObjectStore
}

// setup starts the whole service on a real listener: database, store,
// workers and the HTTP server with its production timeouts. Its OCR workers
// use decodingReader; setupWith takes the reader.
func setup(t testing.TB, st stack, cfg web.Config) app {
	t.Helper()
	return setupWith(t, st, cfg, decodingReader{})
}

func setupWith(t testing.TB, st stack, cfg web.Config, reader review.SheetReader) app {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, store := st.Open(t, log)
	svc := review.NewService(db, store, log)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svc.SetSigningKey(key)
	workers := river.NewWorkers()
	review.NewOCRWorker(svc, reader).Register(workers)
	q, err := db.StartWorkers(context.Background(), workers, storage.QueueConfig{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	reg := prometheus.NewRegistry()
	srv := web.New(svc, cfg, log, reg, reg).HTTPServer("127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		q.Stop(ctx)
		db.Close()
	})
	return app{url: "http://" + ln.Addr().String(), svc: svc, db: db, store: store}
}

func (a app) token(t testing.TB, name string, role review.Role, province string) string {
	t.Helper()
	_, token, err := a.svc.CreateUser(context.Background(), review.NewUser{Name: name, Role: role, Province: province})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

type part struct {
	name, filename string
	data           []byte
}

func multipartBody(t testing.TB, parts []part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var pw io.Writer
		var err error
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.name, p.filename)
		} else {
			pw, err = w.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// call sends a request and decodes a JSON answer into out (when not nil).
func (a app) call(t testing.TB, token, method, path string, body io.Reader, ctype string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if b, ok := out.(*[]byte); ok {
			*b = raw
		} else if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp
}

func (a app) upload(t testing.TB, token string, parts []part, out any) *http.Response {
	t.Helper()
	body, ctype := multipartBody(t, parts)
	return a.call(t, token, http.MethodPost, "/api/v1/sheets", body, ctype, out)
}

type sheetJSON struct {
	ID      string `json:"id"`
	SHA256  string `json:"sha256"`
	Status  string `json:"status"`
	Box     review.Box
	Fields  map[string]review.FieldView `json:"fields"`
	Reasons []review.Reason             `json:"reasons"`
	History []review.HistoryEntry       `json:"history"`
}

type errJSON struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageEN string `json:"message_en"`
	} `json:"error"`
}

func (a app) waitVerdict(t *testing.T, token, id string) sheetJSON {
	t.Helper()
	// The real reader under the race detector on a shared CI machine can
	// take a minute a sheet; this bounds a hang, it does not time anything.
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var s sheetJSON
		if resp := a.call(t, token, http.MethodGet, "/api/v1/sheets/"+id, nil, "", &s); resp.StatusCode != http.StatusOK {
			t.Fatalf("get sheet: %d", resp.StatusCode)
		}
		switch s.Status {
		case "verified", "flagged", "unreadable":
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sheet %s still %s", id, s.Status)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// sample is a photo with the figures typed for it.
type sample struct {
	name  string
	data  []byte
	typed map[string]int
}

// samples returns the photographed sample sheets when the shared folder is
// there, and always one drawn here, so the suite runs anywhere.
func samples(t *testing.T, max int) []sample {
	t.Helper()
	out := []sample{drawnSample(t)}
	dir := "../../shared/samples/cb-2023" // beside the checkout, when it is there
	raw, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	var truth []struct {
		File  string `json:"file"`
		Typed struct {
			Counts map[string]int `json:"counts"`
		} `json:"typed"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	for _, s := range truth {
		if len(out) > max {
			break
		}
		data, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{name: s.File, data: data, typed: s.Typed.Counts})
	}
	return out
}

func drawnSample(t *testing.T) sample {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 600, 850))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 235}), image.Point{}, draw.Src)
	for y := 100; y < 800; y += 50 {
		for x := 50; x < 550; x++ {
			img.SetGray(x, y, color.Gray{Y: 20})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return sample{name: "drawn.png", data: buf.Bytes(), typed: map[string]int{"aday_1": 84, "aday_2": 3, "gecerli_oy": 87}}
}
