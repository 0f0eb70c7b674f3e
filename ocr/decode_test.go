package ocr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func encodeTestPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hugePNGHeader returns a valid PNG header claiming w×h pixels with no real data behind it.
func hugePNGHeader(t *testing.T, w, h uint32) []byte {
	data := encodeTestPNG(t, 8, 8)
	// IHDR data starts at byte 16: width, height; its CRC covers type+data.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

func TestDecodeRefusesBadInput(t *testing.T) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 400, 400)), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrEmptyImage},
		{"text named jpg", []byte("this is not a photo\n"), ErrNotImage},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ErrNotImage},
		{"truncated jpeg", jpg.Bytes()[:jpg.Len()/2], ErrCorruptData},
		{"20000x20000 png", hugePNGHeader(t, 20000, 20000), ErrTooLarge},
		{"tiny png", encodeTestPNG(t, 50, 50), ErrTooSmall},
		{"over byte limit", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, DefaultMaxBytes)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeGray(tt.data, DefaultMaxBytes, DefaultMaxPixels)
			if !errors.Is(err, tt.want) {
				t.Fatalf("decodeGray = %v, want %v", err, tt.want)
			}
			if !IsInputError(err) {
				t.Errorf("IsInputError(%v) = false", err)
			}
		})
	}
}

// exifJPEG returns a JPEG whose APP1 segment says the given orientation.
func exifJPEG(t *testing.T, img image.Image, orientation uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(tiff[18:], orientation)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, buf.Bytes()[:2]...)
	out = append(out, app1...)
	return append(out, buf.Bytes()[2:]...)
}

func TestDecodeAppliesEXIFOrientation(t *testing.T) {
	// 300×200, dark on the left third: rotated by 90° clockwise (orientation 6)
	// it becomes 200×300, dark at the top.
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			v := uint8(255)
			if x < 100 {
				v = 0
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	tests := []struct {
		name    string
		o       uint16
		w, h    int
		darkX   int
		darkY   int
		brightX int
		brightY int
	}{
		{"upright", 1, 300, 200, 20, 100, 280, 100},
		{"rotate 180", 3, 300, 200, 280, 100, 20, 100},
		{"rotate 90 cw", 6, 200, 300, 100, 20, 100, 280},
		{"rotate 90 ccw", 8, 200, 300, 100, 280, 100, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := decodeGray(exifJPEG(t, img, tt.o), DefaultMaxBytes, DefaultMaxPixels)
			if err != nil {
				t.Fatal(err)
			}
			if g.Rect.Dx() != tt.w || g.Rect.Dy() != tt.h {
				t.Fatalf("size %v, want %dx%d", g.Rect.Size(), tt.w, tt.h)
			}
			if v := g.GrayAt(tt.darkX, tt.darkY).Y; v > 60 {
				t.Errorf("(%d,%d) = %d, want dark", tt.darkX, tt.darkY, v)
			}
			if v := g.GrayAt(tt.brightX, tt.brightY).Y; v < 200 {
				t.Errorf("(%d,%d) = %d, want bright", tt.brightX, tt.brightY, v)
			}
		})
	}
}

func TestFitHomographyRoundTrip(t *testing.T) {
	src := []pt{{0, 0}, {2480, 0}, {2480, 3508}, {0, 3508}}
	dst := []pt{{169.6, 209.8}, {2050.7, 167.5}, {2057.5, 2802.2}, {251.4, 2917.7}}
	h, err := fitHomography(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	for i := range src {
		p := h.apply(src[i])
		if d := (p.X-dst[i].X)*(p.X-dst[i].X) + (p.Y-dst[i].Y)*(p.Y-dst[i].Y); d > 1e-6 {
			t.Errorf("corner %d maps to %v, want %v", i, p, dst[i])
		}
		back := h.inverse().apply(dst[i])
		if d := (back.X-src[i].X)*(back.X-src[i].X) + (back.Y-src[i].Y)*(back.Y-src[i].Y); d > 1e-6 {
			t.Errorf("inverse of corner %d = %v, want %v", i, back, src[i])
		}
	}
}

// TestTurboDecodeScale checks the scale turboDecode picks and the size it
// gives libjpeg-turbo, which chooses its own factor from that size: a size
// it rounds differently would leave the pixels in a buffer read at the wrong
// width. An odd-sized photo makes the rounding show.
func TestTurboDecodeScale(t *testing.T) {
	const w, h = 1001, 703
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Dark left half, light right half: a scaled decode keeps the edge.
			v := uint8(230)
			if x < w/2 {
				v = 30
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name               string
		minWidth, maxDenom int
		wantW, wantH       int
	}{
		{"full size", 1, 1, 1001, 703},
		{"halved", 1, 2, 501, 352},
		{"the reader's rule halves when wide enough", 500, 2, 501, 352},
		{"the reader's rule keeps a narrow photo", 501, 2, 1001, 703},
		{"a quarter", 1, 4, 251, 176},
		{"an eighth", 1, 8, 126, 88},
		{"an eighth asked, a quarter left wide enough", 200, 8, 251, 176},
		{"an odd limit rounds down to a power of two", 1, 7, 251, 176},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := decodeJPEGGray(buf.Bytes(), tt.minWidth, tt.maxDenom, nil)
			if err != nil {
				t.Fatal(err)
			}
			if g.Rect.Dx() != tt.wantW || g.Rect.Dy() != tt.wantH || len(g.Pix) != tt.wantW*tt.wantH {
				t.Fatalf("decoded %v with %d pixels, want %dx%d", g.Rect.Size(), len(g.Pix), tt.wantW, tt.wantH)
			}
			// Rows read at the right width: every row dark on the left, light on the right.
			for _, y := range []int{0, tt.wantH / 2, tt.wantH - 1} {
				if l, r := g.GrayAt(2, y).Y, g.GrayAt(tt.wantW-3, y).Y; l > 60 || r < 200 {
					t.Errorf("row %d: left %d, right %d, want dark then light", y, l, r)
				}
			}
		})
	}
}
