package ocr

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// decodeJPEGGray decodes a JPEG straight to grey with libjpeg-turbo, scaled
// down as turboDecode says: the reader halves a photo when that still leaves
// at least minWidth pixels across (maxDenom 2), since it samples the page at
// 150 DPI and a 12-megapixel photo holds the page at about 300. Scaling inside
// the IDCT and skipping colour conversion make this several times faster than
// image/jpeg. Warnings (a truncated file) are errors. into is as for
// turboDecode.
func decodeJPEGGray(data []byte, minWidth, maxDenom int, into *[]byte) (*image.Gray, error) {
	pix, w, h, err := turboDecode(data, minWidth, maxDenom, C.TJPF_GRAY, 1, into)
	if err != nil {
		return nil, err
	}
	return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
}

// decodeJPEGRGB decodes a JPEG to packed RGB with libjpeg-turbo, scaled like
// decodeJPEGGray: the ordinary decode of a colour photo. The reader never
// calls it; the benchmarks time it beside decodeJPEGGray, because issue 7's
// yardstick ("a full decode in libjpeg-turbo") does not say which output it
// means.
func decodeJPEGRGB(data []byte, minWidth, maxDenom int, into *[]byte) ([]byte, error) {
	pix, _, _, err := turboDecode(data, minWidth, maxDenom, C.TJPF_RGB, 3, into)
	return pix, err
}

// turboDecode decodes data into pixels of the given libjpeg-turbo format
// (channels bytes each, rows packed), scaled down by the largest of 2, 4 and
// 8 up to maxDenom that leaves at least minWidth pixels across (maxDenom 1:
// full size), and returns them with their width and height. A
// non-nil into lends a buffer: the pixels go into *into when it is large
// enough, and *into is left holding the buffer they went into. The benchmarks
// use it so that the yardstick times libjpeg-turbo's work, not Go zeroing a
// fresh buffer (36 MB for a 12 MP photo in RGB); the reader passes nil, since
// reusing its 3 MB buffer saved no measurable time.
func turboDecode(data []byte, minWidth, maxDenom int, format C.int, channels int, into *[]byte) ([]byte, int, int, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, 0, 0, fmt.Errorf("turbojpeg init: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	buf := (*C.uchar)(unsafe.Pointer(&data[0]))
	size := C.ulong(len(data))
	var w, hh, subsamp, colorspace C.int
	if C.tjDecompressHeader3(h, buf, size, &w, &hh, &subsamp, &colorspace) != 0 {
		return nil, 0, 0, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	denom := 1
	for denom*2 <= maxDenom && int(w)/(denom*2) >= minWidth {
		denom *= 2
	}
	// libjpeg-turbo rounds a scaled side up.
	dw, dh := (int(w)+denom-1)/denom, (int(hh)+denom-1)/denom
	var pix []byte
	if n := dw * dh * channels; into != nil && cap(*into) >= n {
		pix = (*into)[:n]
	} else {
		pix = make([]byte, n)
	}
	if into != nil {
		*into = pix
	}
	if C.tjDecompress2(h, buf, size, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(dw), C.int(dw*channels), C.int(dh),
		format, C.TJFLAG_STOPONWARNING) != 0 {
		return nil, 0, 0, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	return pix, dw, dh, nil
}
