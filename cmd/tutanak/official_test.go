package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/storage"
)

// TestOfficialImport runs `official import` on SQLite: a final file, a
// re-import that replaces a box and keeps the first import as history, a
// partial file, and refusals.
func TestOfficialImport(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	header := "il,ilce,sandik_no,aday_1,aday_2\n"
	steps := []struct {
		name string
		args []string
		code int
		out  string
		warn string
	}{
		{"first import", []string{write("ysk-1.csv", header+"İzmir,Gaziemir,1,100,4\nİzmir,Gaziemir,2,50,5\n")}, 0, "imported 2 boxes of cb-2023 as import 1 (final", ""},
		{"re-import", []string{write("ysk-2.csv", header+"İzmir,Gaziemir,1,104,4\n")}, 0, "imported 1 boxes of cb-2023 as import 2 (final", ""},
		{"partial", []string{"--partial", write("ysk-3.csv", header+"İzmir,Buca,3,1,1\n")}, 0, "as import 3 (partial", ""},
		// Stored, and said: only sheets filed under the same misspelling
		// would be compared with it.
		{"a place not in the list", []string{write("ysk-4.csv", header+"İzmir,Gaziemr,4,1,1\nIzmir,Buca,5,1,1\n")}, 0, "as import 4 (final",
			"warning: 1 boxes name a province or district that is not in tutanak's list; only sheets filed under the same names are compared with them: İZMİR/GAZİEMR/4\n"},
		{"bad header", []string{write("bad.csv", "il,sandik_no\n")}, 1, "", ""},
		{"no file", nil, 1, "", ""},
	}
	for _, st := range steps {
		var out, errb bytes.Buffer
		args := append([]string{"official", "import", "--data", data}, st.args...)
		if code := run(ctx, args, &out, &errb); code != st.code || !strings.Contains(out.String(), st.out) ||
			(st.warn != "") != strings.Contains(errb.String(), "warning:") || !strings.Contains(errb.String(), st.warn) {
			t.Fatalf("%s: exit %d, out %q, err %q; want %d, %q", st.name, code, out.String(), errb.String(), st.code, st.out)
		}
	}
	db, err := storage.OpenSQLite(ctx, filepath.Join(data, "tutanak.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx *storage.Tx) error {
		imports, err := tx.OfficialImports(ctx, "cb-2023", "")
		if err != nil {
			return err
		}
		if len(imports) != 4 || imports[0].Source != "ysk-1.csv" || !imports[2].Partial {
			t.Errorf("history: %+v", imports)
		}
		rows, err := tx.CurrentOfficial(ctx, "cb-2023", "")
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, r := range rows {
			counts, err := json.Marshal(r.Figures)
			if err != nil {
				return err
			}
			got[r.Ilce+"/"+r.SandikNo] = string(counts)
		}
		want := map[string]string{"BUCA/3": `{"aday_1":1,"aday_2":1}`, "GAZİEMİR/1": `{"aday_1":104,"aday_2":4}`,
			"GAZİEMİR/2": `{"aday_1":50,"aday_2":5}`, "GAZİEMR/4": `{"aday_1":1,"aday_2":1}`, "BUCA/5": `{"aday_1":1,"aday_2":1}`}
		if len(got) != len(want) {
			t.Errorf("current official: %v", got)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("current official %s = %s, want %s", k, got[k], v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
