// Package synth makes photographed result sheets with ground truth, so that
// tutanak can be tested and evaluated without anyone's real sheets.
//
// A Generator draws a form from its definition alone (RenderBlank), prints
// realistic header values, writes figures that satisfy the form's rules by
// hand (MNIST digits and a handwriting-like words column), signs it, and
// photographs it: a phone photo on a table (perspective, tilt, uneven light,
// blur, noise, JPEG) or a flat scan. Each sheet comes with a Record in the
// truth.json format of the project's reference samples, including typed
// figures that carry a realistic data-entry error on a share of sheets.
//
// Typical use, with the MNIST test split so that a recogniser trained on the
// training split is evaluated on digits it has not seen:
//
//	dir, err := synth.MNISTDir()
//	digits, err := synth.NewMNISTDigits(dir, synth.SplitTest)
//	cfg := synth.DefaultConfig()
//	cfg.Count, cfg.Seed = 200, 7
//	g, err := synth.NewGenerator(form, digits, cfg)
//	recs, err := g.WriteDir(ctx, "out/")
package synth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/tutanak/tutanak/ocr"
)

// Defaults of Config.
const (
	DefaultCount      = 100
	DefaultSeed       = 1
	DefaultHardShare  = 0.15
	DefaultScanShare  = 0.15
	DefaultErrorShare = 0.5
)

// DefaultSizes are the phone photo sizes: 2, 3, 7 and 12 megapixels.
var DefaultSizes = [][2]int{{1200, 1600}, {1536, 2048}, {2250, 3000}, {3000, 4000}}

// DefaultScanSizes are flat scans of A4 at 300 and 150 DPI.
var DefaultScanSizes = [][2]int{{2480, 3508}, {1240, 1754}}

// Config sets what a Generator makes. Start from DefaultConfig: a zero share
// means none.
type Config struct {
	// Count is how many sheets WriteDir writes.
	Count int
	// Seed makes the output reproducible: sheet i depends on (Seed, i) only.
	Seed int64
	// ScanShare is the share of flat scans.
	ScanShare float64
	// HardShare is the share of phone photos that are deliberately bad.
	HardShare float64
	// ErrorShare is the share of sheets whose typed figures carry an error.
	ErrorShare float64
	// Sizes are the phone photo sizes (width, height), drawn uniformly.
	Sizes [][2]int
	// ScanSizes are the scan sizes (width, height), drawn uniformly.
	ScanSizes [][2]int
	// Lossless writes PNG instead of JPEG (no compression artefacts, for
	// tests); photo records then have jpeg_quality 0.
	Lossless bool
	// Workers is how many sheets WriteDir makes at once; 0 means GOMAXPROCS.
	Workers int
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Count:      DefaultCount,
		Seed:       DefaultSeed,
		ScanShare:  DefaultScanShare,
		HardShare:  DefaultHardShare,
		ErrorShare: DefaultErrorShare,
		Sizes:      DefaultSizes,
		ScanSizes:  DefaultScanSizes,
	}
}

// ErrInvalidConfig is returned by NewGenerator for an unusable Config.
var ErrInvalidConfig = errors.New("invalid generator config")

func (c Config) validate() error {
	for _, share := range []struct {
		name string
		v    float64
	}{{"scan share", c.ScanShare}, {"hard share", c.HardShare}, {"error share", c.ErrorShare}} {
		if share.v < 0 || share.v > 1 {
			return fmt.Errorf("%w: %s %v not in [0, 1]", ErrInvalidConfig, share.name, share.v)
		}
	}
	if c.Count < 0 || c.Workers < 0 {
		return fmt.Errorf("%w: negative count or workers", ErrInvalidConfig)
	}
	if len(c.Sizes) == 0 && c.ScanShare < 1 {
		return fmt.Errorf("%w: no photo sizes", ErrInvalidConfig)
	}
	if len(c.ScanSizes) == 0 && c.ScanShare > 0 {
		return fmt.Errorf("%w: no scan sizes", ErrInvalidConfig)
	}
	for _, s := range append(append([][2]int{}, c.Sizes...), c.ScanSizes...) {
		if s[0] < 200 || s[1] < 200 || s[0] > 10000 || s[1] > 10000 {
			return fmt.Errorf("%w: size %dx%d", ErrInvalidConfig, s[0], s[1])
		}
	}
	return nil
}

// Generator makes sheets of one form. It is safe for concurrent use.
type Generator struct {
	form   *ocr.Form
	digits Digits
	cfg    Config
	fonts  *fontSet
	blank  *image.RGBA
	log    *slog.Logger
}

