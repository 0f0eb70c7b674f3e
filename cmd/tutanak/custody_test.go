package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// custody verify checks a database; given a --data with none (a typo, the
// wrong machine) it must fail, not create an empty one and call it intact.
func TestCustodyVerifyNeedsDatabase(t *testing.T) {
	data := filepath.Join(t.TempDir(), "dta")
	var out, errs strings.Builder
	code := run(context.Background(), []string{"custody", "verify", "--data", data}, &out, &errs)
	if code == 0 || strings.Contains(out.String(), "intact") {
		t.Errorf("custody verify of %s: exit %d\n%s", data, code, out.String())
	}
	if !strings.Contains(errs.String(), filepath.Join(data, "tutanak.db")) {
		t.Errorf("stderr does not name the missing database:\n%s", errs.String())
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("custody verify created %s", data)
	}
}
