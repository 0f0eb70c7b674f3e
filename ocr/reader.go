// Package ocr reads photographed result sheets: it decodes the photo safely,
// finds the page, registers it to the form's geometry, judges photo quality,
// reads the printed header with Tesseract and the handwritten counts through a
// Recognizer. It knows nothing of HTTP, databases or storage.
package ocr

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"strings"
	"time"
	"unicode"
)

// Sampling scales relative to the form's own pixel space (300 DPI).
const (
	// cellScale is the resolution handwritten cells are cut at (150 DPI).
	cellScale = 0.5
	// printedScale is the resolution printed header values are cut at.
	printedScale = 0.5
	// cellMarginX, cellMarginY extend a digits cell's crop (form pixels, and a
	// share of the cell height) because figures overflow their boxes.
	cellMarginX = 30
	cellMarginY = 0.5
)

// Config configures a Reader.
type Config struct {
	// MaxBytes is the largest photo accepted. Defaults to DefaultMaxBytes (25 MB).
	MaxBytes int64
	// MaxPixels is the largest photo accepted. Defaults to DefaultMaxPixels (50 MP).
	MaxPixels int
	// KeepPage makes Read return the whole rectified page (for people and
	// evidence); it costs a full-page warp. Defaults to false.
	KeepPage bool
}

// TextReader reads one printed line of text, with its confidence from 0 to
// 100, or a negative confidence when it cannot tell.
type TextReader interface {
	ReadLine(ctx context.Context, img *image.Gray, digitsOnly bool) (text string, confidence int, err error)
}

// Reader reads photographed sheets. It is safe for concurrent use when its
// TextReader and Recognizer are.
type Reader struct {
	cfg     Config
	text    TextReader
	numbers Recognizer
	log     *slog.Logger
}

// NewReader returns a Reader that reads printed values with text and
// handwritten counts with numbers.
func NewReader(cfg Config, text TextReader, numbers Recognizer, log *slog.Logger) *Reader {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = DefaultMaxPixels
	}
	return &Reader{cfg: cfg, text: text, numbers: numbers, log: log}
}

// IsInputError reports whether err means the photo itself was refused (not
// an image, too large, corrupt) rather than a fault of the reader.
func IsInputError(err error) bool {
	for _, e := range []error{ErrNotImage, ErrTooLarge, ErrTooSmall, ErrEmptyImage, ErrCorruptData} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Read reads one photo of a sheet of form. A photo in which no page is found
// is not an error: the Reading says so. Errors are refused input (see
// IsInputError) or cancellation.
func (r *Reader) Read(ctx context.Context, form *Form, data []byte) (*Reading, error) {
	rd := &Reading{
		FormID:       form.ID,
		Printed:      map[string]string{},
		Fields:       map[string]FieldReading{},
		PrintedCrops: map[string]*image.Gray{},
		Quality:      Quality{OK: false, Problems: []Problem{}},
	}
	clock := time.Now()
	stage := func(name string) {
		now := time.Now()
		rd.Stages = append(rd.Stages, Stage{Name: name, Duration: now.Sub(clock)})
		clock = now
	}

	g, err := decodeGray(data, r.cfg.MaxBytes, r.cfg.MaxPixels)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	stage("decode")

	// A photo taken sideways or upside down without an EXIF orientation is
	// turned until the form's lines are found where they belong.
	h, found, sheetSeen := r.locate(g, form)
	for _, turns := range []int{1, 3, 2} {
		if found >= goodLinesFound {
			break
		}
		tg := rotate90(g, turns)
		th, tf, ts := r.locate(tg, form)
		sheetSeen = sheetSeen || ts
		if tf > found {
			g, h, found = tg, th, tf
		}
	}
	stage("page")
	if found < minLinesFound {
		// A sheet of paper without this form's lines is most likely another form.
		code := ProblemNoPage
		if sheetSeen {
			code = ProblemFormNotSeen
		}
		rd.Quality.Problems = append(rd.Quality.Problems, problem(code))
		return rd, nil
	}
	rd.PageFound = true

	rd.Quality = assessQuality(g, form, h)
	stage("quality")

	for _, f := range form.Fields {
		rd.Fields[f.ID] = FieldReading{Crop: cutCell(g, h, f.DigitsBox)}
	}
	for _, p := range form.Printed {
		rd.PrintedCrops[p.ID] = cutPrinted(g, h, p.ValueBox)
	}
	if r.cfg.KeepPage {
		rd.Page = warpGray(g, h.compose(scaling(1/cellScale)), int(float64(form.WidthPx)*cellScale), int(float64(form.HeightPx)*cellScale))
		rd.PageScale = cellScale
	}
	stage("cells")

	for _, f := range form.Fields {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fr := rd.Fields[f.ID]
		num, err := r.numbers.ReadNumber(fr.Crop, DigitsCellRect(f.DigitsBox))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.ID, err)
		}
		fr.Number = num
		if v, conf, ok := bestValue(num); ok {
			fr.Value, fr.Confidence = &v, conf
		}
		rd.Fields[f.ID] = fr
	}
	stage("digits")

	for _, p := range form.Printed {
		// The district is snapped among the province's own, which the form
		// prints before it.
		v, err := r.readPrinted(ctx, p.ID, rd.PrintedCrops[p.ID], rd.Printed["il"])
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p.ID, err)
		}
		rd.Printed[p.ID] = v
	}
	stage("printed")
	return rd, nil
}

