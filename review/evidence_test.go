package review_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// unzip returns a bundle's files in order.
func unzip(t testing.TB, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = b
	}
	return names, files
}

// writeFiles adds files to zw in the order of names.
func writeFiles(t testing.TB, zw *zip.Writer, names []string, files map[string][]byte) {
	t.Helper()
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
}

// rezip writes files back as a valid zip, as someone editing a bundle would.
func rezip(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	writeFiles(t, zw, names, files)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verify(data []byte) (review.BundleReport, error) {
	return review.VerifyBundle(bytes.NewReader(data), int64(len(data)))
}

func TestEvidence(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat-izmir", review.Lawyer, "İzmir")
			ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
			photo := []byte("the photographed sheet, byte for byte")
			res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, photo), Form: "cb-2023",
				Typed: map[string]int{"aday_1": 84, "aday_2": 4}})
			if err != nil {
				t.Fatal(err)
			}
			waitVerdict(t, e.svc, obs, res.ID)
			if _, err := e.svc.Decide(ctx, lawyer, res.ID, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: "Şişli'deki ığdır notu"}); err != nil {
				t.Fatal(err)
			}

			for _, c := range []struct {
				name string
				u    review.User
				err  error
			}{{"observer", obs, review.ErrForbidden}, {"lawyer of another province", ankara, review.ErrNotFound}} {
				t.Run("Refused/"+c.name, func(t *testing.T) {
					if _, err := e.svc.Evidence(ctx, c.u, res.ID); !errors.Is(err, c.err) {
						t.Fatalf("err = %v, want %v", err, c.err)
					}
				})
			}

			bundle, err := e.svc.Evidence(ctx, lawyer, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := verify(bundle.Data)
			if err != nil || rep.SheetID != res.ID {
				t.Fatalf("fresh bundle: %+v, %v", rep, err)
			}
			names, files := unzip(t, bundle.Data)
			if !bytes.Equal(files["original.png"], photo) {
				t.Fatalf("original in the bundle is not the upload's bytes")
			}
			for _, want := range []string{"typed.json", "reading.json", "result.json", "decisions.json", "custody.json", "summary.pdf", "manifest.json", "export.json"} {
				if _, ok := files[want]; !ok {
					t.Errorf("bundle lacks %s (has %v)", want, names)
				}
			}
			var dec review.Decisions
			if err := json.Unmarshal(files["decisions.json"], &dec); err != nil || len(dec.Objections) != 1 {
				t.Errorf("decisions.json = %s", files["decisions.json"])
			}
			v, err := e.svc.Sheet(ctx, lawyer, res.ID)
			if err != nil || v.History[len(v.History)-1].Action != review.ActionExport {
				t.Fatalf("last custody entry is not the export: %+v, %v", v.History, err)
			}
			if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
				t.Fatalf("custody: %+v, %v", rep, err)
			}

			t.Run("PDFOpens", func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "summary.pdf")
				if err := os.WriteFile(path, files["summary.pdf"], 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
				if err != nil {
					t.Fatalf("pdftotext (poppler-utils; scripts/deps.sh test installs it): %v: %s", err, out)
				}
				text := string(out)
				for _, want := range []string{"KANIT PAKETİ", res.ID, res.SHA256, "İTİRAZ / OBJECTION", "Şişli'deki ığdır notu", "review_decision"} {
					if !strings.Contains(text, want) {
						t.Errorf("summary lacks %q:\n%s", want, text)
					}
				}
			})

			t.Run("AlteredByteFails", func(t *testing.T) {
				for _, name := range names {
					for _, at := range []string{"first", "middle", "last"} {
						t.Run(name+"/"+at, func(t *testing.T) {
							changed := map[string][]byte{}
							for k, v := range files {
								changed[k] = append([]byte(nil), v...)
							}
							b := changed[name]
							i := map[string]int{"first": 0, "middle": len(b) / 2, "last": len(b) - 1}[at]
							b[i] ^= 0x01
							if _, err := verify(rezip(t, names, changed)); !errors.Is(err, review.ErrBadBundle) {
								t.Fatalf("a bundle with one byte of %s changed verifies: %v", name, err)
							}
						})
					}
				}
				if _, err := verify(rezip(t, names, files)); err != nil {
					t.Fatalf("the unchanged files, rezipped, fail: %v", err)
				}
				extra := map[string][]byte{"note.txt": []byte("added later")}
				for k, v := range files {
					extra[k] = v
				}
				if _, err := verify(rezip(t, append(names, "note.txt"), extra)); !errors.Is(err, review.ErrBadBundle) {
					t.Fatalf("a bundle with an added file verifies: %v", err)
				}
				raw := append([]byte(nil), bundle.Data...)
				raw[len(raw)/2] ^= 0xff
				if _, err := verify(raw); !errors.Is(err, review.ErrBadBundle) {
					t.Fatalf("a bundle with a byte of the zip changed verifies: %v", err)
				}
			})
		})
	}
}
