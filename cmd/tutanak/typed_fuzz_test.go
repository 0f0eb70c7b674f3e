package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
)

// FuzzReadTyped feeds arbitrary files to `tutanak check --typed`. It must
// never panic, and figures it accepts are non-negative, for the form's
// fields only, and what the JSON's "counts" says.
func FuzzReadTyped(f *testing.F) {
	for _, s := range []string{`{"counts":{"aday_1":84,"aday_2":4}}`, `{"counts":{}}`, `{}`, `{"counts":null}`,
		`{"counts":{"aday_1":-1}}`, `{"counts":{"aday_9":1}}`, `{"counts":{"aday_1":1.5}}`, `{"counts":{"aday_1":"7"}}`,
		`{"counts":{"aday_1":1,"aday_1":2}}`, `{"Counts":{"gecerli_oy":9223372036854775807}}`, `{"counts":{"aday_1":null}}`, `[`, ``} {
		f.Add([]byte(s))
	}
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "typed.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		typed, err := readTyped(path, form)
		if err != nil {
			return
		}
		// A plain decoding, to compare with: what the file says.
		var want struct {
			Counts map[string]int `json:"counts"`
		}
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("accepted what does not decode: %v", err)
		}
		if len(typed) != len(want.Counts) {
			t.Fatalf("accepted %v, the file says %v", typed, want.Counts)
		}
		for id, v := range typed {
			if _, ok := form.Field(id); !ok || v < 0 || v > review.MaxCount || want.Counts[id] != v {
				t.Fatalf("accepted %s = %d", id, v)
			}
		}
	})
}
