package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

func runGen(ctx context.Context, e env) error {
	fs := newFlagSet("gen", e)
	formID := fs.String("form", review.DefaultForm, "form id")
	out := fs.String("out", "", "directory to write sheet-NNNN.jpg and truth.json into")
	def := synth.DefaultConfig()
	n := fs.Int("n", 20, "number of sheets")
	seed := fs.Int64("seed", def.Seed, "random seed; the same seed makes the same sheets")
	hard := fs.Float64("hard", def.HardShare, "share of deliberately bad phone photos")
	scan := fs.Float64("scan", def.ScanShare, "share of flat scans")
	errs := fs.Float64("errors", def.ErrorShare, "share of sheets whose typed figures carry an error")
	size := fs.String("size", "", "photo size WxH (default: a mix of 2, 3, 7 and 12 megapixels)")
	split := fs.String("digits", string(synth.SplitTest), "MNIST split the handwriting comes from: test (for measurement), holdout (for tuning) or train")
	mnist := fs.String("mnist", "", "directory with MNIST's idx.gz files (default: the GoMNIST module's)")
	lossless := fs.Bool("png", false, "write lossless PNG instead of JPEG")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	form, err := ocr.LoadForm(*formID)
	if err != nil {
		return err
	}
	dir := *mnist
	if dir == "" {
		if dir, err = synth.MNISTDir(); err != nil {
			return err
		}
	}
	digits, err := synth.NewMNISTDigits(dir, synth.Split(*split))
	if err != nil {
		return err
	}
	cfg := def
	cfg.Count, cfg.Seed, cfg.HardShare, cfg.ScanShare, cfg.ErrorShare = *n, *seed, *hard, *scan, *errs
	cfg.Lossless = *lossless
	cfg.Logger = e.log
	if *size != "" {
		w, h, ok := parseSize(*size)
		if !ok {
			return fmt.Errorf("--size %q: want WxH", *size)
		}
		cfg.Sizes = [][2]int{{w, h}}
	}
	g, err := synth.NewGenerator(form, digits, cfg)
	if err != nil {
		return err
	}
	recs, err := g.WriteDir(ctx, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %d sheets and truth.json to %s\n", len(recs), *out)
	return nil
}

func parseSize(s string) (int, int, bool) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	return w, h, err1 == nil && err2 == nil && w > 0 && h > 0
}
