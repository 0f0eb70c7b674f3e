package digits

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Geometry of a synthetic cell, as the page reader cuts it at 150 DPI.
const (
	synthCellW   = 210
	synthCellH   = 62
	synthMarginX = 15
	synthMarginY = 31
)

// synthCell is a generated cell crop with the figure written in it.
type synthCell struct {
	crop     *image.Gray
	cell     image.Rectangle // as a page reader would report it, a few px off
	value    int
	digits   int  // 0 for an empty cell
	touching bool // two of the digits touch or overlap
}

// byLabel indexes a set's images by digit.
func byLabel(s *Set) [Classes][]int {
	var out [Classes][]int
	for i, l := range s.Labels {
		out[l] = append(out[l], i)
	}
	return out
}

// makeCell draws a number of 0–3 digits (taken from set) into a printed box
// photographed like a phone does: shading, blue or black ink, figures
// overflowing the lines, touching neighbours, ink from the rows above and
// below, blur, noise and JPEG.
func makeCell(rng *rand.Rand, set *Set, idx *[Classes][]int, nDigits int) synthCell {
	w, h := synthCellW+2*synthMarginX, synthCellH+2*synthMarginY
	cell := image.Rect(synthMarginX, synthMarginY, synthMarginX+synthCellW, synthMarginY+synthCellH)
	// Light falls on paper, lines and ink alike, so all three scale with it.
	light := 200 + rng.Float64()*55
	paper := light * (0.85 + rng.Float64()*0.1)
	shadeX, shadeY := (rng.Float64()*2-1)*0.08, (rng.Float64()*2-1)*0.1
	img := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img[y*w+x] = paper + shadeX*float64(x-w/2) + shadeY*float64(y-h/2)
		}
	}

	// Printed lines: thin, dark, nearly level.
	lineGrey := light * (0.1 + rng.Float64()*0.2)
	thick := 1 + rng.IntN(3)
	slope := (rng.Float64()*2 - 1) * 0.008
	for _, y0 := range []int{cell.Min.Y, cell.Max.Y - 1} {
		for x := 0; x < w; x++ {
			yc := float64(y0) + slope*float64(x-w/2)
			for t := 0; t < thick; t++ {
				setMin(img, w, h, x, int(math.Round(yc))+t-thick/2, lineGrey)
			}
		}
	}
	for _, x0 := range []int{cell.Min.X, cell.Max.X - 1} {
		for y := 0; y < h; y++ {
			xc := float64(x0) - slope*float64(y-h/2)
			for t := 0; t < thick; t++ {
				setMin(img, w, h, int(math.Round(xc))+t-thick/2, y, lineGrey)
			}
		}
	}

	ink := light * (0.35 + rng.Float64()*0.25) // blue pen
	if rng.IntN(3) == 0 {
		ink = light * (0.05 + rng.Float64()*0.2) // black pen
	}

	value := 0
	touching := false
	if nDigits > 0 {
		height := 32 + rng.Float64()*28
		x := float64(cell.Min.X) + 4 + rng.Float64()*40
		yMid := float64(cell.Min.Y+cell.Max.Y)/2 + (rng.Float64()*2-1)*13
		for d := 0; d < nDigits; d++ {
			digit := rng.IntN(Classes)
			if d == 0 && nDigits > 1 {
				digit = 1 + rng.IntN(Classes-1)
			}
			value = value*10 + digit
			src := set.Image(idx[digit][rng.IntN(len(idx[digit]))])
			dh := height * (1 + (rng.Float64()*2-1)*0.08)
			right := drawDigit(img, w, h, src, x, yMid+(rng.Float64()*2-1)*4, dh, paper, ink)
			gap := 2 + rng.Float64()*12
			if rng.IntN(4) == 0 {
				gap = -rng.Float64() * 5 // touching the next digit
				touching = touching || d+1 < nDigits
			}
			x = right + gap
		}
	}

	// Figures of the rows above and below reaching into the crop's margins.
	if rng.IntN(3) == 0 {
		src := set.Image(rng.IntN(set.Len()))
		dh := 34 + rng.Float64()*20
		drawDigit(img, w, h, src, float64(cell.Min.X)+rng.Float64()*120, float64(cell.Min.Y)-dh/2-2-rng.Float64()*10, dh, paper, ink)
	}
	if rng.IntN(3) == 0 {
		src := set.Image(rng.IntN(set.Len()))
		dh := 34 + rng.Float64()*20
		drawDigit(img, w, h, src, float64(cell.Min.X)+rng.Float64()*120, float64(cell.Max.Y)+dh/2+2+rng.Float64()*10, dh, paper, ink)
	}

	img = gaussBlur(img, w, h, 0.5+rng.Float64()*0.8)
	noise := 2 + rng.Float64()*4
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range img {
		v += noise * rng.NormFloat64()
		g.Pix[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: 55 + rng.IntN(36)}); err != nil {
		panic(err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		panic(err)
	}
	out := image.NewGray(dec.Bounds())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, _, _, _ := dec.At(x, y).RGBA()
			out.Pix[y*out.Stride+x] = uint8(r >> 8)
		}
	}
	jitter := func() int { return rng.IntN(7) - 3 }
	reported := cell.Add(image.Pt(jitter(), jitter()))
	return synthCell{crop: out, cell: reported, value: value, digits: nDigits, touching: touching}
}

// drawDigit paints an MNIST digit (white on black) as ink whose box starts at
// x and is height px tall, centred on yMid. It returns the right edge of the ink.
func drawDigit(img []float64, w, h int, src []byte, x, yMid, height, paper, ink float64) float64 {
	x0, y0, x1, y1 := Side, Side, -1, -1
	for i, v := range src {
		if v > 0 {
			px, py := i%Side, i/Side
			x0, y0, x1, y1 = min(x0, px), min(y0, py), max(x1, px), max(y1, py)
		}
	}
	if x1 < 0 {
		return x
	}
	s := height / float64(y1-y0+1)
	top := yMid - height/2
	outW := float64(x1-x0+1) * s
	for oy := int(top); oy <= int(top+height)+1; oy++ {
		for ox := int(x); ox <= int(x+outW)+1; ox++ {
			u := float64(x0) + (float64(ox)+0.5-x)/s - 0.5
			v := float64(y0) + (float64(oy)+0.5-top)/s - 0.5
			d := sampleBytes(src, u, v)
			if d > 0 {
				setMin(img, w, h, ox, oy, paper-d*(paper-ink))
			}
		}
	}
	return x + outW
}

func sampleBytes(src []byte, u, v float64) float64 {
	xi, yi := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(xi), v-float64(yi)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= Side || y >= Side {
			return 0
		}
		return float64(src[y*Side+x]) / 255
	}
	return (at(xi, yi)*(1-fx)+at(xi+1, yi)*fx)*(1-fy) + (at(xi, yi+1)*(1-fx)+at(xi+1, yi+1)*fx)*fy
}

func setMin(img []float64, w, h, x, y int, v float64) {
	if x >= 0 && y >= 0 && x < w && y < h && v < img[y*w+x] {
		img[y*w+x] = v
	}
}

func gaussBlur(img []float64, w, h int, sigma float64) []float64 {
	r := int(math.Ceil(2.5 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, len(img))
	out := make([]float64, len(img))
	clampi := func(v, hi int) int { return max(0, min(v, hi-1)) }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			for i, kv := range k {
				s += kv * img[y*w+clampi(x+i-r, w)]
			}
			tmp[y*w+x] = s
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			for i, kv := range k {
				s += kv * tmp[clampi(y+i-r, h)*w+x]
			}
			out[y*w+x] = s
		}
	}
	return out
}
