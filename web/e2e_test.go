package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/web"
)

// TestEndToEnd runs the service on SQLite + disk and on PostgreSQL + MinIO:
// upload photos with typed figures, see verdicts, re-upload, fetch the
// original, try to delete it, check and break the custody chain.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	for _, st := range stacks() {
		t.Run(st.name, func(t *testing.T) {
			a := setup(t, st, web.Config{})
			observer := a.token(t, "gözlemci", review.Observer, "")
			other := a.token(t, "başka-gözlemci", review.Observer, "")
			lawyerIzmir := a.token(t, "avukat-izmir", review.Lawyer, "İzmir")
			lawyerAnkara := a.token(t, "avukat-ankara", review.Lawyer, "Ankara")
			entry := a.token(t, "veri-girişi", review.Entry, "")

			for _, resp := range []*http.Response{
				a.call(t, "", http.MethodGet, "/healthz", nil, "", nil),
				a.call(t, "", http.MethodGet, "/readyz", nil, "", nil),
			} {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d", resp.Request.URL.Path, resp.StatusCode)
				}
			}

			for _, s := range samples(t, 3) {
				t.Run(s.name, func(t *testing.T) {
					typed, _ := json.Marshal(map[string]any{"counts": s.typed})
					parts := []part{
						{name: "form", data: []byte("cb-2023")},
						{name: "il", data: []byte("İzmir")},
						{name: "ilce", data: []byte("Gaziemir")},
						{name: "sandik_no", data: []byte(strings.TrimSuffix(s.name, ".jpg"))},
						{name: "typed", data: typed},
						{name: "image", filename: s.name, data: s.data},
					}
					var up struct{ ID, SHA256, Status string }
					resp := a.upload(t, observer, parts, &up)
					sum := sha256.Sum256(s.data)
					if resp.StatusCode != http.StatusCreated || up.Status != "queued" || up.SHA256 != hex.EncodeToString(sum[:]) {
						t.Fatalf("upload: %d %+v", resp.StatusCode, up)
					}
					got := a.waitVerdict(t, observer, up.ID)
					for id, n := range s.typed {
						if f := got.Fields[id]; f.Typed == nil || *f.Typed != n {
							t.Errorf("field %s typed = %v, want %d", id, f.Typed, n)
						}
					}

					var again struct{ ID string }
					if resp := a.upload(t, observer, parts, &again); resp.StatusCode != http.StatusOK || again.ID != up.ID {
						t.Fatalf("re-upload: %d, id %s, want 200 and %s", resp.StatusCode, again.ID, up.ID)
					}

					var original []byte
					resp = a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/original", nil, "", &original)
					if resp.StatusCode != http.StatusOK || string(original) != string(s.data) {
						t.Fatalf("original: %d, %d bytes", resp.StatusCode, len(original))
					}
					if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; resp.Header.Get("Repr-Digest") != want {
						t.Errorf("Repr-Digest %q, want %q", resp.Header.Get("Repr-Digest"), want)
					}

					var thumb []byte
					resp = a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/images/thumbnail", nil, "", &thumb)
					if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
						t.Errorf("thumbnail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
					} else if cfg, err := png.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width > 400 {
						t.Errorf("thumbnail: %+v, %v", cfg, err)
					}
					if resp := a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID+"/images/../../x", nil, "", nil); resp.StatusCode != http.StatusNotFound {
						t.Errorf("image outside the sheet: %d", resp.StatusCode)
					}

					for name, tok := range map[string]string{"other observer": other, "lawyer of Ankara": lawyerAnkara} {
						var e errJSON
						if resp := a.call(t, tok, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &e); resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
							t.Errorf("%s: %d %+v", name, resp.StatusCode, e)
						}
					}
					if resp := a.call(t, lawyerIzmir, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &sheetJSON{}); resp.StatusCode != http.StatusOK {
						t.Errorf("lawyer of İzmir: %d", resp.StatusCode)
					}

					if err := a.store.RemoveOriginal(ctx, up.SHA256); !errors.Is(err, storage.ErrLocked) {
						t.Errorf("remove locked original: %v, want ErrLocked", err)
					}
				})
			}

			t.Run("TypedByBoxBeforeAndAfter", func(t *testing.T) {
				s := drawnSample(t)
				box := `"form":"cb-2023","il":"İzmir","ilce":"Karşıyaka","sandik_no":"7"`
				var res struct{ Sheets []string }
				resp := a.call(t, entry, http.MethodPut, "/api/v1/typed", strings.NewReader(`{`+box+`,"counts":{"aday_1":5}}`), "application/json", &res)
				if resp.StatusCode != http.StatusOK || len(res.Sheets) != 0 {
					t.Fatalf("typed before photo: %d %+v", resp.StatusCode, res)
				}
				s.data = append(s.data[:len(s.data):len(s.data)], 0) // different bytes, same picture
				var up struct{ ID string }
				a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("izmir")},
					{name: "ilce", data: []byte("KARŞIYAKA")}, {name: "sandik_no", data: []byte("7")},
					{name: "image", filename: "x.png", data: s.data}}, &up)
				got := a.waitVerdict(t, observer, up.ID)
				if f := got.Fields["aday_1"]; f.Typed == nil || *f.Typed != 5 {
					t.Fatalf("typed from box: %+v", f)
				}
				resp = a.call(t, entry, http.MethodPut, "/api/v1/typed", strings.NewReader(`{`+box+`,"counts":{"aday_1":6}}`), "application/json", &res)
				if resp.StatusCode != http.StatusOK || len(res.Sheets) != 1 || res.Sheets[0] != up.ID {
					t.Fatalf("typed after photo: %d %+v", resp.StatusCode, res)
				}
				var after sheetJSON
				a.call(t, observer, http.MethodGet, "/api/v1/sheets/"+up.ID, nil, "", &after)
				if f := after.Fields["aday_1"]; f.Typed == nil || *f.Typed != 6 {
					t.Fatalf("recomputed: %+v", f)
				}
				resp = a.call(t, observer, http.MethodPut, "/api/v1/sheets/"+up.ID+"/typed", strings.NewReader(`{"counts":{"aday_1":7}}`), "application/json", &after)
				if f := after.Fields["aday_1"]; resp.StatusCode != http.StatusOK || f.Typed == nil || *f.Typed != 7 {
					t.Fatalf("sheet typed: %d %+v", resp.StatusCode, f)
				}
			})

			t.Run("Metrics", func(t *testing.T) {
				var body []byte
				a.call(t, "", http.MethodGet, "/metrics", nil, "", &body)
				if !strings.Contains(string(body), `tutanak_uploads_total{outcome="created"}`) {
					t.Fatalf("metrics lack uploads:\n%s", body)
				}
			})

			t.Run("CustodyVerify", func(t *testing.T) {
				rep, err := a.svc.VerifyCustody(ctx)
				if err != nil || !rep.OK() || rep.Entries == 0 {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
				tamper(t, a.db)
				rep, err = a.svc.VerifyCustody(ctx)
				if err != nil || rep.OK() {
					t.Fatalf("custody after tampering: %+v, %v", rep, err)
				}
			})
		})
	}
}

// tamper rewrites a custody entry the way someone with database access
// could, going around the append-only triggers.
func tamper(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{`DROP TRIGGER custody_no_update`}
	if db.Dialect() == storage.Postgres {
		stmts = []string{`ALTER TABLE custody DISABLE TRIGGER custody_no_change`}
	}
	stmts = append(stmts, `UPDATE custody SET detail = '{}' WHERE seq = 2`)
	err := db.InTx(ctx, func(tx *storage.Tx) error {
		for _, s := range stmts {
			if err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
