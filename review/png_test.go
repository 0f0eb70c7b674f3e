package review

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/ocrtest"
	"github.com/tutanak/tutanak/ocr/synth"
)

func TestEncodeGrayPNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(r image.Rectangle) *image.Gray {
		g := image.NewGray(r)
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.IntN(256))
		}
		return g
	}
	ramp := image.NewGray(image.Rect(0, 0, 300, 7))
	for i := range ramp.Pix {
		ramp.Pix[i] = uint8(i * 7) // wraps, so Sub's differences wrap too
	}
	big := noise(image.Rect(0, 0, 40, 30))
	cases := []struct {
		name string
		img  *image.Gray
	}{
		{"one pixel", noise(image.Rect(0, 0, 1, 1))},
		{"one row", noise(image.Rect(0, 0, 97, 1))},
		{"one column", noise(image.Rect(0, 0, 1, 53))},
		{"noise", noise(image.Rect(0, 0, 131, 77))},
		{"ramp", ramp},
		{"blank", image.NewGray(image.Rect(0, 0, 64, 32))},
		{"sub-image", big.SubImage(image.Rect(5, 3, 33, 21)).(*image.Gray)},
		{"offset bounds", noise(image.Rect(-4, 9, 20, 30))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := encodeGrayPNG(&buf, tc.img); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("image/png cannot read it: %v", err)
			}
			g, ok := got.(*image.Gray)
			if !ok {
				t.Fatalf("decoded as %T, want *image.Gray", got)
			}
			b := tc.img.Bounds()
			if g.Bounds() != image.Rect(0, 0, b.Dx(), b.Dy()) {
				t.Fatalf("bounds %v, want %dx%d", g.Bounds(), b.Dx(), b.Dy())
			}
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					if w, v := tc.img.GrayAt(b.Min.X+x, b.Min.Y+y).Y, g.GrayAt(x, y).Y; v != w {
						t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, v, w)
					}
				}
			}
		})
	}
}

func TestEncodeGrayPNGEmpty(t *testing.T) {
	if err := encodeGrayPNG(&bytes.Buffer{}, image.NewGray(image.Rect(0, 0, 0, 5))); err == nil {
		t.Fatal("empty image encoded")
	}
}

// BenchmarkEncodePNG encodes a photographed page at the size the worker
// stores it (150 DPI A4) with encodeGrayPNG and with image/png at the level
// the worker used before, and reports each file's size.
func BenchmarkEncodePNG(b *testing.B) {
	page := photographedPage(b)
	run := func(b *testing.B, enc func(*bytes.Buffer) error) {
		var n int
		for i := 0; i < b.N; i++ {
			var buf bytes.Buffer
			if err := enc(&buf); err != nil {
				b.Fatal(err)
			}
			n = buf.Len()
		}
		b.ReportMetric(float64(n), "bytes")
	}
	b.Run("sub-huffman", func(b *testing.B) {
		run(b, func(buf *bytes.Buffer) error { return encodeGrayPNG(buf, page) })
	})
	b.Run("image-png-bestspeed", func(b *testing.B) {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		run(b, func(buf *bytes.Buffer) error { return enc.Encode(buf, page) })
	})
}

// photographedPage is a generated phone photo of a sheet, grey, halved to
// about 150 DPI and cut to a page's size: the noise and shading of a real
// rectified page, which decide how well it compresses.
func photographedPage(b *testing.B) *image.Gray {
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		b.Fatal(err)
	}
	cfg := synth.DefaultConfig()
	cfg.Seed = 12
	cfg.ScanShare, cfg.HardShare = 0, 0
	cfg.Sizes = [][2]int{{3000, 4000}}
	data, _, err := ocrtest.Generator(b, form, cfg).Sheet(0)
	if err != nil {
		b.Fatal(err)
	}
	photo, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	const w, h = 1240, 1754
	page := image.NewGray(image.Rect(0, 0, w, h))
	x0, y0 := (3000-2*w)/2, (4000-2*h)/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				r, g, bl, _ := photo.At(x0+2*x+d[0], y0+2*y+d[1]).RGBA()
				sum += int(299*r+587*g+114*bl) / 1000 >> 8
			}
			page.Pix[y*page.Stride+x] = uint8(sum / 4)
		}
	}
	return page
}
