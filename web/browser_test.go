package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/digits"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestBrowser runs tests/browser/flows.mjs (playwright-core) in Debian's
// Chromium against the real server on SQLite + disk, reading generated phone
// photos with the real reader (Tesseract and the digit model): data entry,
// capture → flagged → a lawyer's decisions by keyboard → evidence bundle
// download, offline capture sent when the network returns, a lawyer of
// another province denied the sheet, and the offline photo, another box's
// sheet captured under the remembered box, filed under the box its header
// names. With UPDATE_SCREENSHOTS=1 its screenshots replace docs/screenshots.
// It fails, never skips, without Chromium or the npm packages (`make test`
// installs both through scripts/deps.sh).
func TestBrowser(t *testing.T) {
	a := setupWith(t, stacks()[0], web.Config{}, realReader(t))
	for _, u := range []struct {
		name     string
		role     review.Role
		province string
		password string
	}{
		{"gözlemci", review.Observer, "", "gözlemci parola"},
		{"veri", review.Entry, "İzmir", "veri parola"},
		{"avukat", review.Lawyer, "İzmir", "avukat parola"},
		{"avukat-ankara", review.Lawyer, "Ankara", "ankara parola"},
		{"hukuk", review.Legal, "", "hukuk parola"},
	} {
		a.user(t, u.name, u.role, u.province, u.password)
	}

	dir := t.TempDir()
	photos := phonePhotos(t, 2)
	photo := filepath.Join(dir, "tutanak.jpg")
	if err := os.WriteFile(photo, photos[0], 0o600); err != nil {
		t.Fatal(err)
	}
	offline := filepath.Join(dir, "tutanak-2.jpg")
	if err := os.WriteFile(offline, photos[1], 0o600); err != nil {
		t.Fatal(err)
	}
	// Screenshots refresh docs/screenshots only when asked, so that a test
	// run leaves the checkout as it found it.
	shots := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") != "" {
		var err error
		if shots, err = filepath.Abs("../docs/screenshots"); err != nil {
			t.Fatal(err)
		}
	}
	bundle := filepath.Join(dir, "evidence.zip")
	sheetOut, otherOut := filepath.Join(dir, "sheet-id"), filepath.Join(dir, "other-id")

	runBrowserScript(t, "flows.mjs", a.url, "PHOTO="+photo, "OFFLINE_PHOTO="+offline,
		"BUNDLE_OUT="+bundle, "SHEET_OUT="+sheetOut, "OTHER_OUT="+otherOut, "SCREENSHOTS="+shots)

	id, err := os.ReadFile(sheetOut)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := review.VerifyBundle(bytes.NewReader(data), int64(len(data)))
	if err != nil || rep.SheetID != string(id) {
		t.Fatalf("downloaded bundle: %+v, %v", rep, err)
	}
	d, err := a.svc.Decisions(t.Context(), review.User{Role: review.Admin}, string(id))
	if err != nil || d.ReviewState != review.ReviewResolved {
		t.Fatalf("after the lawyer's keys: %+v, %v", d, err)
	}
	list, err := a.svc.Sheets(t.Context(), review.User{Role: review.Admin}, review.SheetQuery{})
	if err != nil || len(list) != 2 {
		t.Fatalf("sheets after capture and offline capture: %d, %v", len(list), err)
	}
	v, err := a.svc.Sheet(t.Context(), review.User{Role: review.Admin}, string(id))
	if err != nil || !v.LegalHold {
		t.Fatalf("legal hold from the page: %v", err)
	}
	other, err := os.ReadFile(otherOut)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = a.svc.Sheet(t.Context(), review.User{Role: review.Admin}, string(other)); err != nil ||
		v.Box.SandikNo == "1631" || v.HeaderDiffers != nil || v.History[len(v.History)-1].Action != review.ActionBoxChange {
		t.Fatalf("the offline photo after its box change: box %+v, header differs %q, %v", v.Box, v.HeaderDiffers, err)
	}
}

