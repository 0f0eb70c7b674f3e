package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestDecisions drives the lawyers' API on both stacks: a flagged sheet in
// the queue, decisions and their refusals, then the evidence bundle.
func TestDecisions(t *testing.T) {
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			a := setup(t, st, web.Config{})
			observer := a.token(t, "gözlemci", review.Observer, "")
			izmir := a.token(t, "avukat-izmir", review.Lawyer, "İzmir")
			ankara := a.token(t, "avukat-ankara", review.Lawyer, "Ankara")

			s := drawnSample(t)
			typed, _ := json.Marshal(map[string]any{"counts": s.typed})
			var up struct{ ID string }
			resp := a.upload(t, observer, []part{
				{name: "form", data: []byte("cb-2023")},
				{name: "il", data: []byte("İzmir")},
				{name: "ilce", data: []byte("Gaziemir")},
				{name: "sandik_no", data: []byte("1631")},
				{name: "typed", data: typed},
				{name: "image", filename: s.name, data: s.data},
			}, &up)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload: %d", resp.StatusCode)
			}
			// The stand-in reader reads no figure: every typed one is flagged.
			if v := a.waitVerdict(t, observer, up.ID); v.Status != "flagged" {
				t.Fatalf("verdict %s, want flagged", v.Status)
			}

			var queue struct{ Sheets []review.SheetView }
			if resp := a.call(t, izmir, http.MethodGet, "/api/v1/review-queue", nil, "", &queue); resp.StatusCode != http.StatusOK ||
				len(queue.Sheets) != 1 || queue.Sheets[0].ID != up.ID || queue.Sheets[0].ReviewState != "open" {
				t.Fatalf("İzmir queue: %d %+v", resp.StatusCode, queue)
			}
			queue.Sheets = nil
			if resp := a.call(t, ankara, http.MethodGet, "/api/v1/review-queue", nil, "", &queue); resp.StatusCode != http.StatusOK || len(queue.Sheets) != 0 {
				t.Fatalf("Ankara queue: %d %+v", resp.StatusCode, queue)
			}

			path := "/api/v1/sheets/" + up.ID + "/decisions"
			cases := []struct {
				name   string
				token  string
				body   string
				status int
				code   string
			}{
				{"observer", observer, `{"field":"aday_1","kind":"confirm_typed"}`, http.StatusForbidden, "forbidden"},
				{"lawyer of another province", ankara, `{"field":"aday_1","kind":"confirm_typed"}`, http.StatusNotFound, "not_found"},
				{"no token", "", `{"field":"aday_1","kind":"confirm_typed"}`, http.StatusUnauthorized, "unauthenticated"},
				{"bad json", izmir, `{"field":`, http.StatusBadRequest, "bad_json"},
				{"unknown kind", izmir, `{"field":"aday_1","kind":"maybe"}`, http.StatusBadRequest, "bad_kind"},
				{"nothing read to accept", izmir, `{"field":"aday_1","kind":"accept_read"}`, http.StatusBadRequest, "no_read"},
				{"correction without note", izmir, `{"field":"aday_1","kind":"correct","value":80}`, http.StatusBadRequest, "no_note"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var e errJSON
					resp := a.call(t, c.token, http.MethodPost, path, strings.NewReader(c.body), "application/json", &e)
					if resp.StatusCode != c.status || e.Error.Code != c.code || e.Error.Message == "" || e.Error.MessageEN == "" {
						t.Fatalf("%d %+v, want %d %s", resp.StatusCode, e, c.status, c.code)
					}
				})
			}
			var notFound errJSON
			if resp := a.call(t, ankara, http.MethodGet, path, nil, "", &notFound); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("Ankara reads İzmir's decisions: %d", resp.StatusCode)
			}

			var d review.Decisions
			a.call(t, izmir, http.MethodGet, path, nil, "", &d)
			if d.ReviewState != "open" || len(d.Undecided) == 0 {
				t.Fatalf("before deciding: %+v", d)
			}
			for i, field := range d.Undecided {
				body := `{"field":"` + field + `","kind":"confirm_typed","note":"ıslak imzalı nüshayla aynı"}`
				if _, typed := s.typed[field]; !typed {
					// Neither typed nor read: only the lawyer's own reading can count.
					body = `{"field":"` + field + `","kind":"correct","value":0,"note":"fotoğrafta 0"}`
				}
				if i == 0 {
					body = `{"field":"` + field + `","kind":"correct","value":85,"note":"fotoğrafta 85"}`
				}
				var after review.Decisions
				if resp := a.call(t, izmir, http.MethodPost, path, strings.NewReader(body), "application/json", &after); resp.StatusCode != http.StatusCreated {
					t.Fatalf("decide %s: %d", field, resp.StatusCode)
				}
				d = after
			}
			if d.ReviewState != "resolved" || d.Accepted[d.Decisions[0].Field] != 85 || len(d.Decisions) != len(d.Flagged) {
				t.Fatalf("after deciding: %+v", d)
			}
			queue.Sheets = nil
			if a.call(t, izmir, http.MethodGet, "/api/v1/review-queue", nil, "", &queue); len(queue.Sheets) != 0 {
				t.Fatalf("queue after resolution: %+v", queue)
			}
			sheet := a.waitVerdict(t, izmir, up.ID)
			n := 0
			for _, h := range sheet.History {
				if h.Action == review.ActionDecision {
					n++
				}
			}
			if sheet.Status != "flagged" || n != len(d.Decisions) {
				t.Fatalf("sheet %s with %d decision entries, want flagged and %d", sheet.Status, n, len(d.Decisions))
			}

			// The evidence bundle: refused outside the scope, verified inside.
			zipPath := "/api/v1/sheets/" + up.ID + "/evidence.zip"
			for _, c := range []struct {
				name   string
				token  string
				status int
			}{{"observer", observer, http.StatusForbidden}, {"lawyer of another province", ankara, http.StatusNotFound}} {
				if resp := a.call(t, c.token, http.MethodGet, zipPath, nil, "", nil); resp.StatusCode != c.status {
					t.Errorf("evidence for the %s: %d, want %d", c.name, resp.StatusCode, c.status)
				}
			}
			var bundle []byte
			resp = a.call(t, izmir, http.MethodGet, zipPath, nil, "", &bundle)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), up.ID) {
				t.Fatalf("evidence: %d %v", resp.StatusCode, resp.Header)
			}
			rep, err := review.VerifyBundle(bytes.NewReader(bundle), int64(len(bundle)))
			if err != nil || rep.SheetID != up.ID {
				t.Fatalf("downloaded bundle: %+v, %v", rep, err)
			}
			// Signed with the key the service publishes to anyone.
			var key review.PublicKey
			if resp := a.call(t, "", http.MethodGet, "/api/v1/signing-key", nil, "", &key); resp.StatusCode != http.StatusOK ||
				key.Algorithm != "ed25519" || key.KeyID == "" || rep.SignedBy != key.KeyID {
				t.Fatalf("signing key %d %+v; the bundle is signed by %q", resp.StatusCode, key, rep.SignedBy)
			}
			zr, _ := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
			hasPage := false
			for _, f := range zr.File {
				hasPage = hasPage || f.Name == "images/page.png"
			}
			if !hasPage {
				t.Errorf("bundle has no rectified page")
			}
			if last := a.waitVerdict(t, izmir, up.ID).History; last[len(last)-1].Action != review.ActionExport {
				t.Errorf("export not in the custody log: %+v", last[len(last)-1])
			}
		})
	}
}
