package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

// TestVerifyBundle exports a bundle from a real service and checks that
// `tutanak verify-bundle` accepts it and refuses it with any byte changed.
func TestVerifyBundle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := storage.OpenSQLite(ctx, filepath.Join(dir, "t.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := storage.NewDiskStore(filepath.Join(dir, "objects"), storage.Retention{Period: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	svc := review.NewService(db, store, log)
	obs, _, err := svc.CreateUser(ctx, review.NewUser{Name: "gözlemci", Role: review.Observer})
	if err != nil {
		t.Fatal(err)
	}
	legal, _, err := svc.CreateUser(ctx, review.NewUser{Name: "hukuk", Role: review.Legal})
	if err != nil {
		t.Fatal(err)
	}
	photo := []byte("a photographed sheet")
	sum := sha256.Sum256(photo)
	spool := filepath.Join(dir, "photo")
	if err := os.WriteFile(spool, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Upload(ctx, obs, review.Upload{Form: "cb-2023", Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "7"},
		Photo: review.Photo{Path: spool, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(photo)), ContentType: "image/png"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Evidence(ctx, legal, res.ID)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		edit   func([]byte) []byte
		exit   int
		output string
	}{
		{"intact", func(b []byte) []byte { return b }, 0, "bundle intact: sheet " + res.ID},
		{"one byte of the original changed", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			c[dataOffset(t, b, "original.png")] ^= 0x20
			return c
		}, 1, "does not verify"},
		{"one byte of the manifest changed", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			c[dataOffset(t, b, "manifest.json")+5] ^= 0x20
			return c
		}, 1, "does not verify"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-10] }, 1, "not a zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bundle.zip")
			if err := os.WriteFile(path, c.edit(b.Data), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := run(ctx, []string{"verify-bundle", path}, &out, &errb)
			if code != c.exit || !strings.Contains(out.String()+errb.String(), c.output) {
				t.Fatalf("exit %d, want %d; output:\n%s%s", code, c.exit, out.String(), errb.String())
			}
		})
	}
}

// dataOffset is where a file's (compressed) bytes start in a zip.
func dataOffset(t *testing.T, data []byte, name string) int {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return int(off)
		}
	}
	t.Fatalf("no %s in the bundle", name)
	return 0
}
