package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tutanak/tutanak/review"
)

// cliActor is who the custody log names for imports run from the command
// line: whoever holds the database, acting as an admin.
var cliActor = review.User{Name: "cli", Role: review.Admin}

func runOfficial(ctx context.Context, e env) error {
	usage := "usage: tutanak official import [--form cb-2023] [--partial] [--data DIR] [--db URL] FILE.csv"
	if len(e.args) == 0 || e.args[0] != "import" {
		fmt.Fprintln(e.stderr, usage)
		return fmt.Errorf("%w: official needs a subcommand (import)", errUsage)
	}
	var cfg backendConfig
	fs := newFlagSet("official import", e)
	cfg.register(fs)
	form := fs.String("form", review.DefaultForm, "the form whose field ids follow il,ilce,sandik_no in the header")
	partial := fs.Bool("partial", false, "the authority is still entering these figures: show them, do not compare them as final")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	var problems []error
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, usage)
		problems = append(problems, fmt.Errorf("%w: one CSV file is required", errUsage))
	}
	if err := errors.Join(append(problems, cfg.Validate())...); err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("official import: %w", err)
	}
	defer f.Close()
	b, err := openBackend(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := b.svc.ImportOfficial(ctx, cliActor, review.OfficialImport{Form: *form, Source: filepath.Base(fs.Arg(0)),
		Partial: *partial, CSV: f})
	var ie *review.InputError
	if errors.As(err, &ie) {
		// The file is at fault: say so in Turkish first, as on the pages.
		return fmt.Errorf("%s: %w", ie.TR, err)
	}
	if err != nil {
		return err
	}
	kind := "final"
	if res.Partial {
		kind = "partial"
	}
	fmt.Fprintf(e.stdout, "imported %d boxes of %s as import %d (%s, sha256 %s)\n", res.Boxes, res.Form, res.ID, kind, res.SHA256)
	if res.UnknownPlaces > 0 {
		fmt.Fprintf(e.stderr, "warning: %d boxes name a province or district that is not in tutanak's list; only sheets filed under the same names are compared with them: %s\n",
			res.UnknownPlaces, boxList(res.UnknownPlaceSample))
	}
	return nil
}

// boxList writes boxes as il/ilçe/sandık, comma-separated.
func boxList(boxes []review.Box) string {
	parts := make([]string, len(boxes))
	for i, b := range boxes {
		parts[i] = b.Il + "/" + b.Ilce + "/" + b.SandikNo
	}
	return strings.Join(parts, ", ")
}
