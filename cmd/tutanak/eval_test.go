package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/tutanak/tutanak/ocr/synth"
)

// Floors of the reader and verifier on a fresh generated corpus of 40 sheets
// (MNIST test-split handwriting). They sit just below what was measured when
// they were last set (fields 99.8% ordinary, 100% hard; every typed error
// caught; no clean sheet of 20 flagged; headers 97.5%), so a regression
// fails CI: one more clean sheet flagged is allowed, two are not. They are
// floors, not the targets: README gives both, measured on a larger corpus.
const (
	floorFieldsOrdinary = 0.99
	floorFieldsHard     = 0.98
	floorErrorsCaught   = 1.0 // a missed typing error is the worst outcome
	ceilCleanFlagged    = 0.05
	floorHeader         = 0.95
	// A sheet filed under the next box number is warned about on its pages
	// (measured 40 of 40); one filed under its own box rarely is (1 of 40,
	// its header misread; one more allowed).
	floorWarnedNext = 0.95
	ceilWarnedRight = 0.05
)

func TestEvalFloors(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Count, cfg.Seed, cfg.HardShare, cfg.ScanShare = 40, 31337, 0.2, 0.15
	form, g := testGenerator(t, cfg)
	dir := t.TempDir()
	recs, err := g.WriteDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reader, closeReader, err := newReader(readerFlags{digits: "cnn", handles: 2}, false, log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeReader()
	_, rep, err := evaluate(context.Background(), reader, form, dir, recs, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.Failed > 0 {
		t.Errorf("%d sheets failed to read", rep.Failed)
	}
	checks := []struct {
		name  string
		got   float64
		floor float64
		ceil  bool
	}{
		{"fields read right, ordinary", rep.FieldAccuracy, floorFieldsOrdinary, false},
		{"fields read right, hard", rep.FieldAccHard, floorFieldsHard, false},
		{"typed-error sheets flagged", rep.ErrorsCaught, floorErrorsCaught, false},
		{"clean sheets flagged", rep.CleanFlagged, ceilCleanFlagged, true},
		{"header right", rep.HeaderAccuracy, floorHeader, false},
		{"other box warned, next box", rep.BoxWarnedNext, floorWarnedNext, false},
		{"other box warned, own box", rep.BoxWarnedRight, ceilWarnedRight, true},
	}
	for _, c := range checks {
		if (!c.ceil && c.got < c.floor) || (c.ceil && c.got > c.floor) {
			t.Errorf("%s: %.4f, limit %.4f", c.name, c.got, c.floor)
		}
	}
}
