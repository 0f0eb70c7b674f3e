package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tutanak/tutanak/review"
)

// runVerifyBundle checks an evidence bundle offline: `tutanak
// verify-bundle FILE.zip` prints every problem and exits non-zero on any.
func runVerifyBundle(ctx context.Context, e env) error {
	fs := newFlagSet("verify-bundle", e)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: tutanak verify-bundle FILE.zip")
	}
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: verify-bundle needs one file", errUsage)
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat bundle: %w", err)
	}
	rep, err := review.VerifyBundle(f, info.Size())
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stdout, "FAIL", p)
	}
	if err != nil {
		if errors.Is(err, review.ErrBadBundle) {
			return fmt.Errorf("%s: %w", path, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "bundle intact: sheet %s, %d files, %d custody entries\n", rep.SheetID, rep.Files, rep.Entries)
	return nil
}
