package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tutanak/tutanak/review"
)

// runVerifyBundle checks an evidence bundle offline: `tutanak
// verify-bundle [--key KEY] FILE.zip` prints every problem and exits
// non-zero on any. A bundle edited with its sums recomputed is consistent
// with itself; only its signature tells the service's bundles from others,
// so --key (the service's key id or public key, GET /api/v1/signing-key)
// requires it to be the service's.
func runVerifyBundle(ctx context.Context, e env) error {
	fs := newFlagSet("verify-bundle", e)
	key := fs.String("key", "", "require the bundle to be signed with this key: its id or its base64 public key (GET /api/v1/signing-key)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: tutanak verify-bundle [--key KEY] FILE.zip")
		fs.PrintDefaults()
	}
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: verify-bundle needs one file", errUsage)
	}
	path := fs.Arg(0)
	rep, err := verifyBundleFile(path)
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stdout, "FAIL", p)
	}
	if err != nil {
		if errors.Is(err, review.ErrBadBundle) {
			return fmt.Errorf("%s: %w", path, err)
		}
		return err
	}
	want := strings.TrimSpace(*key)
	switch {
	case want != "" && rep.SignedBy == "":
		fmt.Fprintln(e.stdout, "FAIL the bundle is not signed")
		return fmt.Errorf("%s: %w: unsigned", path, review.ErrBadBundle)
	case want != "" && !sameKey(want, rep.SignedBy):
		fmt.Fprintf(e.stdout, "FAIL signed with key %s, not %s\n", rep.SignedBy, want)
		return fmt.Errorf("%s: %w: signed with another key", path, review.ErrBadBundle)
	}
	fmt.Fprintf(e.stdout, "bundle intact: sheet %s, %d files, %d custody entries\n", rep.SheetID, rep.Files, rep.Entries)
	switch {
	case want != "":
		fmt.Fprintf(e.stdout, "signed with key %s, the key given\n", rep.SignedBy)
	case rep.SignedBy != "":
		fmt.Fprintf(e.stdout, "signed with key %s: it is the service's only if the service publishes that key (GET /api/v1/signing-key); --key checks it\n", rep.SignedBy)
	default:
		fmt.Fprintln(e.stdout, "UNSIGNED: consistent with itself, but anyone who edits a bundle can recompute its sums")
	}
	return nil
}

// sameKey tells whether want, a key id or a base64 public key, names the
// key whose id is keyID.
func sameKey(want, keyID string) bool {
	if strings.EqualFold(want, keyID) {
		return true
	}
	pub, err := base64.StdEncoding.DecodeString(want)
	return err == nil && len(pub) == ed25519.PublicKeySize && review.KeyID(pub) == keyID
}

// verifyBundleFile checks the evidence bundle in the file at path
// (review.VerifyBundle); its failures are review.ErrBadBundle.
func verifyBundleFile(path string) (review.BundleReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return review.BundleReport{}, fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return review.BundleReport{}, fmt.Errorf("stat bundle: %w", err)
	}
	return review.VerifyBundle(f, info.Size())
}
