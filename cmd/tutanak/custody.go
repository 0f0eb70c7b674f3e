package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/tutanak/tutanak/review"
)

// errCustodyBroken makes `custody verify` exit non-zero.
var errCustodyBroken = errors.New("custody chain broken")

func runCustody(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "verify" {
		fmt.Fprintln(e.stderr, "usage: tutanak custody verify [--data DIR] [--db URL] [--anchor SEQ:HASH]... [--bundle FILE.zip]...")
		return fmt.Errorf("%w: custody needs a subcommand (verify)", errUsage)
	}
	var cfg backendConfig
	var anchors, bundles listFlag
	fs := newFlagSet("custody verify", e)
	cfg.register(fs)
	fs.Var(&anchors, "anchor", "an entry the chain must hold, SEQ:HASH, as an earlier verify printed its head (repeatable)")
	fs.Var(&bundles, "bundle", "an evidence bundle whose custody and export entries the chain must hold (repeatable)")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	var known []review.Anchor
	for _, a := range anchors {
		seq, hash, ok := strings.Cut(a, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || len(hash) != 64 {
			return fmt.Errorf("%w: --anchor %q: want SEQ:HASH, the hash in 64 hex digits", errUsage, a)
		}
		known = append(known, review.Anchor{Seq: n, Hash: strings.ToLower(hash), From: "--anchor"})
	}
	for _, path := range bundles {
		got, err := bundleAnchors(path)
		if err != nil {
			return err
		}
		known = append(known, got...)
	}
	if cfg.DBURL == "" {
		// Opening creates a database: one at a mistyped --data would hold
		// an empty chain, which is intact.
		if _, err := os.Stat(cfg.dbPath()); err != nil {
			return fmt.Errorf("no database to verify (is --data right?): %w", err)
		}
	}
	b, err := openBackend(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.svc.VerifyCustody(ctx, known...)
	if err != nil {
		return err
	}
	for _, br := range rep.Breaks {
		fmt.Fprintln(e.stdout, "BREAK", br)
	}
	if !rep.OK() {
		// The head of a broken chain too: the legal team records what the
		// database held when the break was found.
		fmt.Fprintf(e.stdout, "head: %d:%s\n", rep.Head.Seq, rep.Head.Hash)
		return fmt.Errorf("%w: %d breaks in %d entries", errCustodyBroken, len(rep.Breaks), rep.Entries)
	}
	fmt.Fprintf(e.stdout, "custody chain intact: %d entries, %d anchors held\n", rep.Entries, rep.Anchors)
	// Kept elsewhere, the head shows a later check whether the chain was
	// cut or rewritten since: the chain alone cannot.
	fmt.Fprintf(e.stdout, "head: %d:%s\n", rep.Head.Seq, rep.Head.Hash)
	return nil
}

// bundleAnchors verifies an evidence bundle and returns its entries.
func bundleAnchors(path string) ([]review.Anchor, error) {
	rep, err := verifyBundleFile(path)
	if errors.Is(err, review.ErrBadBundle) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err != nil {
		return nil, err
	}
	return rep.Anchors, nil
}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
