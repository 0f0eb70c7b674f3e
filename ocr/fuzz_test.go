package ocr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Limits under fuzzing: small enough that every accepted photo decodes in
// milliseconds, large enough for the half-scale JPEG path.
const (
	fuzzMaxBytes  = 1 << 20
	fuzzMaxPixels = 1_000_000
)

// fuzzJPEG encodes a w×h grey JPEG with a gradient, with an EXIF APP1
// segment recording orientation when it is not 0.
func fuzzJPEG(tb testing.TB, w, h int, orientation uint16) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray(x, y, color.Gray{uint8(x + y)})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50}); err != nil {
		tb.Fatal(err)
	}
	if orientation == 0 {
		return buf.Bytes()
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(tiff[18:], orientation)
	return withAPP1(buf.Bytes(), append([]byte("Exif\x00\x00"), tiff...))
}

// withAPP1 inserts an APP1 segment holding seg right after a JPEG's SOI.
func withAPP1(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, 0, 0)
	binary.BigEndian.PutUint16(out[4:], uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func fuzzPNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDecode feeds arbitrary bytes to the photo decoder. It must never
// panic, must refuse with an input error (IsInputError), and an image it
// returns must be within the pixel limit and the size its header declares:
// halved for a wide JPEG, turned for an EXIF orientation of 5 to 8.
func FuzzDecode(f *testing.F) {
	f.Add(fuzzJPEG(f, 200, 200, 0))
	f.Add(fuzzJPEG(f, 300, 200, 6))
	f.Add(fuzzJPEG(f, 200, 240, 3))
	f.Add(fuzzJPEG(f, 2900, 240, 8)) // decoded at half scale
	f.Add(fuzzPNG(f, image.NewGray(image.Rect(0, 0, 200, 200))))
	f.Add(fuzzPNG(f, image.NewRGBA(image.Rect(0, 0, 210, 200))))
	f.Add(fuzzPNG(f, image.NewGray16(image.Rect(0, 0, 200, 201))))
	f.Add(fuzzPNG(f, image.NewPaletted(image.Rect(0, 0, 200, 200), color.Palette{color.Black, color.White})))
	f.Add(fuzzPNG(f, image.NewGray(image.Rect(0, 0, 50, 50))))
	f.Add([]byte("\xFF\xD8\xFF"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := decodeGray(data, fuzzMaxBytes, fuzzMaxPixels)
		if err != nil {
			if g != nil || !IsInputError(err) {
				t.Fatalf("decodeGray = %v, %v: want an input error alone", g, err)
			}
			return
		}
		w, h := g.Rect.Dx(), g.Rect.Dy()
		if w*h > fuzzMaxPixels || w <= 0 || h <= 0 || len(g.Pix) < g.Stride*(h-1)+w {
			t.Fatalf("decoded %v with %d bytes of pixels", g.Rect, len(g.Pix))
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decoded what image.DecodeConfig refuses: %v", err)
		}
		wantW, wantH := cfg.Width, cfg.Height
		if format == "jpeg" {
			if wantW/2 >= halfScaleMinWidth {
				wantW, wantH = (wantW+1)/2, (wantH+1)/2
			}
			if exifOrientation(data) >= 5 {
				wantW, wantH = wantH, wantW
			}
		}
		if w != wantW || h != wantH {
			t.Fatalf("%s declares %d×%d, decoded %d×%d, want %d×%d", format, cfg.Width, cfg.Height, w, h, wantW, wantH)
		}
	})
}

// FuzzEXIFOrientation feeds arbitrary TIFF blocks, wrapped in a JPEG's
// APP1 segment or as the whole file, to the EXIF orientation parser. It
// must never panic and always give an orientation from 1 to 8, and turning
// an image by it must move every pixel exactly once.
func FuzzEXIFOrientation(f *testing.F) {
	for o := uint16(0); o <= 9; o++ {
		tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
		binary.BigEndian.PutUint16(tiff[18:], o)
		f.Add(tiff, true)
	}
	f.Add([]byte("II\x2a\x00\x08\x00\x00\x00\x02\x00\x0f\x01\x02\x00\x06\x00\x00\x00\x26\x00\x00\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00Canon\x00"), true)
	f.Add([]byte("MM\x00\x2a\xff\xff\xff\xf0"), true)
	f.Add([]byte("MM\x00\x2a\x00\x00\x00\x08\xff\xff"), true)
	f.Add(fuzzJPEG(f, 8, 8, 6), false)
	f.Add([]byte("\xFF\xD8\xFF\xE1\x00\x02\xFF\xDA"), false)

	src := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = uint8(i + 1)
	}
	f.Fuzz(func(t *testing.T, data []byte, wrap bool) {
		if wrap {
			if len(data)+8 > 0xFFFF {
				return
			}
			data = withAPP1([]byte("\xFF\xD8\xFF\xD9"), append([]byte("Exif\x00\x00"), data...))
		}
		o := exifOrientation(data)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		g := orient(src, o)
		w, h := 3, 2
		if o >= 5 {
			w, h = 2, 3
		}
		if g.Rect.Dx() != w || g.Rect.Dy() != h {
			t.Fatalf("orientation %d: %v, want %d×%d", o, g.Rect, w, h)
		}
		var seen [7]bool
		for _, v := range g.Pix {
			if v == 0 || seen[v] {
				t.Fatalf("orientation %d: pixels %v", o, g.Pix)
			}
			seen[v] = true
		}
	})
}