// readPrinted reads one printed header value, trying the next variant of the
// crop while the reading is implausible. A province, and a district of
// province il, are snapped to the nearest name the authority prints, and the
// next variant is tried while the reading is none of them.
func (r *Reader) readPrinted(ctx context.Context, id string, crop *image.Gray, il string) (string, error) {
	digitsOnly := isNumericPrinted(id)
	variants := textVariants(crop)
	if digitsOnly {
		return r.readPrintedNumber(ctx, variants)
	}
	var names []string
	switch id {
	case "il":
		names = provinces[:]
	case "ilce":
		names = districts[il]
	}
	var first, plausible string
	for i, v := range variants {
		s, _, err := r.text.ReadLine(ctx, v, false)
		if err != nil {
			return "", err
		}
		clean := cleanPrinted(s, false)
		if name, ok := nearestName(clean, names); ok {
			return name, nil
		}
		if i == 0 {
			first = clean
		}
		if plausiblePrinted(s, clean, false) {
			if names == nil {
				return clean, nil
			}
			plausible = cmp.Or(plausible, clean)
		}
	}
	return cmp.Or(plausible, first), nil
}

// readPrintedNumber reads a printed number from every variant and takes the
// reading most variants agree on, the longest among equals: on a blurred photo
// Tesseract drops digits more often than it invents them. Tesseract's LSTM
// with a digit whitelist drops digits too, so the whitelist is a last resort.
// A first reading Tesseract is sure of is taken alone: on 300 holdout sheets
// every one at sureNumber or above was right, and a second read costs as
// much as the first.
func (r *Reader) readPrintedNumber(ctx context.Context, variants []*image.Gray) (string, error) {
	votes := map[string]int{}
	for i, v := range variants {
		s, conf, err := r.text.ReadLine(ctx, v, false)
		if err != nil {
			return "", err
		}
		if clean := cleanPrinted(s, true); plausiblePrinted(s, clean, true) {
			if i == 0 && conf >= sureNumber {
				return clean, nil
			}
			votes[clean]++
			if votes[clean] == 2 {
				return clean, nil // two readings agree: a third cannot outvote them
			}
		}
	}
	if len(votes) == 0 {
		s, _, err := r.text.ReadLine(ctx, variants[0], true)
		if err != nil {
			return "", err
		}
		return cleanPrinted(s, true), nil
	}
	best := ""
	for s, n := range votes {
		if n > votes[best] || (n == votes[best] && (len(s) > len(best) || (len(s) == len(best) && s < best))) {
			best = s
		}
	}
	return best, nil
}

// sureNumber is the Tesseract confidence (0–100) at which a printed number's
// first reading is taken without a second one to agree with it.
const sureNumber = 90

// plausiblePrinted accepts a number read as nothing but digits, and a name
// made of at least two letters or digits and nothing but letters, digits,
// spaces and the punctuation names use.
func plausiblePrinted(raw, s string, digitsOnly bool) bool {
	if digitsOnly {
		return len(s) >= 1 && len(s) <= 6 && len(s) == len(strings.TrimSpace(raw))
	}
	n := 0
	for _, c := range s {
		switch {
		case unicode.IsUpper(c) || unicode.IsDigit(c):
			n++
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '\'':
		default:
			return false
		}
	}
	return n >= 2
}

