package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
	"github.com/tutanak/tutanak/review"
)

// headerIDs are the printed values that identify a box.
var headerIDs = []string{"il", "ilce", "sandik_no"}

// sheetOutcome is one sheet of an evaluation: what was read against the truth.
type sheetOutcome struct {
	Rec        synth.Record
	Photo      review.Result // the photo alone
	Checked    review.Result // against the typed figures
	FieldsRead int           // fields the photo alone reads right
	HeaderOK   bool          // il, ilce and sandik_no right
	PrintedOK  int           // printed values right
	MS         float64
	Err        error
	// Reading is kept without its images, so that other verification
	// policies can be tried without reading the photos again.
	Reading *ocr.Reading
	// BoxWarnedRight and BoxWarnedNext: whether the pages would warn that the
	// photo's header names another box (review.HeaderContradicts) were the
	// sheet filed under its own box, and under the next box number, the
	// likely slip of an observer photographing several boxes at one school.
	BoxWarnedRight, BoxWarnedNext bool
}

// evalReport sums an evaluation up; README quotes it.
type evalReport struct {
	Sheets          int     `json:"sheets"`
	PageFound       int     `json:"page_found"`
	PageFoundRate   float64 `json:"page_found_rate"`
	FieldAccuracy   float64 `json:"field_accuracy_ordinary"`
	FieldAccHard    float64 `json:"field_accuracy_hard"`
	HeaderAccuracy  float64 `json:"header_accuracy"`
	PrintedAccuracy float64 `json:"printed_accuracy"`
	// BoxWarnedRight is the share of sheets whose pages would warn that the
	// header names another box though they are filed under their own;
	// BoxWarnedNext the share that would be warned about when filed under
	// the next box number.
	BoxWarnedRight  float64 `json:"box_warned_filed_right"`
	BoxWarnedNext   float64 `json:"box_warned_filed_next"`
	ErrorSheets     int     `json:"error_sheets"`
	ErrorsCaught    float64 `json:"error_sheets_flagged"`
	CleanSheets     int     `json:"clean_sheets"`
	CleanFlagged    float64 `json:"clean_sheets_flagged"`
	CleanUnreadable float64 `json:"clean_sheets_unreadable"`
	MSMean          float64 `json:"ms_per_sheet_mean"`
	MSP95           float64 `json:"ms_per_sheet_p95"`
	Failed          int     `json:"failed"`

	fieldsOrd, fieldsOrdRight, fieldsHard, fieldsHardRight int
}

// cellLabel describes one cut-out cell written by eval --cells: a labelled
// crop for tuning the number reader (use sheets written with holdout digits).
type cellLabel struct {
	File  string          `json:"file"`
	Sheet string          `json:"sheet"`
	Field string          `json:"field"`
	Truth int             `json:"truth"`
	Read  *int            `json:"read"`
	Cell  image.Rectangle `json:"cell"`
	Hard  bool            `json:"hard"`
}

// evaluate reads every sheet of recs in dir with r, with workers in parallel;
// with cellsDir set it also writes every cell crop and labels.json there.
func evaluate(ctx context.Context, r *ocr.Reader, form *ocr.Form, dir string, recs []synth.Record, workers int, cellsDir string) ([]sheetOutcome, evalReport, error) {
	out := make([]sheetOutcome, len(recs))
	cells := make([][]cellLabel, len(recs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				var rd *ocr.Reading
				out[i], rd = evalSheet(ctx, r, form, dir, recs[i])
				if cellsDir != "" && rd != nil {
					cells[i], out[i].Err = writeCells(cellsDir, form, recs[i], rd, out[i].Photo)
				}
			}
		}()
	}
	for i := range recs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if cellsDir != "" {
		var all []cellLabel
		for _, c := range cells {
			all = append(all, c...)
		}
		data, err := json.MarshalIndent(all, "", " ")
		if err != nil {
			return nil, evalReport{}, err
		}
		if err := os.WriteFile(filepath.Join(cellsDir, "labels.json"), data, 0o644); err != nil {
			return nil, evalReport{}, err
		}
	}
	return out, summarize(form, out), nil
}

