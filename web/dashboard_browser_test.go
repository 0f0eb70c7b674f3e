package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestDashboardBrowser runs tests/browser/dashboard.mjs in Debian's
// Chromium: a legal user's results page shows a verdict that lands after
// it was opened, without a reload. Like TestBrowser it fails, never skips,
// without Chromium or the npm packages.
func TestDashboardBrowser(t *testing.T) {
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
	runBrowserScript(t, "dashboard.mjs", a.url, "NAME=hukuk", "PASSWORD=hukuk parola", "TOKEN="+observer,
		"PHOTO="+photo, "TYPED="+string(typed))
}
