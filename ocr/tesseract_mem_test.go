package ocr

import (
	"context"
	"image"
	"image/draw"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// printedLine renders text the way the authority prints a header value:
// black sans-serif on white, with a margin.
func printedLine(tb testing.TB, text string) *image.Gray {
	tb.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		tb.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 18, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		tb.Fatal(err)
	}
	defer face.Close()
	w := font.MeasureString(face, text).Ceil() + 24
	img := image.NewGray(image.Rect(0, 0, w, 30))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(12, 22)}
	d.DrawString(text)
	return img
}

func newTestTesseract(tb testing.TB, gosseractText bool) *Tesseract {
	tb.Helper()
	t, err := NewTesseract(TesseractConfig{GosseractText: gosseractText})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(t.Close)
	return t
}

// TestGosseractLayout fails when a gosseract upgrade moves the fields the
// leak-free read relies on: the reader would still work, through gosseract's
// leaking Text, and only a warning in the log would say so.
func TestGosseractLayout(t *testing.T) {
	if _, err := gosseractLayout(); err != nil {
		t.Fatalf("leak-free text read unavailable (gosseract upgraded?): %v", err)
	}
	if tess := newTestTesseract(t, false); tess.layout == nil {
		t.Fatal("NewTesseract did not take the leak-free read")
	}
}

// TestTesseractTextSame checks that the leak-free read returns exactly what
// gosseract's Text returns.
func TestTesseractTextSame(t *testing.T) {
	contained, leaky := newTestTesseract(t, false), newTestTesseract(t, true)
	for _, tc := range []struct {
		name       string
		img        *image.Gray
		digitsOnly bool
	}{
		{"province", printedLine(t, "ANKARA"), false},
		{"district and neighbourhood", printedLine(t, "ÇANKAYA KIZILIRMAK MAH."), false},
		{"ballot box number", printedLine(t, "1042"), true},
		{"blank", image.NewGray(image.Rect(0, 0, 64, 32)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, conf, err := contained.ReadLine(context.Background(), tc.img, tc.digitsOnly)
			if err != nil {
				t.Fatal(err)
			}
			want, leakyConf, err := leaky.ReadLine(context.Background(), tc.img, tc.digitsOnly)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("leak-free read %q, gosseract's Text %q", got, want)
			}
			t.Logf("read %q with confidence %d", got, conf)
			if conf < 0 || conf > 100 {
				t.Errorf("leak-free read's confidence %d, want 0–100", conf)
			}
			if leakyConf != unknownConfidence {
				t.Errorf("gosseract's Text gave confidence %d, want %d (unknown)", leakyConf, unknownConfidence)
			}
		})
	}
}

// TestTesseractTextMemory reads a header line memCalls times through each
// path (issue 7). The leak-free read must grow neither the C heap nor the
// resident set beyond noise; gosseract's Text must grow the C heap by at least
// a malloc chunk a read, which shows the test sees the leak. The leak is
// asserted on malloc's bytes in use, not on RSS: a 32-byte string a read lands
// in holes the heap already has, so RSS shows it only over far more reads than
// a test can afford; RSS is bounded for the leak-free read and logged for both.
func TestTesseractTextMemory(t *testing.T) {
	const (
		memWarmUp = 200
		memCalls  = 3000
		// rssBound allows the Go runtime's noise (measured up to 45 bytes a
		// read) and is well under the 0.3 KB a read issue 7 reported.
		rssBound = memCalls * 128
		// gosseract's Text leaks the text, at least one 32-byte chunk a read.
		leakFloor = memCalls * 16
		// heapBound allows Tesseract's and libc's own caches, 4 bytes a read
		// (measured: -0.1 to +1.1).
		heapBound = memCalls * 4
	)
	// One OS thread, so that every call uses the same malloc arena and the
	// measurement does not depend on the scheduler.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	img := printedLine(t, "ANKARA")
	ctx := context.Background()
	warmUp := func(tess *Tesseract) {
		for range memWarmUp {
			if _, _, err := tess.ReadLine(ctx, img, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	measure := func(tess *Tesseract) (text string, rss, heap int64) {
		rss0, heap0 := settledRSS(t), cHeapBytes()
		for range memCalls {
			s, _, err := tess.ReadLine(ctx, img, false)
			if err != nil {
				t.Fatal(err)
			}
			text = s
		}
		return text, settledRSS(t) - rss0, int64(cHeapBytes()) - int64(heap0)
	}
	// The leak-free read first, so that it does not start on a heap the
	// leaking path has filled with holes.
	contained := newTestTesseract(t, false)
	warmUp(contained)
	textC, rssC, heapC := measure(contained)
	if rssC >= rssBound {
		// On a busy machine the runtime may start OS threads during the
		// reads, each with stack and malloc arena pages: a one-off step
		// (seen once in CI: 600 KB). A leak grows every window, so the
		// bound holds if it holds for the next 3000 reads.
		t.Logf("leak-free read grew RSS by %d B; measuring the next %d reads", rssC, memCalls)
		_, rssC, _ = measure(contained)
	}
	leaky := newTestTesseract(t, true)
	warmUp(leaky)
	textL, rssL, heapL := measure(leaky)
	t.Logf("%d reads of %q: leak-free: RSS %+d B (%+.1f B/read), C heap %+d B (%+.2f B/read); gosseract Text: RSS %+d B (%+.1f B/read), C heap %+d B (%+.2f B/read)",
		memCalls, textC, rssC, float64(rssC)/memCalls, heapC, float64(heapC)/memCalls,
		rssL, float64(rssL)/memCalls, heapL, float64(heapL)/memCalls)
	if textC != textL || textC == "" {
		t.Errorf("leak-free read %q, gosseract's Text %q", textC, textL)
	}
	if heapC >= heapBound {
		t.Errorf("leak-free read grew the C heap by %d B over %d reads, bound %d", heapC, memCalls, heapBound)
	}
	if rssC >= rssBound {
		t.Errorf("leak-free read grew RSS by %d B over %d reads, bound %d", rssC, memCalls, rssBound)
	}
	if heapL < leakFloor || heapL <= heapC {
		t.Errorf("gosseract's Text grew the C heap by %d B, leak-free %d B: the test no longer sees the leak", heapL, heapC)
	}
}

// settledRSS is the resident set once the Go heap has returned its free pages.
func settledRSS(tb testing.TB) int64 {
	tb.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		tb.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		tb.Fatalf("short /proc/self/statm %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
