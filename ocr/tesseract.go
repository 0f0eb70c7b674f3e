package ocr

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"unicode"

	"github.com/otiai10/gosseract/v2"
)

// Tesseract reads printed text with libtesseract. A Tesseract handle is not
// safe for concurrent use, so it keeps a pool of them.
type Tesseract struct {
	pool chan *tessPair
	// layout locates gosseract's handle and image for the leak-free read;
	// nil reads through gosseract's Text.
	layout *clientLayout
}

// tessPair is one handle for free text and one restricted to digits: switching
// a handle's whitelist back and forth would cost a re-initialisation.
type tessPair struct {
	text, digits *tessHandle
}

// TesseractConfig configures the printed-text reader.
type TesseractConfig struct {
	// Language is the Tesseract language model. Defaults to "tur".
	Language string
	// Handles is how many reads may run at once. Defaults to 1.
	Handles int
	// GosseractText reads through gosseract's Text, which leaks the text's C
	// memory on every read (issue 7). Only for measuring that leak.
	GosseractText bool
	// Logger receives the warning when the leak-free read is unavailable.
	// Defaults to discarding.
	Logger *slog.Logger
}

// Defaults for TesseractConfig.
const (
	DefaultTesseractLanguage = "tur"
	DefaultTesseractHandles  = 1
)

// NewTesseract starts the handles; Close frees them.
func NewTesseract(cfg TesseractConfig) (*Tesseract, error) {
	if cfg.Language == "" {
		cfg.Language = DefaultTesseractLanguage
	}
	if cfg.Handles <= 0 {
		cfg.Handles = DefaultTesseractHandles
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t := &Tesseract{pool: make(chan *tessPair, cfg.Handles)}
	if !cfg.GosseractText {
		layout, err := gosseractLayout()
		if err != nil {
			// A gosseract upgrade moved the fields: reads still work, and leak.
			cfg.Logger.Warn("tesseract: leak-free text read unavailable, using gosseract's Text", "err", err)
		} else {
			t.layout = &layout
		}
	}
	blank := image.NewGray(image.Rect(0, 0, 64, 32))
	for i := 0; i < cfg.Handles; i++ {
		p := &tessPair{text: &tessHandle{c: gosseract.NewClient()}, digits: &tessHandle{c: gosseract.NewClient()}}
		t.pool <- p
		for _, h := range []*tessHandle{p.text, p.digits} {
			if err := h.c.SetLanguage(cfg.Language); err != nil {
				t.Close()
				return nil, fmt.Errorf("tesseract language: %w", err)
			}
			// gosseract's SetPageSegMode before the lazy Init is lost when Init
			// recreates the engine; variables are applied after Init.
			_ = h.c.SetVariable("tessedit_pageseg_mode", "7") // a single text line
			_ = h.c.DisableOutput()                           // Tesseract's diagnostics go to stderr otherwise
		}
		_ = p.digits.c.SetWhitelist("0123456789")
		// Initialise every handle now, through gosseract: a missing language
		// pack fails at start, not on the first sheet, and every later read
		// can take the leak-free path.
		for _, h := range []*tessHandle{p.text, p.digits} {
			if _, _, err := h.read(t.layout, blank); err != nil {
				t.Close()
				return nil, fmt.Errorf("tesseract start: %w", err)
			}
		}
	}
	return t, nil
}

// Close frees the handles.
func (t *Tesseract) Close() {
	for {
		select {
		case p := <-t.pool:
			p.text.c.Close()
			p.digits.c.Close()
		default:
			return
		}
	}
}

// unknownConfidence is the confidence of a read that did not report one.
const unknownConfidence = -1

// ReadLine reads one printed line; digitsOnly restricts it to 0–9. The
// confidence is Tesseract's mean word confidence (0–100), or -1 when the read
// went through gosseract's Text, which does not report one.
func (t *Tesseract) ReadLine(ctx context.Context, img *image.Gray, digitsOnly bool) (string, int, error) {
	var p *tessPair
	select {
	case p = <-t.pool:
	case <-ctx.Done():
		return "", 0, ctx.Err()
	}
	defer func() { t.pool <- p }()
	h := p.text
	if digitsOnly {
		h = p.digits
	}
	s, conf, err := h.read(t.layout, img)
	if err != nil {
		return "", 0, fmt.Errorf("tesseract: %w", err)
	}
	return s, conf, nil
}

// cleanPrinted tidies Tesseract's reading of a printed header value: the
// authority prints upper case, so lower-case letters are Turkish-upper-cased,
// and stray marks from cell borders at either end are dropped.
func cleanPrinted(s string, digitsOnly bool) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	if digitsOnly {
		var b strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	s = strings.ToUpperSpecial(unicode.TurkishCase, s)
	s = strings.TrimFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != ')'
	})
	s = strings.Join(strings.Fields(s), " ")
	// The abbreviation's full stop is the mark Tesseract most often drops.
	if strings.HasSuffix(s, " MAH") {
		s += "."
	}
	return s
}
