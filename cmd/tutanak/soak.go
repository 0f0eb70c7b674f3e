package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// soakReport is soak's final JSON line. Start is taken after the warm-up, so
// that growth is what a long-running worker adds, not what it starts with.
type soakReport struct {
	Checks           int     `json:"checks"`
	WarmUp           int     `json:"warm_up"`
	ReadErrors       int     `json:"read_errors"`
	GosseractText    bool    `json:"gosseract_text,omitempty"`
	RSSStartMiB      float64 `json:"rss_start_mib"`
	RSSEndMiB        float64 `json:"rss_end_mib"`
	RSSMaxMiB        float64 `json:"rss_max_mib"`
	GrowthKiBPer1000 float64 `json:"growth_kib_per_1000"`
}

// runSoak runs many full checks in one process and reports its resident
// memory, to show that a worker's memory stays flat (issue 7: gosseract leaks
// C memory on every text read).
func runSoak(ctx context.Context, e env) error {
	fs := newFlagSet("soak", e)
	formID := fs.String("form", review.DefaultForm, "form id")
	dir := fs.String("dir", "", "directory with the photos and truth.json (tutanak gen); cycled through")
	n := fs.Int("n", 5000, "checks to run")
	every := fs.Int("every", 500, "print RSS every this many checks")
	warmUp := fs.Int("warm-up", 100, "checks before the starting RSS is taken")
	gosseractText := fs.Bool("gosseract-text", false, "read text through gosseract's Text, which leaks; only to measure the leak")
	var rf readerFlags
	rf.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	if *n <= *warmUp || *every <= 0 || *warmUp < 0 {
		return fmt.Errorf("--n (%d) must exceed --warm-up (%d), --every must be positive", *n, *warmUp)
	}
	form, err := ocr.LoadForm(*formID)
	if err != nil {
		return err
	}
	recs, err := synth.ReadTruth(filepath.Join(*dir, "truth.json"))
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no sheets in truth.json", *dir)
	}
	// Photos are read once: the soak measures the reader, not the page cache.
	photos := make([][]byte, len(recs))
	for i, rec := range recs {
		if photos[i], err = readLimited(filepath.Join(*dir, rec.File), ocr.DefaultMaxBytes); err != nil {
			return err
		}
	}
	// The reader check and eval build, with the measurement switch.
	rf.gosseractText = *gosseractText
	reader, closeReader, err := newReader(rf, false, e.log)
	if err != nil {
		return err
	}
	defer closeReader()

	rep := soakReport{Checks: *n, WarmUp: *warmUp, GosseractText: *gosseractText}
	for i := range *n {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("soak after %d checks: %w", i, err)
		}
		k := i % len(recs)
		reading, err := reader.Read(ctx, form, photos[k])
		if err != nil {
			rep.ReadErrors++
			e.log.Debug("soak read", "file", recs[k].File, "err", err)
		} else {
			_ = review.Verify(form, reading, recs[k].Typed.Counts)
		}
		rss, err := rssMiB()
		if err != nil {
			return err
		}
		rep.RSSMaxMiB = max(rep.RSSMaxMiB, rss)
		done := i + 1
		if done == *warmUp || done%*every == 0 || done == *n {
			// Return the Go heap's free pages first: what remains is live Go
			// memory and C memory, which is what a leak shows in.
			runtime.GC()
			debug.FreeOSMemory()
			if rss, err = rssMiB(); err != nil {
				return err
			}
			if done == *warmUp {
				rep.RSSStartMiB = rss
			}
			rep.RSSEndMiB = rss
			fmt.Fprintf(e.stdout, "checks %d rss_mib %.1f\n", done, rss)
		}
	}
	rep.GrowthKiBPer1000 = (rep.RSSEndMiB - rep.RSSStartMiB) * 1024 / float64(*n-*warmUp) * 1000
	return json.NewEncoder(e.stdout).Encode(rep)
}

// rssMiB is this process's resident set from /proc/self/statm.
func rssMiB() (float64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("rss: short /proc/self/statm %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	return float64(pages*int64(os.Getpagesize())) / (1 << 20), nil
}