func writeCells(dir string, form *ocr.Form, rec synth.Record, rd *ocr.Reading, photo review.Result) ([]cellLabel, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []cellLabel
	for _, f := range form.Fields {
		fr, ok := rd.Fields[f.ID]
		if !ok || fr.Crop == nil {
			continue
		}
		name := strings.TrimSuffix(rec.File, filepath.Ext(rec.File)) + "-" + f.ID + ".png"
		file, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if err := png.Encode(file, fr.Crop); err != nil {
			file.Close()
			return nil, err
		}
		if err := file.Close(); err != nil {
			return nil, err
		}
		out = append(out, cellLabel{File: name, Sheet: rec.File, Field: f.ID, Truth: rec.Truth.Counts[f.ID],
			Read: photo.Fields[f.ID].Value, Cell: ocr.DigitsCellRect(f.DigitsBox), Hard: rec.Hard})
	}
	return out, nil
}

func evalSheet(ctx context.Context, r *ocr.Reader, form *ocr.Form, dir string, rec synth.Record) (sheetOutcome, *ocr.Reading) {
	data, err := os.ReadFile(filepath.Join(dir, rec.File))
	if err != nil {
		return sheetOutcome{Rec: rec, Err: err}, nil
	}
	start := time.Now()
	rd, err := r.Read(ctx, form, data)
	if err != nil {
		return sheetOutcome{Rec: rec, Err: err}, nil
	}
	o := scoreSheet(form, rec, rd)
	o.MS = float64(time.Since(start).Microseconds()) / 1000
	return o, rd
}

// scoreSheet verifies one reading, alone and against the typed figures, and
// compares both with the truth.
func scoreSheet(form *ocr.Form, rec synth.Record, rd *ocr.Reading) sheetOutcome {
	o := sheetOutcome{Rec: rec}
	o.Reading = &ocr.Reading{FormID: rd.FormID, PageFound: rd.PageFound, Quality: rd.Quality, Printed: rd.Printed, Fields: map[string]ocr.FieldReading{}}
	for id, fr := range rd.Fields {
		fr.Crop = nil
		o.Reading.Fields[id] = fr
	}
	o.Photo = review.Verify(form, rd, nil)
	o.Checked = review.Verify(form, rd, rec.Typed.Counts)
	for id, want := range rec.Truth.Counts {
		if f, ok := o.Photo.Fields[id]; ok && f.Value != nil && *f.Value == want {
			o.FieldsRead++
		}
	}
	o.HeaderOK = true
	for _, id := range headerIDs {
		if o.Photo.Printed[id] != rec.Truth.Printed[id] {
			o.HeaderOK = false
		}
	}
	own := review.Box{Il: rec.Truth.Printed["il"], Ilce: rec.Truth.Printed["ilce"], SandikNo: rec.Truth.Printed["sandik_no"]}
	next := own
	if n, err := strconv.Atoi(own.SandikNo); err == nil {
		next.SandikNo = strconv.Itoa(n + 1)
	}
	o.BoxWarnedRight = len(review.HeaderContradicts(own, rd.Printed)) > 0
	o.BoxWarnedNext = len(review.HeaderContradicts(next, rd.Printed)) > 0
	for id, want := range rec.Truth.Printed {
		if o.Photo.Printed[id] == want {
			o.PrintedOK++
		}
	}
	return o
}

