package review_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
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

			// Bytes the zip reader skips but other programs show: the
			// bundle must be its zip and nothing else.
			t.Run("OnlyTheZip", func(t *testing.T) {
				photo := jpegBytes(t)
				cases := []struct {
					name string
					data []byte
					ok   bool
				}{
					{"untouched", bundle.Data, true},
					{"photo prepended (cat photo.jpg bundle.zip)", append(append([]byte(nil), photo...), bundle.Data...), false},
					{"photo prepended, offsets shifted to match", rezipAfter(t, photo, names, files), false},
					{"bytes appended", append(append([]byte(nil), bundle.Data...), "trailing data"...), false},
					{"zip comment", withZipComment(t, bundle.Data, "başka bir fotoğraf / another photo"), false},
					{"a file no directory lists", unlisted(t, names, files, "original.png"), false},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						// The zip reader alone takes every one of them.
						if _, err := zip.NewReader(bytes.NewReader(c.data), int64(len(c.data))); err != nil {
							t.Fatalf("zip reader: %v", err)
						}
						rep, err := verify(c.data)
						switch {
						case c.ok && err != nil:
							t.Fatalf("the bundle as exported fails: %v (%v)", err, rep.Problems)
						case !c.ok && (!errors.Is(err, review.ErrBadBundle) || len(rep.Problems) == 0):
							t.Fatalf("verifies: %v, %+v", err, rep)
						}
					})
				}
			})
		})
	}
}

// jpegBytes is a small photo an image viewer shows.
func jpegBytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rezipAfter writes files as a zip after prefix, its offsets counted from
// the start of the whole, as a self-extracting archive is made.
func rezipAfter(t testing.TB, prefix []byte, names []string, files map[string][]byte) []byte {
	t.Helper()
	buf := bytes.NewBuffer(append([]byte(nil), prefix...))
	zw := zip.NewWriter(buf)
	zw.SetOffset(int64(len(prefix)))
	writeFiles(t, zw, names, files)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withZipComment gives a zip that has none a comment.
func withZipComment(t testing.TB, data []byte, comment string) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	end := len(out) - 22
	if string(out[end:end+4]) != "PK\x05\x06" || binary.LittleEndian.Uint16(out[end+20:]) != 0 {
		t.Fatal("the zip does not end with a comment-less end record")
	}
	binary.LittleEndian.PutUint16(out[end+20:], uint16(len(comment)))
	return append(out, comment...)
}

// unlisted zips files, then another copy of name, then drops that copy from
// the central directory: the zip reader does not see it, a streaming
// unzipper does, and writes it over the listed one.
func unlisted(t testing.TB, names []string, files map[string][]byte, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	writeFiles(t, zw, names, files)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(jpegBytes(t)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	end := len(data) - 22
	le := binary.LittleEndian
	dirAt, dirSize := int(le.Uint32(data[end+16:])), int(le.Uint32(data[end+12:]))
	// The copy's directory record is the last one.
	last := dirAt
	for p := dirAt; p < dirAt+dirSize; p += 46 + int(le.Uint16(data[p+28:])) + int(le.Uint16(data[p+30:])) + int(le.Uint16(data[p+32:])) {
		last = p
	}
	if got := string(data[last+46 : last+46+int(le.Uint16(data[last+28:]))]); got != name {
		t.Fatalf("last directory record is %q, want %q", got, name)
	}
	out := append(append([]byte(nil), data[:last]...), data[end:]...)
	e := out[len(out)-22:]
	le.PutUint16(e[8:], le.Uint16(e[8:])-1)
	le.PutUint16(e[10:], le.Uint16(e[10:])-1)
	le.PutUint32(e[12:], uint32(last-dirAt))
	return out
}

// TestEvidenceBoxTypedCustody checks that the bundle of a sheet whose
// figures were typed for its box (the entry page types by box) holds the
// custody entry that recorded them: who typed typed.json and when, its
// SHA-256 the entry's subject, as for figures typed for the sheet itself.
func TestEvidenceBoxTypedCustody(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, photoFirst := range []bool{true, false} {
				t.Run(map[bool]string{true: "typed after the photo", false: "typed before the photo"}[photoFirst], func(t *testing.T) {
					e := setup(t, b, 0)
					obs := e.user(t, "gözlemci", review.Observer, "")
					entry := e.user(t, "veri", review.Entry, "İzmir")
					lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
					var sh review.SheetView
					if photoFirst {
						sh = e.sheetOf(t, obs, "Gaziemir", "7", truth(), nil)
					}
					typed := withFigures(truth(), "aday_2", 40)
					// The same figures typed for another box are that box's.
					for _, box := range []string{"8", "7"} {
						if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
							Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: box}, Counts: typed}); err != nil {
							t.Fatal(err)
						}
					}
					if !photoFirst {
						// Typed before the photo came: recorded under no sheet.
						sh = e.sheetOf(t, obs, "Gaziemir", "7", truth(), nil)
					}
					if v, err := e.svc.Sheet(ctx, lawyer, sh.ID); err != nil || v.Status != "flagged" {
						t.Fatalf("sheet after typing by box: %s, %v", v.Status, err)
					}
					bundle, err := e.svc.Evidence(ctx, lawyer, sh.ID)
					if err != nil {
						t.Fatal(err)
					}
					rep, err := verify(bundle.Data)
					if err != nil {
						t.Fatalf("bundle: %v %v", err, rep.Problems)
					}
					if c, err := e.svc.VerifyCustody(ctx, rep.Anchors...); err != nil || !c.OK() {
						t.Fatalf("the chain does not hold the bundle's entries: %+v, %v", c, err)
					}
					_, files := unzip(t, bundle.Data)
					sum := sha256.Sum256(files["typed.json"])
					var chain []review.BundleEntry
					if err := json.Unmarshal(files["custody.json"], &chain); err != nil {
						t.Fatal(err)
					}
					var recorded []review.BundleEntry
					for _, c := range chain {
						if c.Action == review.ActionTypedEntry && c.SubjectHash == hex.EncodeToString(sum[:]) {
							recorded = append(recorded, c)
						}
					}
					if len(recorded) != 1 || !strings.Contains(recorded[0].Actor, "veri") || !strings.Contains(recorded[0].Detail, `"sandik_no":"7"`) {
						t.Fatalf("custody entries recording typed.json %s: %+v\ncustody.json: %s", files["typed.json"], recorded, files["custody.json"])
					}
					if ownEntry := recorded[0].SheetID == sh.ID; ownEntry != photoFirst {
						t.Errorf("the typed entry's sheet is %q; typed after the photo, want the sheet's own entry, before it the box's", recorded[0].SheetID)
					}
					if text := pdfToText(t, files["summary.pdf"]); !strings.Contains(text, recorded[0].Hash) {
						t.Errorf("the summary lacks the typed entry's hash %s:\n%s", recorded[0].Hash, text)
					}
				})
			}
		})
	}
}
