package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/tutanak/tutanak/ocr"
)

// hand is one committee member's way of writing, fixed for a sheet.
type hand struct {
	ink color.RGBA
	// digitHeight is the usual height of a written digit in form pixels.
	digitHeight float64
	// threshold shapes MNIST grey levels into ink coverage; lower is bolder.
	threshold float64
	slant     float64
	// wordSize is the pixel size of the words column's writing.
	wordSize float64
	// plain writes the words without Turkish diacritics.
	plain bool
}

func newHand(rng *rand.Rand) hand {
	h := hand{
		digitHeight: 60 + 35*rng.Float64(),
		threshold:   20 + 70*rng.Float64(),
		slant:       (rng.Float64() - 0.5) * 0.25,
		wordSize:    36 + 14*rng.Float64(),
		plain:       rng.Float64() < 0.3,
	}
	if rng.Float64() < 0.65 {
		// Ballpoint blues, from royal to navy.
		h.ink = color.RGBA{uint8(15 + rng.IntN(30)), uint8(25 + rng.IntN(40)), uint8(110 + rng.IntN(70)), 255}
	} else {
		g := uint8(15 + rng.IntN(30))
		h.ink = color.RGBA{g, g, g + uint8(rng.IntN(12)), 255}
	}
	return h
}

// inkPixel moves a paper pixel towards the ink colour by coverage a (0–1),
// never lightening it, so printed lines stay black under the ink and strokes
// drawn over themselves keep the ink's colour.
func inkPixel(p []uint8, ink color.RGBA, a float64) {
	if a <= 0 {
		return
	}
	if a > 1 {
		a = 1
	}
	mix := func(v, c uint8) uint8 {
		m := float64(v)*(1-a) + float64(c)*a
		if m < float64(v) {
			return uint8(m + 0.5)
		}
		return v
	}
	p[0], p[1], p[2] = mix(p[0], ink.R), mix(p[1], ink.G), mix(p[2], ink.B)
}

// writeNumber writes v by hand in the digits cell: from near its left edge,
// digit by digit with uneven gaps (sometimes touching), a wandering baseline,
// and now and then over the cell's lines.
func writeNumber(page *image.RGBA, cell ocr.Box, v int, h hand, digits Digits, rng *rand.Rand) {
	s := strconv.Itoa(v)
	x := float64(cell.X) + 15 + 50*rng.Float64()
	mid := float64(cell.Y) + float64(cell.H)/2 + (rng.Float64()-0.5)*30
	size := h.digitHeight * (0.9 + 0.2*rng.Float64())
	for _, c := range s {
		img := digits.Digit(int(c-'0'), rng)
		height := size * (0.92 + 0.16*rng.Float64())
		top := mid - height/2 + (rng.Float64()-0.5)*16
		w := writeDigit(page, img, x, top, height, h, rng)
		x += w + (rng.Float64()*38 - 6)
	}
}

// writeDigit draws an MNIST digit scaled so that its ink is height pixels
// tall with its top-left at (x, top), and returns its width.
func writeDigit(page *image.RGBA, g *image.Gray, x, top, height float64, h hand, rng *rand.Rand) float64 {
	// Ink bounds of the 28×28 image.
	b := image.Rectangle{Min: g.Rect.Max, Max: g.Rect.Min}
	for yy := g.Rect.Min.Y; yy < g.Rect.Max.Y; yy++ {
		for xx := g.Rect.Min.X; xx < g.Rect.Max.X; xx++ {
			if g.Pix[g.PixOffset(xx, yy)] > 40 {
				b = b.Union(image.Rect(xx, yy, xx+1, yy+1))
			}
		}
	}
	if b.Empty() {
		return 0
	}
	scale := height / float64(b.Dy())
	width := float64(b.Dx()) * scale
	slant := h.slant + (rng.Float64()-0.5)*0.1
	lo := h.threshold + (rng.Float64()-0.5)*20
	hi := lo + 110
	x0 := int(x + math.Min(0, -slant*height) - 2)
	x1 := int(x + width + math.Max(0, -slant*height) + 3)
	y0, y1 := int(top)-2, int(top+height)+3
	r := image.Rect(x0, y0, x1, y1).Intersect(page.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		// Lean: the top of a digit moves right by slant per pixel of height.
		shift := slant * (top + height - float64(py))
		sy := (float64(py)-top)/scale + float64(b.Min.Y) - 0.5
		for px := r.Min.X; px < r.Max.X; px++ {
			sx := (float64(px)-x-shift)/scale + float64(b.Min.X) - 0.5
			v := sampleGray(g, sx, sy)
			a := (v - lo) / (hi - lo)
			if a <= 0 {
				continue
			}
			inkPixel(page.Pix[page.PixOffset(px, py):], h.ink, a)
		}
	}
	return width
}

