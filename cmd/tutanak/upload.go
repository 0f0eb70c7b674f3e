package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
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

// runUpload sends every sheet of a truth.json directory to a running server
// with its typed figures, the way a school's IT person would in bulk, waits
// for the verdicts and prints them.
func runUpload(ctx context.Context, e env) error {
	fs := newFlagSet("upload", e)
	server := fs.String("server", "http://127.0.0.1:8080", "tutanak server URL")
	token := fs.String("token", os.Getenv("TUTANAK_TOKEN"), "API token (default $TUTANAK_TOKEN)")
	dir := fs.String("dir", "", "directory with photos and truth.json (as written by tutanak gen)")
	formID := fs.String("form", review.DefaultForm, "form id")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the verdicts")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *dir == "" || *token == "" {
		return errors.New("--dir and --token are required")
	}
	recs, err := synth.ReadTruth(filepath.Join(*dir, "truth.json"))
	if err != nil {
		return err
	}
	c := &apiClient{base: strings.TrimRight(*server, "/"), token: *token, http: &http.Client{Timeout: time.Minute}}
	ids := make([]string, len(recs))
	for i, rec := range recs {
		id, err := c.upload(ctx, filepath.Join(*dir, rec.File), *formID, rec.Typed.Counts)
		if err != nil {
			return fmt.Errorf("%s: %w", rec.File, err)
		}
		ids[i] = id
	}
	deadline := time.Now().Add(*wait)
	sheets := make([]uploadedSheet, len(ids))
	for i, id := range ids {
		for {
			sh, err := c.sheet(ctx, id)
			if err != nil {
				return err
			}
			sheets[i] = sh
			if sh.Status != "queued" && sh.Status != "processing" {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("sheet %s still %s after %s", id, sh.Status, *wait)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(300 * time.Millisecond):
			}
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "photo\tsheet\til / ilçe / sandık\tverdict\twhy")
	for i, sh := range sheets {
		var why []string
		for _, r := range sh.Reasons {
			why = append(why, r.TR)
		}
		if len(why) == 0 {
			why = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s / %s / %s\t%s\t%s\n", recs[i].File, sh.ID, cmp.Or(sh.Box.Il, "?"), cmp.Or(sh.Box.Ilce, "?"), cmp.Or(sh.Box.SandikNo, "?"), sh.Status, strings.Join(why, " | "))
	}
	return tw.Flush()
}

type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) do(req *http.Request, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
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
