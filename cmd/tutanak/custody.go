package main

import (
	"context"
	"errors"
	"fmt"
)

// errCustodyBroken makes `custody verify` exit non-zero.
var errCustodyBroken = errors.New("custody chain broken")

func runCustody(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "verify" {
		fmt.Fprintln(e.stderr, "usage: tutanak custody verify [--data DIR] [--db URL]")
		return fmt.Errorf("%w: custody needs a subcommand (verify)", errUsage)
	}
	var cfg backendConfig
	fs := newFlagSet("custody verify", e)
	cfg.register(fs)
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	b, err := openBackend(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.svc.VerifyCustody(ctx)
	if err != nil {
		return err
	}
	for _, br := range rep.Breaks {
		fmt.Fprintln(e.stdout, "BREAK", br)
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %d of %d entries", errCustodyBroken, len(rep.Breaks), rep.Entries)
	}
	fmt.Fprintf(e.stdout, "custody chain intact: %d entries\n", rep.Entries)
	return nil
}