// sampleGray samples g bilinearly; outside it is black (no ink).
func sampleGray(g *image.Gray, x, y float64) float64 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(xx, yy int) float64 {
		if xx < g.Rect.Min.X || yy < g.Rect.Min.Y || xx >= g.Rect.Max.X || yy >= g.Rect.Max.Y {
			return 0
		}
		return float64(g.Pix[g.PixOffset(xx, yy)])
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bot*fy
}

// writeWords writes the figure in words in the words cell, glyph by glyph
// with uneven size and baseline, as a hand would.
func writeWords(page *image.RGBA, cell ocr.Box, v int, h hand, fs *fontSet, rng *rand.Rand) {
	text := NumberWords(v)
	if h.plain {
		text = asciiFold.Replace(text)
	}
	f := fs.italic
	if rng.Float64() < 0.5 {
		f = fs.mediumItalic
	}
	faces := make([]font.Face, 4)
	for i := range faces {
		faces[i] = newFace(f, h.wordSize*(0.9+0.06*float64(i)))
	}
	x := float64(cell.X) + 20 + 45*rng.Float64()
	base := float64(cell.Y) + float64(cell.H)/2 + 12 + (rng.Float64()-0.5)*24
	src := image.NewUniform(h.ink)
	limit := float64(cell.X + cell.W - 10)
	for _, r := range text {
		face := faces[rng.IntN(len(faces))]
		adv, ok := face.GlyphAdvance(r)
		if !ok {
			continue
		}
		if x+float64(adv.Round()) > limit {
			// A hand squeezes the end of a long word; the font cannot, so
			// the rest goes smaller.
			face = faces[0]
			adv, _ = face.GlyphAdvance(r)
		}
		d := font.Drawer{Dst: page, Src: src, Face: face,
			Dot: fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6((base + (rng.Float64()-0.5)*6) * 64)}}
		d.DrawString(string(r))
		x += float64(adv) / 64 * (0.95 + 0.1*rng.Float64())
	}
}

// scribble signs in a signature box: a few loops of one pen stroke.
func scribble(page *image.RGBA, box ocr.Box, h hand, rng *rand.Rand) {
	cx := float64(box.X) + float64(box.W)*(0.45+0.1*rng.Float64())
	cy := float64(box.Y) + float64(box.H)*(0.5+0.08*(rng.Float64()-0.5))
	span := float64(box.W) * (0.45 + 0.2*rng.Float64())
	loops := 4 + rng.IntN(4)
	rx := span / float64(loops) * (0.7 + 0.4*rng.Float64())
	ry := float64(box.H) * (0.1 + 0.08*rng.Float64())
	width := 2.8 + 1.6*rng.Float64()
	phase := rng.Float64() * 2 * math.Pi
	wobble := rng.Float64() * 2 * math.Pi
	steps := int(span * 6)
	// One or two passes: a hurried signature often goes back over itself.
	for pass := range 1 + rng.IntN(2) {
		phase += float64(pass) * (1 + rng.Float64())
		for i := 0; i <= steps; i++ {
			t := float64(i) / float64(steps)
			a := 2*math.Pi*float64(loops)*t + phase
			x := cx - span/2 + span*t + rx*math.Cos(a)
			y := cy + ry*math.Sin(a)*(1+0.35*math.Sin(3*math.Pi*t+wobble)) - 0.15*ry*math.Sin(2*math.Pi*t)
			dab(page, x, y, width, h.ink)
		}
	}
}

// dab inks a small anti-aliased disc, the pen's footprint.
func dab(page *image.RGBA, x, y, radius float64, ink color.RGBA) {
	r := image.Rect(int(x-radius-1), int(y-radius-1), int(x+radius+2), int(y+radius+2)).Intersect(page.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			d := math.Hypot(float64(px)+0.5-x, float64(py)+0.5-y)
			// A light dab per step: the stroke darkens where steps overlap.
			a := (radius + 0.5 - d) * 0.35
			inkPixel(page.Pix[page.PixOffset(px, py):], ink, a)
		}
	}
}