// NewGenerator checks cfg and that the figure model fits form, and draws the
// blank form once.
func NewGenerator(form *ocr.Form, digits Digits, cfg Config) (*Generator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := checkForm(form); err != nil {
		return nil, err
	}
	fs, err := loadFonts()
	if err != nil {
		return nil, fmt.Errorf("new generator: %w", err)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Generator{form: form, digits: digits, cfg: cfg, fonts: fs, blank: renderBlank(form, fs), log: log}, nil
}

// fileName names sheet i the way the samples do.
func (g *Generator) fileName(i int) string {
	ext := "jpg"
	if g.cfg.Lossless {
		ext = "png"
	}
	return fmt.Sprintf("sheet-%04d.%s", i, ext)
}

// Render makes sheet i as an uncompressed image with its record. The same
// (seed, i) always gives the same image.
func (g *Generator) Render(i int) (*image.RGBA, Record, error) {
	img, rec, _, err := g.render(i)
	return img, rec, err
}

// render also returns the JPEG quality to save with, which scans keep
// out of their record.
func (g *Generator) render(i int) (*image.RGBA, Record, int, error) {
	rng := sheetRand(g.cfg.Seed, i)
	counts, err := makeCounts(g.form, rng)
	if err != nil {
		return nil, Record{}, 0, fmt.Errorf("sheet %d: %w", i, err)
	}
	printed := makePrinted(g.form, rng)
	typed, typedErrs := makeTyped(g.form, counts, g.pick(i, errorStep, g.cfg.ErrorShare), rng)

	page := image.NewRGBA(g.blank.Rect)
	copy(page.Pix, g.blank.Pix)
	g.fill(page, printed, counts, rng)

	var s shot
	hard := false
	if g.pick(i, scanStep, g.cfg.ScanShare) {
		s = planScan(rng, g.cfg.ScanSizes[rng.IntN(len(g.cfg.ScanSizes))])
	} else {
		hard = g.pick(i, hardStep, g.cfg.HardShare)
		aspect := float64(g.form.WidthPx) / float64(g.form.HeightPx)
		s = planPhoto(rng, g.cfg.Sizes[rng.IntN(len(g.cfg.Sizes))], aspect, hard)
	}
	img := photograph(page, s, rng)

	rec := Record{
		File:  g.fileName(i),
		Form:  g.form.ID,
		Truth: Truth{Printed: printed, Counts: counts},
		Typed: Typed{Counts: typed, Errors: typedErrs},
		Hard:  hard,
	}
	if !s.scan {
		rec.Photo = &Photo{
			Width: s.width, Height: s.height, PageCorners: s.corners,
			BlurSigma: s.blur, NoiseSigma: s.noise, DarkestLight: s.darkest, JPEGQuality: s.quality,
		}
		if g.cfg.Lossless {
			rec.Photo.JPEGQuality = 0
		}
	}
	return img, rec, s.quality, nil
}

// Sheet makes sheet i as an encoded image (JPEG, or PNG when
// Config.Lossless) and its record. The same (seed, i) gives the same bytes.
func (g *Generator) Sheet(i int) ([]byte, Record, error) {
	img, rec, quality, err := g.render(i)
	if err != nil {
		return nil, Record{}, err
	}
	var buf bytes.Buffer
	if g.cfg.Lossless {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, Record{}, fmt.Errorf("encode sheet %d: %w", i, err)
	}
	return buf.Bytes(), rec, nil
}

// fill prints the header values and writes, signs and fills in the page.
func (g *Generator) fill(page *image.RGBA, printed map[string]string, counts map[string]int, rng *rand.Rand) {
	scale := float64(g.form.DPI) / 300
	mono := newFace(g.fonts.monoBold, 46*scale)
	printInk := color.RGBA{12, 12, 12, 255}
	for _, p := range g.form.Printed {
		v := p.ValueBox
		drawText(page, mono, v.X+int(40*scale), v.Y+v.H/2+capMiddle(mono), printed[p.ID], printInk)
	}
	h := newHand(rng)
	for _, f := range g.form.Fields {
		writeNumber(page, f.DigitsBox, counts[f.ID], h, g.digits, rng)
		writeWords(page, f.WordsBox, counts[f.ID], h, g.fonts, rng)
	}
	for _, b := range g.form.SignatureBoxes {
		scribble(page, b, h, rng)
	}
}

// WriteDir writes Config.Count sheets (sheet-0000.jpg …) and their
// truth.json into dir, making Config.Workers sheets at once.
func (g *Generator) WriteDir(ctx context.Context, dir string) ([]Record, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write sheets: %w", err)
	}
	recs := make([]Record, g.cfg.Count)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	for range g.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				data, rec, err := g.Sheet(i)
				if err != nil {
					fail(err)
					continue
				}
				if err := os.WriteFile(filepath.Join(dir, rec.File), data, 0o644); err != nil {
					fail(fmt.Errorf("write sheet %d: %w", i, err))
					continue
				}
				recs[i] = rec
				g.log.Debug("sheet written", "file", rec.File, "bytes", len(data), "hard", rec.Hard, "scan", rec.Photo == nil)
			}
		}()
	}
	for i := 0; i < g.cfg.Count; i++ {
		select {
		case jobs <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("write sheets: %w", err)
	}
	if err := WriteTruth(filepath.Join(dir, "truth.json"), recs); err != nil {
		return nil, err
	}
	g.log.Info("sheets written", "dir", dir, "count", len(recs), "form", g.form.ID)
	return recs, nil
}

// sheetRand returns sheet i's random source. The seed and index are hashed
// so that neighbouring sheets do not start from related PCG states.
func sheetRand(seed int64, i int) *rand.Rand {
	a := splitmix(uint64(seed) ^ splitmix(uint64(i)))
	return rand.New(rand.NewPCG(a, splitmix(a)))
}

// splitmix is the SplitMix64 finaliser, a cheap good 64-bit hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Steps of the sequences that decide which sheets are scans, hard photos or
// carry typing errors: distinct irrationals keep the decisions unrelated.
const (
	errorStep = 0.6180339887498949 // golden ratio − 1
	scanStep  = 0.4142135623730951 // √2 − 1
	hardStep  = 0.7320508075688772 // √3 − 1
)

// pick decides whether sheet i gets a feature with the given share. A
// low-discrepancy sequence (i·step mod 1, from a seeded start) rather than a
// coin gives every run of sheets close to the share: 12 sheets at 0.5 have
// six errors, not anywhere from three to nine.
func (g *Generator) pick(i int, step, share float64) bool {
	start := float64(splitmix(uint64(g.cfg.Seed)^math.Float64bits(step))>>11) / (1 << 53)
	v := start + float64(i)*step
	return v-math.Floor(v) < share
}
