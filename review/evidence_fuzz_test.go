package review_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// bundleSeed is a real evidence bundle, the fuzzers' reference: checked in so
// that the seeds and what they are compared with stay the same bytes.
const bundleSeed = "testdata/evidence-bundle.zip"

var updateBundleSeed = flag.Bool("update-bundle-seed", false, "rewrite "+bundleSeed+" from a fresh export")

// exportBundle exports a real bundle from a service on SQLite and disk.
func exportBundle(t *testing.T) []byte {
	t.Helper()
	return exportFrom(t, open(t, backends()[0], 0), "a photographed sheet", map[string]int{"aday_1": 84, "aday_2": 4})
}

// exportFrom uploads photo, with typed figures, to e's service as a new
// observer and exports its bundle as a new member of the legal team.
func exportFrom(t *testing.T, e env, photo string, typed map[string]int) []byte {
	t.Helper()
	ctx := context.Background()
	obs := e.user(t, "gözlemci", review.Observer, "")
	legal := e.user(t, "hukuk", review.Legal, "")
	res, err := e.svc.Upload(ctx, obs, review.Upload{Form: "cb-2023", Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "7"},
		Photo: e.photo(t, []byte(photo)), Typed: typed})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.Evidence(ctx, legal, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b.Data
}

// readBundleSeed returns the checked-in bundle, which must verify.
func readBundleSeed(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(bundleSeed)
	if err != nil {
		t.Fatalf("%v (go test ./review -run TestBundleSeed -update-bundle-seed writes it)", err)
	}
	if _, err := verify(data); err != nil {
		t.Fatalf("%s: %v", bundleSeed, err)
	}
	return data
}

// TestBundleSeed checks that the fuzzers' reference bundle has the files a
// fresh export has, so that it keeps up with the bundle format.
func TestBundleSeed(t *testing.T) {
	fresh := exportBundle(t)
	if *updateBundleSeed {
		if err := os.WriteFile(bundleSeed, fresh, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := unzip(t, fresh)
	got, _ := unzip(t, readBundleSeed(t))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s has %v, a fresh export %v: rerun with -update-bundle-seed", bundleSeed, got, want)
	}
}

// TestVerifyBundleRefusesZipBomb checks that files claiming more than a
// bundle can hold are refused by their declared sizes, before any is read.
func TestVerifyBundleRefusesZipBomb(t *testing.T) {
	names, files := unzip(t, readBundleSeed(t))
	tests := []struct {
		name  string
		sizes []uint64
	}{
		{"one huge file", []uint64{1 << 40}},
		{"many large files", []uint64{45 << 20, 45 << 20, 45 << 20, 45 << 20, 45 << 20}},
		{"size near overflow", []uint64{1<<64 - 1, 1<<64 - 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			writeFiles(t, zw, names, files)
			// A deflate stream of zeros, far shorter than the size it claims.
			var zeros bytes.Buffer
			fw, err := flate.NewWriter(&zeros, flate.BestCompression)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fw.Write(make([]byte, 1<<20)); err != nil {
				t.Fatal(err)
			}
			if err := fw.Close(); err != nil {
				t.Fatal(err)
			}
			for i, size := range tt.sizes {
				w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("bomb/%d", i), Method: zip.Deflate,
					CompressedSize64: uint64(zeros.Len()), UncompressedSize64: size})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write(zeros.Bytes()); err != nil {
					t.Fatal(err)
				}
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rep, err := verify(buf.Bytes())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, review.ErrBadBundle) || !strings.Contains(strings.Join(rep.Problems, "\n"), "more than a bundle holds") {
				t.Fatalf("VerifyBundle = %v, %v", rep.Problems, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Fatalf("refusing a %d-byte bomb allocated %d KB", buf.Len(), alloc>>10)
			}
		})
	}
}

// FuzzVerifyBundle feeds arbitrary bytes, seeded with a real bundle and its
// breakages, to VerifyBundle. It must never panic, must fail with
// ErrBadBundle whenever it reports problems, and may call a bundle intact
// only when every file in it is byte for byte the reference's.
func FuzzVerifyBundle(f *testing.F) {
	ref := readBundleSeed(f)
	refNames, refFiles := unzip(f, ref)
	f.Add(ref)
	f.Add(ref[:len(ref)-10])
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	zr, err := zip.NewReader(bytes.NewReader(ref), int64(len(ref)))
	if err != nil {
		f.Fatal(err)
	}
	for _, zf := range zr.File {
		off, err := zf.DataOffset()
		if err != nil {
			f.Fatal(err)
		}
		c := bytes.Clone(ref)
		c[off] ^= 0x20
		f.Add(c)
	}
	// The same files stored rather than deflated, so that the fuzzer edits
	// the files themselves without first breaking the compression.
	var stored bytes.Buffer
	zw := zip.NewWriter(&stored)
	for _, n := range refNames {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.Write(refFiles[n]); err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(stored.Bytes())

	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := verify(data)
		if (err == nil && !rep.OK()) || (err != nil && !errors.Is(err, review.ErrBadBundle)) {
			t.Fatalf("VerifyBundle = %v with problems %v", err, rep.Problems)
		}
		if err != nil {
			return
		}
		names, files := unzip(t, data)
		if len(names) != len(refNames) {
			t.Fatalf("intact with files %v, the reference has %v", names, refNames)
		}
		for _, n := range names {
			if ref, ok := refFiles[n]; !ok || !bytes.Equal(files[n], ref) {
				t.Fatalf("intact with %s changed:\n%q\nwant\n%q", n, files[n], ref)
			}
		}
	})
}

// FuzzVerifyBundleEdit changes the files of a real bundle and zips them
// again with valid checksums, as a forger would: flips a byte, inserts
// bytes or renames a file. Any change must fail verification; no change
// must verify.
func FuzzVerifyBundleEdit(f *testing.F) {
	ref := readBundleSeed(f)
	names, files := unzip(f, ref)
	for i := range names {
		f.Add(uint8(i), uint32(5), byte(0x20), []byte(nil), false)
		f.Add(uint8(i), uint32(2), byte(0), []byte(" "), false)
		f.Add(uint8(i), uint32(0), byte(0), []byte(nil), true)
	}
	f.Add(uint8(0), uint32(0), byte(0), []byte(nil), false)

	f.Fuzz(func(t *testing.T, file uint8, off uint32, x byte, insert []byte, rename bool) {
		name := names[int(file)%len(names)]
		edited := make(map[string][]byte, len(files))
		for n, b := range files {
			edited[n] = b
		}
		order := append([]string(nil), names...)
		data := bytes.Clone(files[name])
		changed := false
		switch {
		case rename:
			order[int(file)%len(names)] = strings.ToUpper(name[:1]) + name[1:]
			edited[order[int(file)%len(names)]] = data
			changed = true
		case x != 0 && len(data) > 0:
			data[int(off)%len(data)] ^= x
			changed = true
		case len(insert) > 0:
			at := int(off) % (len(data) + 1)
			data = append(data[:at:at], append(insert, files[name][at:]...)...)
			changed = true
		}
		edited[name] = data
		rep, err := verify(rezip(t, order, edited))
		switch {
		case changed && err == nil:
			t.Fatalf("%s changed, yet the bundle verifies:\n%s", name, data)
		case !changed && err != nil:
			t.Fatalf("unchanged bundle refused: %v", rep.Problems)
		case err != nil && !errors.Is(err, review.ErrBadBundle):
			t.Fatalf("VerifyBundle = %v", err)
		}
	})
}
