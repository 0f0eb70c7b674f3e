package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
)

// readerFlags are the reader settings every subcommand that reads photos shares.
type readerFlags struct {
	// digits selects the handwriting recogniser: "cnn" (default),
	// "cnn-first" (its first network alone) or "tesseract".
	digits string
	// handles is how many Tesseract handles to keep. Defaults to 1.
	handles int
	// gosseractText reads text through gosseract's leaking Text; only soak
	// sets it, to measure the leak.
	gosseractText bool
	// maxBytes and maxPixels are the largest photo read; zero for the
	// reader's defaults (ocr.DefaultMaxBytes, ocr.DefaultMaxPixels). The
	// service sets the upload's limits (serveConfig.sheetReader).
	maxBytes  int64
	maxPixels int
}

func (rf *readerFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&rf.digits, "digits", "cnn", "handwriting recogniser: cnn, cnn-first (its first network alone) or tesseract")
	fs.IntVar(&rf.handles, "tesseract-handles", 1, "Tesseract handles (concurrent printed-text reads)")
}

// newReader builds the reader and returns a function that frees it.
func newReader(rf readerFlags, keepPage bool, log *slog.Logger) (*ocr.Reader, func(), error) {
	tess, err := ocr.NewTesseract(ocr.TesseractConfig{Handles: rf.handles, GosseractText: rf.gosseractText, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	numbers, err := newRecognizer(rf.digits, tess)
	if err != nil {
		tess.Close()
		return nil, nil, err
	}
	r := ocr.NewReader(ocr.Config{MaxBytes: rf.maxBytes, MaxPixels: rf.maxPixels, KeepPage: keepPage}, tess, numbers, log)
	return r, tess.Close, nil
}

func runCheck(ctx context.Context, e env) error {
	fs := newFlagSet("check", e)
	formID := fs.String("form", review.DefaultForm, "form id")
	imagePath := fs.String("image", "", "photo of the sheet (JPEG or PNG)")
	typedPath := fs.String("typed", "", `typed figures, JSON {"counts":{...}}`)
	debugDir := fs.String("debug-dir", "", "write the rectified page and every cell crop here as PNG")
	var rf readerFlags
	rf.register(fs)
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *imagePath == "" {
		return errors.New("--image is required")
	}
	form, err := ocr.LoadForm(*formID)
	if err != nil {
		return err
	}
	var typed map[string]int
	if *typedPath != "" {
		typed, err = readTyped(*typedPath, form)
		if err != nil {
			return err
		}
	}
	data, err := readLimited(*imagePath, ocr.DefaultMaxBytes)
	if err != nil {
		return err
	}
	reader, closeReader, err := newReader(rf, *debugDir != "", e.log)
	if err != nil {
		return err
	}
	defer closeReader()

	start := time.Now()
	reading, err := reader.Read(ctx, form, data)
	if err != nil {
		return fmt.Errorf("%s: %w", *imagePath, err)
	}
	res := review.Verify(form, reading, typed)
	res.ElapsedMS = time.Since(start).Milliseconds()
	if *debugDir != "" {
		if err := writeDebug(*debugDir, form, reading, res); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(e.stdout)
	return enc.Encode(res)
}

// readLimited reads a whole file, refusing one larger than limit before reading it.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes", path, ocr.ErrTooLarge, st.Size())
	}
	return os.ReadFile(path)
}

func readTyped(path string, form *ocr.Form) (map[string]int, error) {
	data, err := readLimited(path, 1<<20)
	if err != nil {
		return nil, err
	}
	var tf review.TypedFigures
	if err := json.Unmarshal(data, &tf); err != nil {
		return nil, fmt.Errorf("typed figures %s: %w", path, err)
	}
	if err := review.CheckTyped(form, tf.Counts); err != nil {
		return nil, fmt.Errorf("typed figures %s: %w", path, err)
	}
	return tf.Counts, nil
}

func writeDebug(dir string, form *ocr.Form, rd *ocr.Reading, res review.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, img image.Image) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if rd.Page != nil {
		if err := write("page.png", rd.Page); err != nil {
			return err
		}
		if err := write("overlay.png", overlay(form, rd, res)); err != nil {
			return err
		}
	}
	for id, img := range rd.PrintedCrops {
		if err := write("printed-"+id+".png", img); err != nil {
			return err
		}
	}
	for id, fr := range rd.Fields {
		if fr.Crop != nil {
			if err := write("field-"+id+".png", fr.Crop); err != nil {
				return err
			}
		}
	}
	return nil
}

// overlay draws on the rectified page where each value was read, coloured by
// what became of it: green match, red mismatch, orange unreadable, blue read
// without a typed figure, grey for printed values.
func overlay(form *ocr.Form, rd *ocr.Reading, res review.Result) *image.RGBA {
	b := rd.Page.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, rd.Page, b.Min, draw.Src)
	s := rd.PageScale
	box := func(bx ocr.Box, c color.RGBA) {
		r := image.Rect(int(float64(bx.X)*s), int(float64(bx.Y)*s), int(float64(bx.X+bx.W)*s), int(float64(bx.Y+bx.H)*s))
		for t := 0; t < 3; t++ {
			rr := r.Inset(t)
			for x := rr.Min.X; x < rr.Max.X; x++ {
				out.SetRGBA(x, rr.Min.Y, c)
				out.SetRGBA(x, rr.Max.Y-1, c)
			}
			for y := rr.Min.Y; y < rr.Max.Y; y++ {
				out.SetRGBA(rr.Min.X, y, c)
				out.SetRGBA(rr.Max.X-1, y, c)
			}
		}
	}
	for _, p := range form.Printed {
		box(p.ValueBox, color.RGBA{120, 120, 120, 255})
	}
	for _, f := range form.Fields {
		c := color.RGBA{30, 90, 220, 255}
		switch res.Fields[f.ID].Status {
		case review.StatusMatch:
			c = color.RGBA{20, 160, 60, 255}
		case review.StatusMismatch:
			c = color.RGBA{220, 30, 30, 255}
		case review.StatusUnreadable:
			c = color.RGBA{240, 150, 0, 255}
		}
		box(f.DigitsBox, c)
	}
	return out
}

// newSheetReader builds the reader the OCR workers share, keeping the page
// for people and evidence; rf is serveConfig.sheetReader's.
func newSheetReader(rf readerFlags, log *slog.Logger) (review.SheetReader, func(), error) {
	r, closeFn, err := newReader(rf, true, log)
	if err != nil {
		return nil, nil, err
	}
	return r, closeFn, nil
}
