package synth

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomediumitalic"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/tutanak/tutanak/ocr"
)

// Line widths of the printed form, in form pixels (300 DPI), like the
// authority's sheet: cell lines and the heavier outline of the count table.
const (
	lineWidth  = 3
	outerWidth = 5
	// noColumnWidth is the width of the "No" column of the count table; the
	// form definition does not give it because nothing is read there.
	noColumnWidth = 110
)

// fontSet holds the parsed Go fonts; sfnt fonts are safe for concurrent use,
// faces are not, so faces are made where they are used.
type fontSet struct {
	regular, bold, monoBold, italic, mediumItalic *opentype.Font
}

func loadFonts() (*fontSet, error) {
	var fs fontSet
	for _, f := range []struct {
		dst  **opentype.Font
		data []byte
		name string
	}{
		{&fs.regular, goregular.TTF, "regular"},
		{&fs.bold, gobold.TTF, "bold"},
		{&fs.monoBold, gomonobold.TTF, "mono bold"},
		{&fs.italic, goitalic.TTF, "italic"},
		{&fs.mediumItalic, gomediumitalic.TTF, "medium italic"},
	} {
		parsed, err := opentype.Parse(f.data)
		if err != nil {
			return nil, fmt.Errorf("parse go %s font: %w", f.name, err)
		}
		*f.dst = parsed
	}
	return &fs, nil
}

// newFace returns a face whose size is given in pixels.
func newFace(f *opentype.Font, px float64) font.Face {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		// NewFace fails only on invalid options, and these are constant.
		panic(fmt.Sprintf("synth: new face: %v", err))
	}
	return face
}

// drawText writes s with its baseline at y starting at x.
func drawText(dst draw.Image, face font.Face, x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(col), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func textWidth(face font.Face, s string) int {
	return font.MeasureString(face, s).Ceil()
}

// capMiddle is the offset from a text's visual middle to its baseline for
// capitals and digits.
func capMiddle(face font.Face) int {
	b, _, _ := face.GlyphBounds('H')
	return -b.Min.Y.Round() / 2
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Rect), image.NewUniform(c), image.Point{}, draw.Src)
}

// strokeBox draws the box's outline inside it, w pixels wide. Neighbouring
// boxes of the form overlap by the line width, so they share one line.
func strokeBox(img *image.RGBA, r image.Rectangle, w int) {
	black := color.RGBA{A: 255}
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), black)
	fillRect(img, image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), black)
	fillRect(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), black)
	fillRect(img, image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), black)
}

// titleLines derives the printed heading from a title like
// "Cumhurbaşkanı Seçimi Sandık Sonuç Tutanağı (14 Mayıs 2023)".
func titleLines(title string) (heading []string, date string) {
	upper := func(s string) string { return strings.ToUpperSpecial(unicode.TurkishCase, strings.TrimSpace(s)) }
	rest := title
	if i := strings.Index(title, "("); i >= 0 {
		if j := strings.Index(title[i:], ")"); j > 0 {
			date = "Seçim Tarihi: " + strings.TrimSpace(title[i+1:i+j])
		}
		rest = title[:i]
	}
	heading = []string{"T.C. YÜKSEK SEÇİM KURULU"}
	const doc = "Sandık Sonuç Tutanağı"
	if i := strings.Index(rest, doc); i > 0 {
		heading = append(heading, upper(rest[:i]), upper(rest[i:]))
	} else {
		heading = append(heading, upper(rest))
	}
	return heading, date
}

// sectionTitles are the printed headings of table sections after the first.
var sectionTitles = map[string]string{
	"adaylar": "ADAYLARIN ALDIKLARI GEÇERLİ OY SAYILARI",
}

// RenderBlank draws the empty form at the form's own pixel size from its
// definition alone: heading, header table, count table and signature boxes.
func RenderBlank(form *ocr.Form) (*image.RGBA, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, fmt.Errorf("render blank %s: %w", form.ID, err)
	}
	return renderBlank(form, fs), nil
}

