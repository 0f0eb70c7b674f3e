package web_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestDashboardBrowser runs tests/browser/dashboard.mjs in Debian's
// Chromium: a legal user's results page shows a verdict that lands after
// it was opened, without a reload. Like TestBrowser it fails, never skips,
// without Chromium or the npm packages.
func TestDashboardBrowser(t *testing.T) {
	for _, need := range []string{"/usr/bin/chromium", "../tests/browser/node_modules/playwright-core/package.json"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s: %v (run scripts/deps.sh test)", need, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v (run scripts/deps.sh test)", err)
	}
	right := correctFigures()
	a := setupWith(t, stacks()[0], web.Config{}, figuresReader{values: right})
	a.user(t, "hukuk", review.Legal, "", "hukuk parola")
	observer := a.token(t, "gözlemci", review.Observer, "")
	photo := filepath.Join(t.TempDir(), "tutanak.png")
	if err := os.WriteFile(photo, photoPNG(t, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	typed, err := json.Marshal(right)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "dashboard.mjs")
	cmd.Dir = "../tests/browser"
	cmd.Env = append(os.Environ(), "BASE_URL="+strings.Replace(a.url, "127.0.0.1", "localhost", 1), "NAME=hukuk",
		"PASSWORD=hukuk parola", "TOKEN="+observer, "PHOTO="+photo, "TYPED="+string(typed))
	out, err := cmd.CombinedOutput()
	t.Logf("dashboard.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("dashboard in the browser: %v", err)
	}
}