// TestCaptureBrowser runs tests/browser/capture.mjs in Debian's Chromium
// against the real server: the capture page keeps a photo in IndexedDB
// through a stalled upload (400 bad_body), a proxy's HTML 502 and an
// expired session (401) and sends it once logged in again; it removes a
// file that is no photo and says why; it holds, without sending it again,
// a photo of a box the observer may not file, which only its own observer
// may then remove from the phone; it removes a photo the
// server already holds from another account and shows the server's word;
// and it shows a verdict through lost verdict requests, or why none can be
// shown (the session gone); a double tap, or two tabs, send a photo once;
// a photo the phone has no room to keep is neither sent nor said to be, and
// goes once there is room. The server ends with the seven photos it
// acknowledged.
func TestCaptureBrowser(t *testing.T) {
	a := setupWith(t, stacks()[0], web.Config{}, decodingReader{})
	a.user(t, "gözlemci", review.Observer, "", "gözlemci parola")
	a.user(t, "gözlemci-ankara", review.Observer, "Ankara", "ankara parola")
	dir := t.TempDir()
	env := []string{}
	for i, name := range []string{"PHOTO_A", "PHOTO_B", "PHOTO_C", "PHOTO_D", "PHOTO_E", "PHOTO_F", "PHOTO_G", "PHOTO_H"} {
		p := filepath.Join(dir, strings.ToLower(name)+".png")
		if err := os.WriteFile(p, photoPNG(t, i+1), 0o600); err != nil {
			t.Fatal(err)
		}
		env = append(env, name+"="+p)
	}
	notPhoto := filepath.Join(dir, "not-a-photo.jpg")
	if err := os.WriteFile(notPhoto, []byte("bu bir fotoğraf değil / this is not a photo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, "capture.mjs", a.url, append(env, "NOT_PHOTO="+notPhoto)...)

	list, err := a.svc.Sheets(t.Context(), review.User{Role: review.Admin}, review.SheetQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var boxes []string
	for _, s := range list {
		boxes = append(boxes, s.Box.Il+"/"+s.Box.SandikNo)
	}
	slices.Sort(boxes)
	if want := []string{"ANKARA/6", "İZMİR/1631", "İZMİR/1632", "İZMİR/1633", "İZMİR/1635", "İZMİR/1636", "İZMİR/1637"}; !slices.Equal(boxes, want) {
		t.Fatalf("sheets after the capture page's session: %q, want %q", boxes, want)
	}
}

// runBrowserScript runs tests/browser/script under Node (playwright-core
// driving Debian's Chromium) against the server at baseURL, with env added
// to its environment. It fails, never skips, without Chromium, Node or the
// npm packages (`make test` installs them through scripts/deps.sh).
func runBrowserScript(t *testing.T, script, baseURL string, env ...string) {
	t.Helper()
	for _, need := range []string{"/usr/bin/chromium", "../tests/browser/node_modules/playwright-core/package.json"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s: %v (run scripts/deps.sh test)", need, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v (run scripts/deps.sh test)", err)
	}
	cmd := exec.Command(node, script)
	cmd.Dir = "../tests/browser"
	// localhost, not 127.0.0.1: the capture page's service worker needs a
	// secure context, which Chromium grants localhost.
	cmd.Env = append(append(os.Environ(), "BASE_URL="+strings.Replace(baseURL, "127.0.0.1", "localhost", 1)), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s in the browser: %v", script, err)
	}
}

// realReader is the reader tutanak serves with: Tesseract for the printed
// header and the trained digit model for the handwriting.
func realReader(t *testing.T) review.SheetReader {
	t.Helper()
	tess, err := ocr.NewTesseract(ocr.TesseractConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tess.Close)
	m, err := digits.Load()
	if err != nil {
		t.Fatal(err)
	}
	return ocr.NewReader(ocr.Config{KeepPage: true}, tess, digits.NewReader(m), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// phonePhotos are photographed sheets made by the project's generator, with
// MNIST test-split handwriting.
func phonePhotos(t *testing.T, n int) [][]byte {
	t.Helper()
	return photosOfSize(t, n, [2]int{1536, 2048}, 1631)
}

// photosOfSize are n generated phone photos of size width×height, the same
// for the same seed.
func photosOfSize(t testing.TB, n int, size [2]int, seed int64) [][]byte {
	t.Helper()
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	cfg := synth.DefaultConfig()
	cfg.Seed, cfg.ScanShare, cfg.HardShare = seed, 0, 0
	cfg.Sizes = [][2]int{size}
	g := ocrtest.Generator(t, form, cfg)
	var out [][]byte
	for i := 0; i < n; i++ {
		data, _, err := g.Sheet(i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}
