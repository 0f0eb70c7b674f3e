package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/disintegration/imaging"
)

// shot is how one sheet is photographed or scanned.
type shot struct {
	width, height int
	// corners of the page in output pixels: TL, TR, BR, BL.
	corners [4][2]float64
	blur    float64
	noise   float64
	// darkest is the light level at the darkest corner (1 = even light).
	darkest float64
	quality int
	scan    bool

	paper      [3]float64 // paper colour as factors of white
	background color.RGBA
	tint       [3]float64 // colour of the light
	lightAngle float64
	lightX     float64 // light centre, as fractions of the size
	lightY     float64
	linearPart float64 // share of the linear gradient in the fall-off
	grainAngle float64
	grainFreq  float64
	// shadow is how much the page darkens the table along its edge (0–1);
	// shadowU and shadowV shift the shadow, in page widths and heights.
	shadow, shadowU, shadowV float64
}

// shadowWidth is how far a page's shadow reaches, as a share of the page.
const shadowWidth = 0.02

// Camera limits. Phone photos tilt up to maxTilt (hardMaxTilt for hard
// photos); scans only up to scanMaxTilt.
const (
	maxTilt     = 10.0
	hardMaxTilt = 14.0
	scanMaxTilt = 0.7
)

// backgrounds are table tops: woods, a dark red-brown, greys.
var backgrounds = []color.RGBA{
	{118, 84, 56, 255}, {92, 64, 44, 255}, {140, 104, 70, 255}, {112, 58, 48, 255},
	{96, 80, 76, 255}, {108, 108, 102, 255}, {70, 58, 50, 255}, {160, 138, 110, 255},
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// planPhoto places a page of the given aspect (width/height) in a phone photo.
func planPhoto(rng *rand.Rand, size [2]int, aspect float64, hard bool) shot {
	W, H := float64(size[0]), float64(size[1])
	s := shot{width: size[0], height: size[1]}
	tilt, keystone, jitter := maxTilt, 0.07, 0.015
	s.blur = uniform(rng, 0.3, 1.1)
	if hard {
		tilt, keystone, jitter = hardMaxTilt, 0.14, 0.03
		s.blur = uniform(rng, 1.2, 2.0)
	}
	angle := uniform(rng, -tilt, tilt) * math.Pi / 180
	// Keystone: the edge farther from the lens looks shorter.
	kTop := uniform(rng, -keystone, keystone)
	kSide := uniform(rng, -keystone, keystone) / 2
	var jit [4][2]float64
	for i := range jit {
		jit[i] = [2]float64{uniform(rng, -jitter, jitter), uniform(rng, -jitter, jitter)}
	}
	cx, cy := W/2+uniform(rng, -0.03, 0.03)*W, H/2+uniform(rng, -0.03, 0.03)*H
	ph := H * uniform(rng, 0.80, 0.95)
	margin := 0.015 * W
	for {
		pw := ph * aspect
		unit := [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}}
		ok := true
		for i, u := range unit {
			x := u[0] * (1 - kTop*math.Copysign(1, u[1])) * pw
			y := u[1] * (1 - kSide*math.Copysign(1, u[0])) * ph
			x += jit[i][0] * pw
			y += jit[i][1] * pw
			rx := x*math.Cos(angle) - y*math.Sin(angle) + cx
			ry := x*math.Sin(angle) + y*math.Cos(angle) + cy
			s.corners[i] = [2]float64{rx, ry}
			if rx < margin || ry < margin || rx > W-margin || ry > H-margin {
				ok = false
			}
		}
		if ok {
			break
		}
		ph *= 0.97
		// Pull the centre back towards the middle as the page shrinks.
		cx, cy = (cx+W/2)/2, (cy+H/2)/2
	}
	s.noise = uniform(rng, 2, 8)
	s.darkest = uniform(rng, 0.55, 0.95)
	s.quality = 60 + rng.IntN(33)
	s.background = backgrounds[rng.IntN(len(backgrounds))]
	s.paper = [3]float64{uniform(rng, 0.95, 0.99), uniform(rng, 0.94, 0.98), uniform(rng, 0.90, 0.96)}
	warm := uniform(rng, 0, 0.06)
	s.tint = [3]float64{1, 1 - warm/3, 1 - warm}
	s.lightAngle = uniform(rng, 0, 2*math.Pi)
	s.lightX, s.lightY = uniform(rng, 0.2, 0.8), uniform(rng, 0.2, 0.8)
	s.linearPart = uniform(rng, 0.3, 0.8)
	s.grainAngle = uniform(rng, 0, math.Pi)
	s.grainFreq = uniform(rng, 0.02, 0.06) * 1200 / W
	s.shadow = uniform(rng, 0.2, 0.5)
	s.shadowU, s.shadowV = uniform(rng, -0.006, 0.006), uniform(rng, -0.004, 0.006)
	return s
}

