package ocr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// Limits on what the reader accepts, so that one hostile upload cannot take a
// worker's memory. The service's upload refuses by the same limits (they are
// web's defaults, and cmd/tutanak gives --max-image-bytes and --max-pixels to
// both), so that it never takes a photo the reader would refuse.
const (
	// DefaultMaxBytes is the largest photo accepted: 25 MiB.
	DefaultMaxBytes = 25 << 20
	// DefaultMaxPixels is the largest photo accepted: 50 megapixels.
	DefaultMaxPixels = 50_000_000
	// minSide is the smallest photo side worth reading.
	minSide = 200
	// halfScaleMinWidth is the narrowest a JPEG may become when decoded at
	// half scale: enough for the page at the 150 DPI the reader samples.
	halfScaleMinWidth = 1400
)

// Errors for photos the reader refuses. They are input errors, not faults.
var (
	ErrNotImage    = errors.New("not a JPEG or PNG image")
	ErrTooLarge    = errors.New("image too large")
	ErrTooSmall    = errors.New("image too small")
	ErrEmptyImage  = errors.New("empty file")
	ErrCorruptData = errors.New("corrupt image data")
)

// decodeGray decodes a JPEG or PNG into grey, after checking its size from the
// header alone, and applies the EXIF orientation a phone recorded.
func decodeGray(data []byte, maxBytes int64, maxPixels int) (*image.Gray, error) {
	if len(data) == 0 {
		return nil, ErrEmptyImage
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), maxBytes)
	}
	var isJPEG bool
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		isJPEG = true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
	default:
		return nil, ErrNotImage
	}
	var (
		cfg image.Config
		err error
	)
	if isJPEG {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptData, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, fmt.Errorf("%w: %d×%d pixels, at most %d", ErrTooLarge, cfg.Width, cfg.Height, maxPixels)
	}
	if cfg.Width < minSide || cfg.Height < minSide {
		return nil, fmt.Errorf("%w: %d×%d pixels", ErrTooSmall, cfg.Width, cfg.Height)
	}
	if isJPEG {
		g, err := decodeJPEGGray(data, halfScaleMinWidth, 2, nil)
		if err != nil {
			return nil, err
		}
		return orient(g, exifOrientation(data)), nil
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptData, err)
	}
	return toGray(img), nil
}

// toGray converts to grey; for JPEG's YCbCr the luma plane already is grey.
func toGray(img image.Image) *image.Gray {
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr:
		b := m.Bounds()
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], m.Y[(y+b.Min.Y-m.Rect.Min.Y)*m.YStride+(b.Min.X-m.Rect.Min.X):])
		}
		return g
	default:
		b := img.Bounds()
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
		return g
	}
}

// exifOrientation returns the EXIF orientation tag (1–8) of a JPEG, 1 when absent.
func exifOrientation(data []byte) int {
	// Walk the JPEG markers up to the first scan; APP1 "Exif" holds a TIFF block.
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 {
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns a stored image upright according to its EXIF orientation.
func orient(src *image.Gray, o int) *image.Gray {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+w]
		for x, v := range row {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Pix[dy*dst.Stride+dx] = v
		}
	}
	return dst
}