func summarize(form *ocr.Form, out []sheetOutcome) evalReport {
	var rep evalReport
	var ms []float64
	headerOK, printedOK, printedAll := 0, 0, 0
	warnedRight, warnedNext := 0, 0
	caught, cleanFlagged, cleanUnreadable := 0, 0, 0
	for _, o := range out {
		rep.Sheets++
		if o.Err != nil {
			rep.Failed++
			continue
		}
		ms = append(ms, o.MS)
		if o.Photo.PageFound {
			rep.PageFound++
		}
		n := len(o.Rec.Truth.Counts)
		if o.Rec.Hard {
			rep.fieldsHard += n
			rep.fieldsHardRight += o.FieldsRead
		} else {
			rep.fieldsOrd += n
			rep.fieldsOrdRight += o.FieldsRead
		}
		if o.HeaderOK {
			headerOK++
		}
		if o.BoxWarnedRight {
			warnedRight++
		}
		if o.BoxWarnedNext {
			warnedNext++
		}
		printedOK += o.PrintedOK
		printedAll += len(o.Rec.Truth.Printed)
		if len(o.Rec.Typed.Errors) > 0 {
			rep.ErrorSheets++
			if o.Checked.Verdict != review.Verified {
				caught++
			}
		} else {
			rep.CleanSheets++
			switch o.Checked.Verdict {
			case review.Flagged:
				cleanFlagged++
			case review.Unreadable:
				cleanUnreadable++
			}
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	rep.PageFoundRate = ratio(rep.PageFound, rep.Sheets)
	rep.FieldAccuracy = ratio(rep.fieldsOrdRight, rep.fieldsOrd)
	rep.FieldAccHard = ratio(rep.fieldsHardRight, rep.fieldsHard)
	rep.HeaderAccuracy = ratio(headerOK, rep.Sheets-rep.Failed)
	rep.PrintedAccuracy = ratio(printedOK, printedAll)
	rep.BoxWarnedRight = ratio(warnedRight, rep.Sheets-rep.Failed)
	rep.BoxWarnedNext = ratio(warnedNext, rep.Sheets-rep.Failed)
	rep.ErrorsCaught = ratio(caught, rep.ErrorSheets)
	rep.CleanFlagged = ratio(cleanFlagged, rep.CleanSheets)
	rep.CleanUnreadable = ratio(cleanUnreadable, rep.CleanSheets)
	if len(ms) > 0 {
		sort.Float64s(ms)
		var s float64
		for _, m := range ms {
			s += m
		}
		rep.MSMean = s / float64(len(ms))
		rep.MSP95 = ms[min(len(ms)-1, len(ms)*95/100)]
	}
	return rep
}

func runEval(ctx context.Context, e env) error {
	fs := newFlagSet("eval", e)
	formID := fs.String("form", review.DefaultForm, "form id")
	dir := fs.String("dir", "", "directory with the photos and truth.json")
	table := fs.Bool("table", false, "print one row per sheet before the summary")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	workers := fs.Int("workers", 2, "sheets read at once")
	cellsDir := fs.String("cells", "", "also write every handwritten cell crop and labels.json here")
	readings := fs.String("readings", "", "keep every sheet's reading in this JSON file; when it exists, verify the readings in it instead of reading the photos again (tuning verification)")
	sweep := fs.Bool("sweep", false, "also print errors caught and clean sheets flagged under other verification policies (for tuning on holdout sheets)")
	var rf readerFlags
	rf.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	form, err := ocr.LoadForm(*formID)
	if err != nil {
		return err
	}
	recs, err := synth.ReadTruth(filepath.Join(*dir, "truth.json"))
	if err != nil {
		return err
	}
	if rf.handles < *workers {
		rf.handles = *workers
	}
	out, rep, err := loadReadings(*readings, form, recs)
	if err != nil {
		return err
	}
	if out == nil {
		reader, closeReader, err := newReader(rf, false, e.log)
		if err != nil {
			return err
		}
		defer closeReader()
		if out, rep, err = evaluate(ctx, reader, form, *dir, recs, *workers, *cellsDir); err != nil {
			return err
		}
		if err := saveReadings(*readings, out); err != nil {
			return err
		}
	}
	if *table {
		printTable(e.stdout, form, out)
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(rep)
	}
	printReport(e.stdout, rep)
	if *sweep {
		printSweep(e.stdout, form, out)
	}
	return nil
}

// printSweep shows the trade-off between missed typing errors and lawyers'
// time across verification policies.
func printSweep(w io.Writer, form *ocr.Form, out []sheetOutcome) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "\ntypo prior\tmin support\terrors caught\tclean flagged")
	for _, prior := range []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2} {
		for _, support := range []float64{0.005, 0.01, 0.02, 0.05, 0.2} {
			pol := review.DefaultPolicy()
			pol.TypoPrior, pol.MinSupport = prior, support
			errs, caught, clean, flagged := 0, 0, 0, 0
			for _, o := range out {
				if o.Err != nil {
					continue
				}
				res := review.VerifyWith(pol, form, o.Reading, o.Rec.Typed.Counts)
				if len(o.Rec.Typed.Errors) > 0 {
					errs++
					if res.Verdict != review.Verified {
						caught++
					}
				} else {
					clean++
					if res.Verdict == review.Flagged {
						flagged++
					}
				}
			}
			fmt.Fprintf(tw, "%g\t%g\t%d/%d\t%d/%d\n", prior, support, caught, errs, flagged, clean)
		}
	}
	tw.Flush()
}