// isNumericPrinted tells which printed header values are numbers.
func isNumericPrinted(id string) bool { return id == "sandik_no" }

// locate finds the page and returns the form→photo homography. It starts
// from the page's edges and, when they do not lead to the form's printed
// lines (a page on a white table, a photo cropped inside the page), from the
// table's printed grid.
// found is the share of the form's line measurements that found their line;
// sheetSeen reports whether a sheet of paper was seen at all.
func (r *Reader) locate(g *image.Gray, form *Form) (h homography, found float64, sheetSeen bool) {
	type start struct {
		h      homography
		search float64
	}
	var starts []start
	q, pageOK := findPage(g)
	if pageOK {
		fw, fh := float64(form.WidthPx), float64(form.HeightPx)
		if h, err := fitHomography([]pt{{0, 0}, {fw, 0}, {fw, fh}, {0, fh}}, q.Corners[:]); err == nil {
			// A scan's edges are the photo's, not the paper's: search wider.
			search := 40.0
			if q.Scan {
				search = 60
			}
			starts = append(starts, start{h, search})
		}
	}
	tableStart := func() (start, bool) {
		c, ok := findTable(g)
		if !ok {
			return start{}, false
		}
		t := form.TableOuterBox
		x0, y0, x1, y1 := float64(t.X), float64(t.Y), float64(t.X+t.W), float64(t.Y+t.H)
		h, err := fitHomography([]pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, c[:])
		return start{h, 40}, err == nil
	}
	var best homography
	bestFound, bestResid := 0.0, math.Inf(1)
	try := func(s start) {
		h, found, resid := refine(g, form, s.h, s.search)
		if found < minLinesFound {
			return
		}
		if h2, found2, resid2 := refine(g, form, h, 10); found2 >= found*0.8 && resid2 <= resid+0.5 {
			h, found, resid = h2, found2, resid2
		}
		if found > bestFound {
			best, bestFound, bestResid = h, found, resid
		}
	}
	for _, s := range starts {
		try(s)
	}
	if bestFound < goodLinesFound {
		if s, ok := tableStart(); ok {
			try(s)
		}
	}
	r.log.Debug("page located", "lines_found", bestFound, "residual", bestResid)
	return best, bestFound, pageOK
}

// rotate90 turns g clockwise by turns quarter turns.
func rotate90(g *image.Gray, turns int) *image.Gray {
	// EXIF orientations 6, 3 and 8 are the clockwise turns by 90°, 180° and 270°.
	return orient(g, [4]int{1, 6, 3, 8}[turns%4])
}

// Shares of the form's printed-line measurements that must find a line: below
// minLinesFound the form is not there; below goodLinesFound another start is tried.
const (
	minLinesFound  = 0.3
	goodLinesFound = 0.6
)

// cutCellRect returns the crop rectangle around a digits cell in form pixels
// and the cell's own rectangle inside the crop at cellScale.
func cutCellRect(b Box) (crop [4]float64, cell image.Rectangle) {
	my := float64(b.H) * cellMarginY
	x0, y0 := float64(b.X)-cellMarginX, float64(b.Y)-my
	x1, y1 := float64(b.X+b.W)+cellMarginX, float64(b.Y+b.H)+my
	cell = image.Rect(
		int(math.Round(cellMarginX*cellScale)), int(math.Round(my*cellScale)),
		int(math.Round((cellMarginX+float64(b.W))*cellScale)), int(math.Round((my+float64(b.H))*cellScale)))
	return [4]float64{x0, y0, x1, y1}, cell
}

// DigitsCellRect is where a digits cell lies inside the crop Read cuts for it.
func DigitsCellRect(b Box) image.Rectangle {
	_, cell := cutCellRect(b)
	return cell
}

func cutCell(g *image.Gray, h homography, b Box) *image.Gray {
	r, _ := cutCellRect(b)
	return cutRegion(g, h, r, cellScale)
}

func cutPrinted(g *image.Gray, h homography, b Box) *image.Gray {
	const inset = 8 // keep the cell's own borders out of Tesseract's view
	r := [4]float64{float64(b.X + inset), float64(b.Y + inset), float64(b.X + b.W - inset), float64(b.Y + b.H - inset)}
	return cutRegion(g, h, r, printedScale)
}

