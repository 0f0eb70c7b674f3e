package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// bundleFixture is a real evidence bundle exported by the review package's
// tests (go test ./review -run TestBundleSeed -update-bundle-seed).
const bundleFixture = "../../review/testdata/evidence-bundle.zip"

// TestVerifyBundle checks that `tutanak verify-bundle` accepts a real bundle
// and refuses it with any byte changed.
func TestVerifyBundle(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile(bundleFixture)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		SheetID string `json:"sheet_id"`
	}
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(f).Decode(&manifest)
	f.Close()
	if err != nil || manifest.SheetID == "" {
		t.Fatalf("manifest: %+v, %v", manifest, err)
	}

	// The review tests' key signed the fixture (review/service_test.go).
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	keyID, keyB64 := review.KeyID(pub), base64.StdEncoding.EncodeToString(pub)
	_, other, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	otherID := review.KeyID(other.Public().(ed25519.PublicKey))
	same := func(b []byte) []byte { return b }
	unsigned := func(b []byte) []byte {
		// The bundle as it was before it was signed, zipped again.
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range zr.File {
			if f.Name == review.BundleSignature {
				continue
			}
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	cases := []struct {
		name   string
		key    string
		edit   func([]byte) []byte
		exit   int
		output string
	}{
		{"intact", "", same, 0, "bundle intact: sheet " + manifest.SheetID},
		{"intact, its signing key named", "", same, 0, "signed with key " + keyID + ": it is the service's only if"},
		{"the service's key id given", keyID, same, 0, "signed with key " + keyID + ", the key given"},
		{"the service's public key given", keyB64, same, 0, "the key given"},
		{"another key given", otherID, same, 1, "not " + otherID},
		{"unsigned, no key given", "", unsigned, 0, "UNSIGNED"},
		{"unsigned, a key given", keyID, unsigned, 1, "the bundle is not signed"},
		{"one byte of the original changed", "", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			c[dataOffset(t, b, "original.png")] ^= 0x20
			return c
		}, 1, "does not verify"},
		{"one byte of the manifest changed", "", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			c[dataOffset(t, b, "manifest.json")+5] ^= 0x20
			return c
		}, 1, "does not verify"},
		{"truncated", "", func(b []byte) []byte { return b[:len(b)-10] }, 1, "not a zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bundle.zip")
			if err := os.WriteFile(path, c.edit(data), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			args := []string{"verify-bundle", path}
			if c.key != "" {
				args = []string{"verify-bundle", "--key", c.key, path}
			}
			code := run(ctx, args, &out, &errb)
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