// planScan lays a page flat on a scanner: it fills the image, barely tilted.
func planScan(rng *rand.Rand, size [2]int) shot {
	W, H := float64(size[0]), float64(size[1])
	s := shot{width: size[0], height: size[1], scan: true}
	angle := uniform(rng, -scanMaxTilt, scanMaxTilt) * math.Pi / 180
	k := uniform(rng, 0.993, 1.0)
	cx, cy := W/2+uniform(rng, -0.002, 0.002)*W, H/2+uniform(rng, -0.002, 0.002)*H
	unit := [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}}
	for i, u := range unit {
		x, y := u[0]*W*k, u[1]*H*k
		s.corners[i] = [2]float64{x*math.Cos(angle) - y*math.Sin(angle) + cx, x*math.Sin(angle) + y*math.Cos(angle) + cy}
	}
	s.blur = uniform(rng, 0.25, 0.5)
	s.noise = uniform(rng, 0.5, 2)
	s.darkest = uniform(rng, 0.96, 1)
	s.quality = 85 + rng.IntN(11)
	s.background = color.RGBA{236, 236, 232, 255}
	s.paper = [3]float64{uniform(rng, 0.97, 0.99), uniform(rng, 0.96, 0.98), uniform(rng, 0.94, 0.97)}
	s.tint = [3]float64{1, 1, 1}
	s.lightAngle = uniform(rng, 0, 2*math.Pi)
	s.lightX, s.lightY = 0.5, 0.5
	s.linearPart = 1
	return s
}

// homography maps the unit square to a quadrilateral (TL, TR, BR, BL) as a
// 3×3 matrix in row order (Heckbert's square-to-quad).
func homography(q [4][2]float64) [9]float64 {
	x0, y0, x1, y1 := q[0][0], q[0][1], q[1][0], q[1][1]
	x2, y2, x3, y3 := q[2][0], q[2][1], q[3][0], q[3][1]
	sx, sy := x0-x1+x2-x3, y0-y1+y2-y3
	var g, h float64
	if sx != 0 || sy != 0 {
		dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
		den := dx1*dy2 - dx2*dy1
		g = (sx*dy2 - dx2*sy) / den
		h = (dx1*sy - sx*dy1) / den
	}
	return [9]float64{
		x1 - x0 + g*x1, x3 - x0 + h*x3, x0,
		y1 - y0 + g*y1, y3 - y0 + h*y3, y0,
		g, h, 1,
	}
}

// invert3 inverts a 3×3 matrix by its adjugate.
func invert3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	return [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
}

// photograph renders the page as seen by the camera, before compression.
func photograph(page *image.RGBA, s shot, rng *rand.Rand) *image.RGBA {
	// Shrink the page first to about its size in the photo, so that thin
	// lines are averaged rather than skipped by the sampler.
	edge := 0.0
	for i := range 4 {
		a, b := s.corners[i], s.corners[(i+1)%4]
		side := float64(page.Rect.Dx()) // edges 0 and 2 are the top and bottom
		if i%2 == 1 {
			side = float64(page.Rect.Dy())
		}
		edge = math.Max(edge, math.Hypot(a[0]-b[0], a[1]-b[1])/side)
	}
	src := page
	if f := edge * 1.2; f < 0.9 {
		small := imaging.Resize(page, int(float64(page.Rect.Dx())*f+0.5), int(float64(page.Rect.Dy())*f+0.5), imaging.Linear)
		src = &image.RGBA{Pix: small.Pix, Stride: small.Stride, Rect: small.Rect}
	}
	sw, sh := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	inv := invert3(homography(s.corners))

	W, H := s.width, s.height
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	light := newLighting(s)
	bg := newWoodGrain(s, rng)
	paper := [3]float64{s.paper[0] * s.tint[0], s.paper[1] * s.tint[1], s.paper[2] * s.tint[2]}
	cols := light.columns(W)
	for y := range H {
		fy := float64(y) + 0.5
		rowLight := light.falloffY(fy)
		row := out.Pix[y*out.Stride:]
		for x := range W {
			fx := float64(x) + 0.5
			z := inv[6]*fx + inv[7]*fy + inv[8]
			u := (inv[0]*fx + inv[1]*fy + inv[2]) / z
			v := (inv[3]*fx + inv[4]*fy + inv[5]) / z
			l := light.level(cols[x] + rowLight)
			p := row[4*x : 4*x+4 : 4*x+4]
			if u >= 0 && u < 1 && v >= 0 && v < 1 {
				r, g, b := bilinearRGB(src, u*sw-0.5, v*sh-0.5)
				p[0] = clamp8(r * paper[0] * l)
				p[1] = clamp8(g * paper[1] * l)
				p[2] = clamp8(b * paper[2] * l)
			} else {
				t := bg.at(fx, fy) * l
				if s.shadow > 0 {
					su, sv := u-s.shadowU, v-s.shadowV
					d := max(-su, su-1, -sv, sv-1)
					if d < shadowWidth {
						k := min(1-d/shadowWidth, 1)
						t *= 1 - s.shadow*k*k
					}
				}
				p[0] = clamp8(float64(s.background.R) * t * s.tint[0])
				p[1] = clamp8(float64(s.background.G) * t * s.tint[1])
				p[2] = clamp8(float64(s.background.B) * t * s.tint[2])
			}
			p[3] = 255
		}
	}
	gaussianBlur(out, s.blur)
	addNoise(out, s.noise, rng.Uint64())
	return out
}