// textVariants readies a printed value for Tesseract in the ways worth trying
// in turn: as cut, then binarised, then contrast stretched (uneven light
// leaves grey paper); the last two each cropped to the ink with a white border, since Tesseract
// reads an isolated line best and misses text that touches the edge.
func textVariants(g *image.Gray) []*image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var hist [256]int
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	paper := percentile(hist, w*h, 0.97)
	ink := percentile(hist, w*h, 0.01)
	if paper-ink < 20 {
		return []*image.Gray{g}
	}
	// Stretching and binarising map each grey level to one value, so they are
	// worked out once a level, and only the pixels kept are mapped.
	var stretch, binary [256]uint8
	var stretchedHist [256]int
	for v := range stretch {
		s := (float64(v) - ink) * 255 / (paper - ink)
		stretch[v] = uint8(math.Max(0, math.Min(255, s)))
		stretchedHist[stretch[v]] += hist[v]
	}
	t := otsuHist(&stretchedHist, w*h)
	for v, s := range stretch {
		binary[v] = 255
		if s <= t {
			binary[v] = 0
		}
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		first := -1
		for x, v := range row {
			if binary[v] == 0 {
				first = x
				break
			}
		}
		if first < 0 {
			continue
		}
		last := first
		for x := w - 1; x > first; x-- {
			if binary[row[x]] == 0 {
				last = x
				break
			}
		}
		x0, y0, x1, y1 = min(x0, first), min(y0, y), max(x1, last), y
	}
	if x1 < 0 {
		return []*image.Gray{padWhite(g, image.Rect(0, 0, w, h), 0, &stretch)}
	}
	ink2 := image.Rect(x0, y0, x1+1, y1+1)
	// The photo's own pixels around the ink: Tesseract's time grows with the
	// width it is given, and most of a value cell is empty.
	around := image.Rect(x0-rawMargin, 0, x1+1+rawMargin, h).Intersect(g.Rect.Sub(g.Rect.Min))
	raw := image.NewGray(image.Rect(0, 0, around.Dx(), h))
	for y := 0; y < h; y++ {
		copy(raw.Pix[y*raw.Stride:y*raw.Stride+around.Dx()], g.Pix[y*g.Stride+around.Min.X:y*g.Stride+around.Max.X])
	}
	return []*image.Gray{raw, padWhite(g, ink2, 20, &binary), padWhite(g, ink2, 20, &stretch)}
}

// rawMargin is how much paper is kept left and right of a printed value.
const rawMargin = 48

// padWhite copies r out of g, each grey level v turned into level[v], onto
// white with a border of pad pixels.
func padWhite(g *image.Gray, r image.Rectangle, pad int, level *[256]uint8) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, r.Dx()+2*pad, r.Dy()+2*pad))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		dst := out.Pix[(y-r.Min.Y+pad)*out.Stride+pad:]
		for x, v := range g.Pix[y*g.Stride+r.Min.X : y*g.Stride+r.Max.X] {
			dst[x] = level[v]
		}
	}
	return out
}

// cutRegion samples the form rectangle r (x0,y0,x1,y1) from the photo at scale s.
func cutRegion(g *image.Gray, h homography, r [4]float64, s float64) *image.Gray {
	w := int(math.Round((r[2] - r[0]) * s))
	hh := int(math.Round((r[3] - r[1]) * s))
	// dst pixel (u,v) → form point (x0 + u/s, y0 + v/s) → photo.
	toForm := homography{1 / s, 0, r[0], 0, 1 / s, r[1], 0, 0, 1}
	return warpGray(g, h.compose(toForm), w, hh)
}

// bestValue turns per-digit distributions into the most likely figure and its probability.
func bestValue(n Number) (int, float64, bool) {
	if len(n.Digits) == 0 || len(n.Digits) > 9 {
		return 0, 0, false
	}
	v := 0
	p := n.SegConfidence
	if p == 0 {
		p = 1
	}
	for _, d := range n.Digits {
		best := 0
		for k := 1; k < 10; k++ {
			if d[k] > d[best] {
				best = k
			}
		}
		v = v*10 + best
		p *= d[best]
	}
	return v, p, true
}
