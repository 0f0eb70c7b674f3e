package digits

import (
	"math"
	"math/rand/v2"
)

// Augmentation ranges. They are wide enough to cover figures cut from phone
// photos (tilted, thick or thin pens, blur, leftovers of the cell's printed
// lines) while keeping every digit recognisable.
const (
	augShift    = 2.0                // px, each axis
	augRotate   = 12 * math.Pi / 180 // radians, either way
	augScaleMin = 0.85               // relative size
	augScaleMax = 1.15               //
	augShear    = 0.25               // x shift per y
	augAspect   = 0.10               // extra x/y scale difference
	augNoiseMax = 0.08               // std-dev of pixel noise
)

// augment writes a randomly distorted copy of src into dst.
func augment(dst, src *[Pixels]float32, rng *rand.Rand) {
	a := *src
	var b [Pixels]float32

	// Random affine map, applied by inverse sampling around the image centre.
	theta := (rng.Float64()*2 - 1) * augRotate
	scale := augScaleMin + rng.Float64()*(augScaleMax-augScaleMin)
	aspect := 1 + (rng.Float64()*2-1)*augAspect
	sx, sy := scale*aspect, scale/aspect
	shear := (rng.Float64()*2 - 1) * augShear
	tx := (rng.Float64()*2 - 1) * augShift
	ty := (rng.Float64()*2 - 1) * augShift
	cos, sin := math.Cos(theta), math.Sin(theta)
	// forward = R · Sh · S
	f00, f01 := cos*sx, (cos*shear-sin)*sy
	f10, f11 := sin*sx, (sin*shear+cos)*sy
	det := f00*f11 - f01*f10
	i00, i01, i10, i11 := f11/det, -f01/det, -f10/det, f00/det
	const c = (Side - 1) / 2.0
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			dx, dy := float64(x)-c-tx, float64(y)-c-ty
			u := i00*dx + i01*dy + c
			v := i10*dx + i11*dy + c
			b[y*Side+x] = bilinear(&a, u, v)
		}
	}

	// Stroke thickness.
	switch r := rng.Float64(); {
	case r < 0.2:
		morph(&b, &a, true)
		b = a
	case r < 0.35:
		morph(&b, &a, false)
		for i := range b {
			b[i] = (b[i] + a[i]) / 2
		}
	}

	// Leftover fragment of a printed line at an edge of the digit.
	if rng.Float64() < 0.15 {
		lineFragment(&b, rng)
	}

	if rng.Float64() < 0.25 {
		blur3(&b, 0.5+rng.Float64()*0.5, &a)
		b = a
	}

	// Contrast, background level and noise.
	gain := float32(1)
	if rng.Float64() < 0.3 {
		gain = float32(0.6 + rng.Float64()*0.4)
	}
	var bg, noise float32
	if rng.Float64() < 0.3 {
		bg = float32(rng.Float64() * 0.08)
		noise = float32(rng.Float64() * augNoiseMax)
	}
	for i, v := range b {
		v = bg + v*gain
		if noise > 0 {
			v += noise * float32(rng.NormFloat64())
		}
		dst[i] = min(max(v, 0), 1)
	}
}

// bilinear samples img at (u, v), black outside.
func bilinear(img *[Pixels]float32, u, v float64) float32 {
	if u <= -1 || v <= -1 || u >= Side || v >= Side {
		return 0
	}
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := float32(u-float64(x0)), float32(v-float64(y0))
	at := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= Side || y >= Side {
			return 0
		}
		return img[y*Side+x]
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bot*fy
}

// morph writes the grey dilation (or erosion) of in by a 3×3 cross to out.
func morph(in, out *[Pixels]float32, dilate bool) {
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			v := in[y*Side+x]
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				xx, yy := x+d[0], y+d[1]
				var n float32
				if xx >= 0 && yy >= 0 && xx < Side && yy < Side {
					n = in[yy*Side+xx]
				}
				if dilate {
					v = max(v, n)
				} else {
					v = min(v, n)
				}
			}
			out[y*Side+x] = v
		}
	}
}