func clamp8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// bilinearRGB samples img at (x, y) in pixel-centre coordinates, clamped at the edges.
func bilinearRGB(img *image.RGBA, x, y float64) (r, g, b float64) {
	maxX, maxY := img.Rect.Dx()-1, img.Rect.Dy()-1
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	x1, y1 := x0+1, y0+1
	x0, x1 = min(max(x0, 0), maxX), min(max(x1, 0), maxX)
	y0, y1 = min(max(y0, 0), maxY), min(max(y1, 0), maxY)
	p00 := img.Pix[y0*img.Stride+4*x0:]
	p10 := img.Pix[y0*img.Stride+4*x1:]
	p01 := img.Pix[y1*img.Stride+4*x0:]
	p11 := img.Pix[y1*img.Stride+4*x1:]
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	r = float64(p00[0])*w00 + float64(p10[0])*w10 + float64(p01[0])*w01 + float64(p11[0])*w11
	g = float64(p00[1])*w00 + float64(p10[1])*w10 + float64(p01[1])*w01 + float64(p11[1])*w11
	b = float64(p00[2])*w00 + float64(p10[2])*w10 + float64(p01[2])*w01 + float64(p11[2])*w11
	return r, g, b
}

// lighting is uneven light: a linear gradient plus a vignette around a
// bright spot, scaled so that the darkest corner gets exactly s.darkest.
type lighting struct {
	cos, sin, cx, cy, halfDiag, linear, lightX, lightY, norm, drop float64
}

func newLighting(s shot) lighting {
	W, H := float64(s.width), float64(s.height)
	l := lighting{
		cos: math.Cos(s.lightAngle), sin: math.Sin(s.lightAngle),
		cx: W / 2, cy: H / 2, halfDiag: math.Hypot(W, H) / 2,
		linear: s.linearPart, lightX: s.lightX * W, lightY: s.lightY * H,
		drop: 1 - s.darkest,
	}
	// Both parts are convex, so the fall-off is largest at a corner.
	for _, c := range [][2]float64{{0, 0}, {W, 0}, {W, H}, {0, H}} {
		l.norm = math.Max(l.norm, l.falloff(c[0], c[1]))
	}
	return l
}

// The fall-off is a sum of a term in x and a term in y, so a row of light
// is a column table plus a constant.
func (l lighting) falloffX(x float64) float64 {
	dx := (x - l.lightX) / l.halfDiag
	return l.linear*((x-l.cx)*l.cos/l.halfDiag+1)/2 + (1-l.linear)*dx*dx
}

func (l lighting) falloffY(y float64) float64 {
	dy := (y - l.lightY) / l.halfDiag
	return l.linear*(y-l.cy)*l.sin/l.halfDiag/2 + (1-l.linear)*dy*dy
}

func (l lighting) falloff(x, y float64) float64 { return l.falloffX(x) + l.falloffY(y) }

// columns returns the light's x terms for pixel centres 0.5 … w-0.5.
func (l lighting) columns(w int) []float64 {
	cols := make([]float64, w)
	for x := range cols {
		cols[x] = l.falloffX(float64(x) + 0.5)
	}
	return cols
}

// level turns a fall-off into a light level.
func (l lighting) level(falloff float64) float64 {
	if l.norm == 0 {
		return 1
	}
	return 1 - l.drop*falloff/l.norm
}

// woodGrain is a table top's texture: stripes bent by smooth noise.
type woodGrain struct {
	cos, sin, freq float64
	cells          [][]float64
	cellSize       float64
}

const grainCells = 12

