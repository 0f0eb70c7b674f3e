package web_test

import (
	"encoding/json"
	"maps"
	"strconv"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/web"
)

// TestEntryBrowser runs tests/browser/entry.mjs in Debian's Chromium: an IT
// person types a box's figures with Enter after each, saves through a lost
// network and a proxy's error page, corrects a figure while the first save
// is on its way, and sends the box again with no figure. The box ends with
// the figures last on the screen when the page said ✓. Like TestBrowser it
// fails, never skips, without Chromium or the npm packages.
func TestEntryBrowser(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	a.user(t, "veri", review.Entry, "İzmir", "veri parola")
	right := correctFigures()
	// The figures in the form's order, as the page lists its fields.
	form, err := a.svc.Form("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	ordered := []byte{'{'}
	for i, id := range form.FieldIDs() {
		if i > 0 {
			ordered = append(ordered, ',')
		}
		ordered = strconv.AppendQuote(ordered, id)
		ordered = append(ordered, ':')
		ordered = strconv.AppendInt(ordered, int64(right[id]), 10)
	}
	ordered = append(ordered, '}')
	runBrowserScript(t, "entry.mjs", a.url, "NAME=veri", "PASSWORD=veri parola", "FIGURES="+string(ordered),
		"LAST="+strconv.Itoa(right["aday_4"]))

	var got map[string]int
	if err := a.db.View(t.Context(), func(tx *storage.Tx) error {
		b, err := tx.BoxTypedFor(t.Context(), "cb-2023", "İZMİR", "GAZİEMİR", "1")
		if err != nil {
			return err
		}
		return json.Unmarshal(b.Counts, &got)
	}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, right) {
		t.Fatalf("the box's typed figures: %v, want %v (the screen's when the page said ✓)", got, right)
	}
}
