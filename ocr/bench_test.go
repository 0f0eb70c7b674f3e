package ocr_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/review"
)

// BenchmarkReadStages checks one 12-megapixel phone photo per iteration (read
// and verdict) and reports each stage's mean time (ms/op per stage). Run it
// with -cpu 1 for the one-core figure.
func BenchmarkReadStages(b *testing.B) {
	form, data, typed := ocrtest.BenchPhoto(b)
	r := ocr.NewReader(ocr.Config{}, ocrtest.Tesseract(b), newRecognizer(b), slog.New(slog.NewTextHandler(io.Discard, nil)))
	stages := map[string]time.Duration{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		checkPhoto(b, r, form, data, typed, stages)
	}
	reportStages(b, stages)
}

// checkPhoto checks one photo as the worker does, reading it and giving the
// verdict on typed, and adds each stage's time, the verdict's too, to stages.
func checkPhoto(b *testing.B, r *ocr.Reader, form *ocr.Form, photo []byte, typed map[string]int, stages map[string]time.Duration) {
	rd, err := r.Read(context.Background(), form, photo)
	if err != nil {
		b.Fatal(err)
	}
	if !rd.PageFound {
		b.Fatal("page not found")
	}
	start := time.Now()
	review.Verify(form, rd, typed)
	stages["verdict"] += time.Since(start)
	for _, s := range rd.Stages {
		stages[s.Name] += s.Duration
	}
}

// reportStages reports each stage's mean time over the b.N checks of stages.
func reportStages(b *testing.B, stages map[string]time.Duration) {
	for name, d := range stages {
		b.ReportMetric(msPerOp(b, d), name+"-ms/op")
	}
}

// msPerOp is d, spent over b.N iterations, in milliseconds an iteration.
func msPerOp(b *testing.B, d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000 / float64(b.N)
}

// BenchmarkDecodeJPEG times decoding the photo of BenchmarkReadStages alone:
// libjpeg-turbo to grey at full size (the strict reading of the issue's
// yardstick for the whole check: within twice this), at half size (what the
// reader does) and at an eighth (almost nothing but the entropy decoding,
// which no scale skips: the floor of any decode of this photo), libjpeg-turbo
// to RGB at full and half size (the ordinary decode of a colour photo, the
// other reading), and Go's image/jpeg, on the same machine in the same run.
func BenchmarkDecodeJPEG(b *testing.B) {
	_, data, _ := ocrtest.BenchPhoto(b)
	// Every decode writes into the buffer of the one before: the yardstick is
	// libjpeg-turbo's work, not Go zeroing a fresh buffer for each photo.
	gray := func(data []byte, maxDenom int, into *[]byte) error {
		_, err := ocr.DecodeJPEGGray(data, 1, maxDenom, into)
		return err
	}
	rgb := func(data []byte, maxDenom int, into *[]byte) error {
		_, err := ocr.DecodeJPEGRGB(data, 1, maxDenom, into)
		return err
	}
	for _, bc := range []struct {
		name     string
		decode   func([]byte, int, *[]byte) error
		maxDenom int
	}{
		{"turbo-full", gray, 1}, {"turbo-half", gray, 2}, {"turbo-eighth", gray, 8},
		{"turbo-rgb-full", rgb, 1}, {"turbo-rgb-half", rgb, 2},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var buf []byte
			for i := 0; i < b.N; i++ {
				if err := bc.decode(data, bc.maxDenom, &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("image-jpeg", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheckAgainstDecode puts the whole check (read and verdict) of
// three generated 12-megapixel photos beside libjpeg-turbo's full decode of
// the same photo, in the same iterations, and reports the ratios issue 7's
// aim is stated in (within twice the full decode), and the check's stages as
// BenchmarkReadStages does.
// The photos span the generator's range of weights: BenchmarkReadStages'
// photo (JPEG quality 89, noise 6.8, 2.4 bits a pixel) and two lighter ones
// (sheets 1 and 4), which decode faster while their header and handwriting
// cost as much or more.
func BenchmarkCheckAgainstDecode(b *testing.B) {
	form, sheets := ocrtest.BenchSheets(b, 0, 1, 4)
	r := ocr.NewReader(ocr.Config{}, ocrtest.Tesseract(b), newRecognizer(b), slog.New(slog.DiscardHandler))
	for _, sh := range sheets {
		b.Run(sh.Name(), func(b *testing.B) {
			var buf []byte
			var grey, rgb, check time.Duration
			stages := map[string]time.Duration{}
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := ocr.DecodeJPEGGray(sh.Photo, 1, 1, &buf); err != nil {
					b.Fatal(err)
				}
				decoded := time.Now()
				if _, err := ocr.DecodeJPEGRGB(sh.Photo, 1, 1, &buf); err != nil {
					b.Fatal(err)
				}
				read := time.Now()
				checkPhoto(b, r, form, sh.Photo, sh.Typed, stages)
				grey += decoded.Sub(start)
				rgb += read.Sub(decoded)
				check += time.Since(read)
			}
			b.ReportMetric(msPerOp(b, check), "check-ms/op")
			reportStages(b, stages)
			b.ReportMetric(msPerOp(b, grey), "grey-full-ms/op")
			b.ReportMetric(msPerOp(b, rgb), "rgb-full-ms/op")
			b.ReportMetric(float64(check)/float64(grey), "check/grey-full")
			b.ReportMetric(float64(check)/float64(rgb), "check/rgb-full")
		})
	}
}

// recordedLines is a TextReader that reads through t and keeps every read it
// is asked for, in order.
type recordedLines struct {
	t     *ocr.Tesseract
	lines []recordedLine
}

type recordedLine struct {
	img        *image.Gray
	digitsOnly bool
}

func (r *recordedLines) ReadLine(ctx context.Context, img *image.Gray, digitsOnly bool) (string, int, error) {
	r.lines = append(r.lines, recordedLine{img, digitsOnly})
	return r.t.ReadLine(ctx, img, digitsOnly)
}

// BenchmarkPrintedLines times Tesseract alone on each line image the check
// hands it, in the order it does (ms/op per read, named by its order and
// width), on the photos of BenchmarkCheckAgainstDecode. Tesseract's LSTM runs
// over a line scaled to a fixed height, so a read costs in proportion to the
// text's length.
func BenchmarkPrintedLines(b *testing.B) {
	form, sheets := ocrtest.BenchSheets(b, 0, 1, 4)
	tess := ocrtest.Tesseract(b)
	numbers := newRecognizer(b)
	for _, sh := range sheets {
		rec := &recordedLines{t: tess}
		r := ocr.NewReader(ocr.Config{}, rec, numbers, slog.New(slog.DiscardHandler))
		if _, err := r.Read(context.Background(), form, sh.Photo); err != nil {
			b.Fatal(err)
		}
		if len(rec.lines) < len(form.Printed) {
			b.Fatalf("%d Tesseract reads for %d printed values", len(rec.lines), len(form.Printed))
		}
		b.Run(sh.Name(), func(b *testing.B) {
			spent := make([]time.Duration, len(rec.lines))
			for i := 0; i < b.N; i++ {
				for k, l := range rec.lines {
					start := time.Now()
					if _, _, err := tess.ReadLine(context.Background(), l.img, l.digitsOnly); err != nil {
						b.Fatal(err)
					}
					spent[k] += time.Since(start)
				}
			}
			for k, l := range rec.lines {
				b.ReportMetric(msPerOp(b, spent[k]), fmt.Sprintf("read%d-%dpx-ms/op", k+1, l.img.Rect.Dx()))
			}
		})
	}
}