func newWoodGrain(s shot, rng *rand.Rand) woodGrain {
	w := woodGrain{cos: math.Cos(s.grainAngle), sin: math.Sin(s.grainAngle), freq: s.grainFreq}
	w.cellSize = float64(max(s.width, s.height)) / (grainCells - 1)
	w.cells = make([][]float64, grainCells+1)
	for i := range w.cells {
		w.cells[i] = make([]float64, grainCells+1)
		for j := range w.cells[i] {
			w.cells[i][j] = rng.Float64()*2 - 1
		}
	}
	return w
}

func (w woodGrain) at(x, y float64) float64 {
	gx, gy := x/w.cellSize, y/w.cellSize
	i, j := int(gx), int(gy)
	fx, fy := gx-float64(i), gy-float64(j)
	i, j = min(i, grainCells-1), min(j, grainCells-1)
	n := (w.cells[j][i]*(1-fx)+w.cells[j][i+1]*fx)*(1-fy) + (w.cells[j+1][i]*(1-fx)+w.cells[j+1][i+1]*fx)*fy
	t := (x*w.cos + y*w.sin) * w.freq
	return 1 + 0.04*math.Sin(t+3*n) + 0.05*n
}

// gaussianBlur blurs img in place with a separable kernel in 16-bit fixed point.
func gaussianBlur(img *image.RGBA, sigma float64) {
	if sigma <= 0 {
		return
	}
	radius := int(math.Ceil(2.5 * sigma))
	kernel := make([]float64, 2*radius+1)
	var sum float64
	for i := range kernel {
		d := float64(i - radius)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += kernel[i]
	}
	k := make([]int32, len(kernel))
	for i := range kernel {
		k[i] = int32(kernel[i] / sum * 65536)
	}
	W, H := img.Rect.Dx(), img.Rect.Dy()
	tmp := make([]uint8, len(img.Pix))
	// Horizontal pass into tmp, through a row padded by repeating its ends.
	pad := make([]int32, 3*(W+2*radius))
	for y := range H {
		row := img.Pix[y*img.Stride : y*img.Stride+4*W]
		for x := -radius; x < W+radius; x++ {
			xx := min(max(x, 0), W-1)
			j := 3 * (x + radius)
			pad[j], pad[j+1], pad[j+2] = int32(row[4*xx]), int32(row[4*xx+1]), int32(row[4*xx+2])
		}
		dst := tmp[y*img.Stride:]
		for x := range W {
			var r, g, b int32
			win := pad[3*x : 3*(x+len(k))]
			for i, w := range k {
				r += win[3*i] * w
				g += win[3*i+1] * w
				b += win[3*i+2] * w
			}
			dst[4*x] = uint8(min((r+32768)>>16, 255))
			dst[4*x+1] = uint8(min((g+32768)>>16, 255))
			dst[4*x+2] = uint8(min((b+32768)>>16, 255))
		}
	}
	// Vertical pass back into img, a row at a time for cache locality.
	acc := make([]int32, 3*W)
	for y := range H {
		clear(acc)
		for i, w := range k {
			yy := min(max(y+i-radius, 0), H-1)
			src := tmp[yy*img.Stride:]
			for x := range W {
				acc[3*x] += int32(src[4*x]) * w
				acc[3*x+1] += int32(src[4*x+1]) * w
				acc[3*x+2] += int32(src[4*x+2]) * w
			}
		}
		dst := img.Pix[y*img.Stride:]
		for x := range W {
			dst[4*x] = uint8(min((acc[3*x]+32768)>>16, 255))
			dst[4*x+1] = uint8(min((acc[3*x+1]+32768)>>16, 255))
			dst[4*x+2] = uint8(min((acc[3*x+2]+32768)>>16, 255))
		}
	}
}

// addNoise adds gaussian sensor noise of the given sigma (grey levels) from a
// precomputed table, indexed by a xorshift generator seeded from seed.
func addNoise(img *image.RGBA, sigma float64, seed uint64) {
	if sigma <= 0 {
		return
	}
	const tableSize = 1 << 14
	table := make([]int16, tableSize)
	tr := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range table {
		table[i] = int16(math.Round(tr.NormFloat64() * sigma))
	}
	state := seed | 1
	for i := 0; i+3 < len(img.Pix); i += 4 {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		// Luminance noise dominates a phone sensor; colour noise is smaller.
		lum := int(table[state&(tableSize-1)])
		for c := range 3 {
			n := lum + int(table[(state>>(14+14*c))&(tableSize-1)])/3
			img.Pix[i+c] = uint8(min(max(int(img.Pix[i+c])+n, 0), 255))
		}
	}
}