func printTable(w io.Writer, form *ocr.Form, out []sheetOutcome) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "sheet\tphoto\til / ilçe / sandık\tfields read\ttyped errors\tverdict\tflagged fields\tms")
	for _, o := range out {
		if o.Err != nil {
			fmt.Fprintf(tw, "%s\t\terror: %v\n", o.Rec.File, o.Err)
			continue
		}
		kind := "photo"
		switch {
		case o.Rec.Photo == nil:
			kind = "scan"
		case o.Rec.Hard:
			kind = "hard"
		}
		hdr := fmt.Sprintf("%s / %s / %s", o.Photo.Printed["il"], o.Photo.Printed["ilce"], o.Photo.Printed["sandik_no"])
		if !o.HeaderOK {
			hdr += " ✗"
		}
		errs := "-"
		if len(o.Rec.Typed.Errors) > 0 {
			errs = strings.Join(o.Rec.Typed.Errors, ",")
		}
		var flagged []string
		for _, f := range form.Fields {
			if fr := o.Checked.Fields[f.ID]; fr.Status == review.StatusMismatch || fr.Status == review.StatusUnreadable {
				flagged = append(flagged, f.ID)
			}
		}
		fl := "-"
		if len(flagged) > 0 {
			fl = strings.Join(flagged, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%.0f\n", o.Rec.File, kind, hdr, o.FieldsRead, len(o.Rec.Truth.Counts), errs, o.Checked.Verdict, fl, o.MS)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func printReport(w io.Writer, r evalReport) {
	pct := func(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }
	fmt.Fprintf(w, "sheets                      %d (failed %d)\n", r.Sheets, r.Failed)
	fmt.Fprintf(w, "page found                  %s\n", pct(r.PageFoundRate))
	fmt.Fprintf(w, "fields read right, ordinary %s (%d/%d)\n", pct(r.FieldAccuracy), r.fieldsOrdRight, r.fieldsOrd)
	fmt.Fprintf(w, "fields read right, hard     %s (%d/%d)\n", pct(r.FieldAccHard), r.fieldsHardRight, r.fieldsHard)
	fmt.Fprintf(w, "header il/ilçe/sandık right %s\n", pct(r.HeaderAccuracy))
	fmt.Fprintf(w, "printed values right        %s\n", pct(r.PrintedAccuracy))
	fmt.Fprintf(w, "other box warned, own box   %s\n", pct(r.BoxWarnedRight))
	fmt.Fprintf(w, "other box warned, next box  %s\n", pct(r.BoxWarnedNext))
	fmt.Fprintf(w, "typed-error sheets flagged  %s (of %d)\n", pct(r.ErrorsCaught), r.ErrorSheets)
	fmt.Fprintf(w, "clean sheets flagged        %s (of %d; unreadable %s)\n", pct(r.CleanFlagged), r.CleanSheets, pct(r.CleanUnreadable))
	fmt.Fprintf(w, "ms per sheet                mean %.0f, p95 %.0f\n", r.MSMean, r.MSP95)
}

// savedReading is one sheet's reading as eval --readings keeps it.
type savedReading struct {
	File    string       `json:"file"`
	MS      float64      `json:"ms"`
	Err     string       `json:"error,omitempty"`
	Reading *ocr.Reading `json:"reading,omitempty"`
}

// saveReadings writes every sheet's reading to path (nothing when path is empty).
func saveReadings(path string, out []sheetOutcome) error {
	if path == "" {
		return nil
	}
	saved := make([]savedReading, len(out))
	for i, o := range out {
		saved[i] = savedReading{File: o.Rec.File, MS: o.MS, Reading: o.Reading}
		if o.Err != nil {
			saved[i].Err = o.Err.Error()
		}
	}
	data, err := json.Marshal(saved)
	if err != nil {
		return fmt.Errorf("save readings: %w", err)
	}
	return os.WriteFile(path, data, 0o644)
}

// loadReadings verifies the readings saved at path again, so that a change to
// verification is measured in seconds. It returns nil outcomes when path is
// empty or does not exist yet.
func loadReadings(path string, form *ocr.Form, recs []synth.Record) ([]sheetOutcome, evalReport, error) {
	if path == "" {
		return nil, evalReport{}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, evalReport{}, nil
	}
	if err != nil {
		return nil, evalReport{}, fmt.Errorf("load readings: %w", err)
	}
	var saved []savedReading
	if err := json.Unmarshal(data, &saved); err != nil {
		return nil, evalReport{}, fmt.Errorf("load readings %s: %w", path, err)
	}
	byFile := make(map[string]savedReading, len(saved))
	for _, s := range saved {
		byFile[s.File] = s
	}
	out := make([]sheetOutcome, len(recs))
	for i, rec := range recs {
		s, ok := byFile[rec.File]
		switch {
		case !ok:
			return nil, evalReport{}, fmt.Errorf("load readings: %s has no reading of %s", path, rec.File)
		case s.Err != "" || s.Reading == nil:
			out[i] = sheetOutcome{Rec: rec, Err: errors.New(s.Err)}
		default:
			out[i] = scoreSheet(form, rec, s.Reading)
		}
		out[i].MS = s.MS
	}
	return out, summarize(form, out), nil
}