func renderBlank(form *ocr.Form, fs *fontSet) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, form.WidthPx, form.HeightPx))
	fillRect(img, img.Rect, color.RGBA{255, 255, 255, 255})
	black := color.RGBA{A: 255}
	scale := float64(form.DPI) / 300
	if scale <= 0 {
		scale = 1
	}
	px := func(v float64) int { return int(v*scale + 0.5) }
	title := newFace(fs.bold, 66*scale)
	text := newFace(fs.regular, 40*scale)
	small := newFace(fs.regular, 28*scale)
	centre := func(face font.Face, s string, cx, y int) {
		drawText(img, face, cx-textWidth(face, s)/2, y, s, black)
	}

	heading, date := titleLines(form.Title)
	y := px(255)
	for _, line := range heading {
		centre(title, line, form.WidthPx/2, y)
		y += px(102)
	}
	if date != "" {
		centre(text, date, form.WidthPx/2, y-px(20))
	}

	// Header table: label cell from the table's left edge to the value cell.
	left := form.TableOuterBox.X
	for _, p := range form.Printed {
		v := p.ValueBox.Rect()
		label := image.Rect(left, v.Min.Y, v.Min.X+lineWidth, v.Max.Y)
		strokeBox(img, label, lineWidth)
		strokeBox(img, v, lineWidth)
		drawText(img, text, left+px(30), (v.Min.Y+v.Max.Y)/2+capMiddle(text), p.Label, black)
	}

	outer := form.TableOuterBox.Rect()
	if len(form.Fields) > 0 {
		first := form.Fields[0]
		head := image.Rect(outer.Min.X, outer.Min.Y, outer.Max.X, first.DigitsBox.Y+lineWidth)
		strokeBox(img, head, lineWidth)
		base := (head.Min.Y+head.Max.Y)/2 + capMiddle(text)
		drawText(img, text, outer.Min.X+px(25), base, "No", black)
		drawText(img, text, outer.Min.X+noColumnWidth+px(30), base, "Açıklama", black)
		drawText(img, text, first.DigitsBox.X+px(40), base, "Rakamla", black)
		drawText(img, text, first.WordsBox.X+px(45), base, "Yazıyla", black)
	}
	num := 0
	for i, f := range form.Fields {
		if i > 0 && f.Section != form.Fields[i-1].Section {
			prev := form.Fields[i-1].DigitsBox
			row := image.Rect(outer.Min.X, prev.Y+prev.H-lineWidth, outer.Max.X, f.DigitsBox.Y+lineWidth)
			strokeBox(img, row, lineWidth)
			name, ok := sectionTitles[f.Section]
			if !ok {
				name = strings.ToUpperSpecial(unicode.TurkishCase, f.Section)
			}
			centre(text, name, outer.Min.X+outer.Dx()/2, (row.Min.Y+row.Max.Y)/2+capMiddle(text))
			num = 0
		}
		num++
		d := f.DigitsBox.Rect()
		noCell := image.Rect(outer.Min.X, d.Min.Y, outer.Min.X+noColumnWidth+lineWidth, d.Max.Y)
		labelCell := image.Rect(noCell.Max.X-lineWidth, d.Min.Y, d.Min.X+lineWidth, d.Max.Y)
		strokeBox(img, noCell, lineWidth)
		strokeBox(img, labelCell, lineWidth)
		strokeBox(img, d, lineWidth)
		strokeBox(img, f.WordsBox.Rect(), lineWidth)
		drawText(img, text, noCell.Min.X+px(25), (d.Min.Y+d.Max.Y)/2+capMiddle(text)+px(12), fmt.Sprint(num), black)
		drawText(img, text, labelCell.Min.X+px(25), d.Min.Y+px(52), f.Label, black)
	}
	strokeBox(img, outer, outerWidth)

	for i, s := range form.SignatureBoxes {
		r := s.Rect()
		strokeBox(img, r, lineWidth)
		role := "Üye"
		if i == 0 {
			role = "Sandık Kurulu Başkanı"
		}
		drawText(img, small, r.Min.X+px(18), r.Min.Y+px(45), role, black)
		drawText(img, small, r.Min.X+px(18), r.Max.Y-px(20), "İmza", black)
	}
	if len(form.SignatureBoxes) > 0 {
		drawText(img, small, form.SignatureBoxes[0].X, form.SignatureBoxes[0].Y-px(55),
			"Bu tutanak sandık kurulunca sayım ve döküm sonunda düzenlenmiş, okunarak imza altına alınmıştır.", black)
	}
	return img
}
