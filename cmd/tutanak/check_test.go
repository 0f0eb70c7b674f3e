package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 600, 800)), nil); err != nil {
		t.Fatal(err)
	}
	var small bytes.Buffer
	if err := png.Encode(&small, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	huge := small.Bytes()
	binary.BigEndian.PutUint32(huge[16:], 20000)
	binary.BigEndian.PutUint32(huge[20:], 20000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))

	tests := []struct {
		name string
		args []string
	}{
		{"missing file", []string{"check", "--image", filepath.Join(dir, "nope.jpg")}},
		{"empty file", []string{"check", "--image", writeFile(t, dir, "empty.jpg", nil)}},
		{"text named jpg", []string{"check", "--image", writeFile(t, dir, "text.jpg", []byte("hello\n"))}},
		{"truncated jpeg", []string{"check", "--image", writeFile(t, dir, "cut.jpg", jpg.Bytes()[:jpg.Len()/3])}},
		{"20000x20000 png", []string{"check", "--image", writeFile(t, dir, "huge.png", huge)}},
		{"unknown form", []string{"check", "--form", "xx-1999", "--image", writeFile(t, dir, "ok.jpg", jpg.Bytes())}},
		{"no image flag", []string{"check"}},
		{"bad typed file", []string{"check", "--image", writeFile(t, dir, "ok2.jpg", jpg.Bytes()), "--typed", writeFile(t, dir, "typed.json", []byte(`{"counts":{"nope":1}}`))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code == 0 {
				t.Fatalf("exit 0, stdout %q", stdout)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || lines[0] == "" {
				t.Errorf("stderr %q, want one line", stderr)
			}
		})
	}
}

func TestCheckNoFormInPhoto(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 900, 1200))
	for i := range img.Pix {
		img.Pix[i] = uint8(100 + i%7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "check", "--image", writeFile(t, dir, "wall.jpg", buf.Bytes()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res review.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not the JSON result: %v\n%s", err, stdout)
	}
	if res.PageFound || res.Verdict != review.Unreadable {
		t.Errorf("page_found %v verdict %q, want false and unreadable", res.PageFound, res.Verdict)
	}
}

// TestCheckContract runs check on a generated sheet with its typed figures and
// checks the JSON has the documented shape: every field of the form, a
// status per field, every rule, a verdict.
func TestCheckContract(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Seed, cfg.ScanShare, cfg.HardShare = 5, 0, 0
	form, g := testGenerator(t, cfg)
	data, rec, err := g.Sheet(0)
	if err != nil {
		t.Fatal(err)
	}
	typed, _ := json.Marshal(map[string]any{"counts": rec.Typed.Counts})
	debug := filepath.Join(dir, "debug")
	code, stdout, stderr := runCLI(t, "check", "--form", "cb-2023",
		"--image", writeFile(t, dir, "sheet.jpg", data),
		"--typed", writeFile(t, dir, "typed.json", typed),
		"--debug-dir", debug)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, k := range []string{"form", "page_found", "quality", "printed", "fields", "rules", "verdict", "reasons", "elapsed_ms"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("result has no %q", k)
		}
	}
	var res review.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if !res.PageFound {
		t.Fatal("page not found on an ordinary generated photo")
	}
	for _, f := range form.Fields {
		fr, ok := res.Fields[f.ID]
		if !ok {
			t.Errorf("field %s missing", f.ID)
			continue
		}
		if fr.Typed == nil || *fr.Typed != rec.Typed.Counts[f.ID] {
			t.Errorf("field %s: typed %v, want %d", f.ID, fr.Typed, rec.Typed.Counts[f.ID])
		}
		switch fr.Status {
		case review.StatusMatch, review.StatusMismatch, review.StatusUnreadable:
		default:
			t.Errorf("field %s: status %q with a typed figure", f.ID, fr.Status)
		}
	}
	if len(res.Rules) != len(form.Rules) {
		t.Errorf("%d rules, want %d", len(res.Rules), len(form.Rules))
	}
	switch res.Verdict {
	case review.Verified, review.Flagged, review.Unreadable:
	default:
		t.Errorf("verdict %q", res.Verdict)
	}
	if res.Verdict == review.Flagged && len(res.Reasons) == 0 {
		t.Error("flagged without reasons")
	}
	for _, name := range []string{"page.png", "field-kayitli_secmen.png", "printed-il.png"} {
		if _, err := os.Stat(filepath.Join(debug, name)); err != nil {
			t.Errorf("debug output: %v", err)
		}
	}
}

// testGenerator makes cb-2023 sheets with MNIST test-split handwriting.
func testGenerator(t *testing.T, cfg synth.Config) (*ocr.Form, *synth.Generator) {
	t.Helper()
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	return form, ocrtest.Generator(t, form, cfg)
}