// blur3 writes a 3×3 gaussian blur of in to out.
func blur3(in *[Pixels]float32, sigma float64, out *[Pixels]float32) {
	w1 := float32(math.Exp(-1 / (2 * sigma * sigma)))
	k := [3]float32{w1, 1, w1}
	norm := (2*w1 + 1) * (2*w1 + 1)
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			var s float32
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= Side {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= Side {
						continue
					}
					s += k[dy+1] * k[dx+1] * in[yy*Side+xx]
				}
			}
			out[y*Side+x] = s / norm
		}
	}
}

// lineFragment draws a short straight line near one edge, like the piece of a
// cell's printed border that stays attached to a digit crossing it.
func lineFragment(img *[Pixels]float32, rng *rand.Rand) {
	length := 4 + rng.IntN(12)
	start := 2 + rng.IntN(Side-4-length)
	pos := rng.IntN(5)
	if rng.IntN(2) == 0 {
		pos = Side - 1 - pos
	}
	thick := 1 + rng.IntN(2)
	level := float32(0.5 + rng.Float64()*0.5)
	vertical := rng.IntN(3) == 0
	for t := 0; t < thick; t++ {
		p := pos + t
		if pos > Side/2 {
			p = pos - t
		}
		for i := start; i < start+length; i++ {
			x, y := i, p
			if vertical {
				x, y = p, i
			}
			img[y*Side+x] = max(img[y*Side+x], level)
		}
	}
}

// notDigit writes an example of the reject output into dst, made from the
// digits a and b the way the reader's wrong cuts make them: two digits
// side by side, part of one digit, or one digit with part of the next.
func notDigit(dst *[Pixels]float32, a, b []byte, rng *rand.Rand) {
	const w, h = 3 * Side, Side + 8
	var canvas [w * h]float32
	paste := func(src []byte, ox, oy int) {
		for i, v := range src {
			x, y := i%Side+ox, i/Side+oy
			if x >= 0 && y >= 0 && x < w && y < h && v > 0 {
				canvas[y*w+x] = max(canvas[y*w+x], float32(v)/255)
			}
		}
	}
	ax0, ax1 := inkColumns(a)
	bx0, bx1 := inkColumns(b)
	kind := 0 // two digits
	switch r := rng.Float64(); {
	case r < 0.2:
		kind = 1 // part of one digit
	case r < 0.55:
		kind = 2 // one digit and part of another
	}
	if kind == 1 && ax1-ax0 < 8 {
		kind = 0 // a cut through a thin 1 is still a 1
	}
	paste(a, 2, 4)
	aL, aR := 2+ax0, 2+ax1
	lo, hi := 0, w
	if kind == 1 {
		cut := aL + int(float64(aR-aL)*(0.3+0.4*rng.Float64()))
		if rng.IntN(2) == 0 {
			hi = cut
		} else {
			lo = cut
		}
	} else {
		ox := aR + 1 + rng.IntN(8) - 4 - bx0
		paste(b, ox, 4+rng.IntN(7)-3)
		bL, bR := ox+bx0, ox+bx1
		if kind == 2 {
			if rng.IntN(2) == 0 {
				hi = bL + int(float64(bR-bL)*(0.3+0.4*rng.Float64()))
			} else {
				lo = aL + int(float64(aR-aL)*(0.3+0.4*rng.Float64()))
			}
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < lo || x >= hi {
				canvas[y*w+x] = 0
			}
		}
	}
	if !Normalize(canvas[:], w, h, dst) {
		toFloat(dst, a)
	}
}

// inkColumns returns the first and last column holding ink.
func inkColumns(img []byte) (int, int) {
	x0, x1 := Side, -1
	for i, v := range img {
		if v > 25 {
			x0, x1 = min(x0, i%Side), max(x1, i%Side)
		}
	}
	if x1 < 0 {
		return 0, Side - 1
	}
	return x0, x1
}
