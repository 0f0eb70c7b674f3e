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
// down by 2 when that still leaves at least minWidth pixels across: the reader
// samples the page at 150 DPI, and a 12-megapixel photo holds the page at
// about 300. Scaling inside the IDCT and skipping colour conversion make this
// several times faster than image/jpeg. Warnings (a truncated file) are errors.
func decodeJPEGGray(data []byte, minWidth int) (*image.Gray, error) {
	pix, w, h, err := turboDecode(data, minWidth, C.TJPF_GRAY, 1)
	if err != nil {
		return nil, err
	}
	return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
}

// decodeJPEGRGB decodes a JPEG to packed RGB with libjpeg-turbo, halved like
// decodeJPEGGray: the ordinary decode of a colour photo. The reader never
// calls it; the benchmarks time it beside decodeJPEGGray, because issue 7's
// yardstick ("a full decode in libjpeg-turbo") does not say which output it
// means.
func decodeJPEGRGB(data []byte, minWidth int) ([]byte, error) {
	pix, _, _, err := turboDecode(data, minWidth, C.TJPF_RGB, 3)
	return pix, err
}

// turboDecode decodes data into pixels of the given libjpeg-turbo format
// (channels bytes each, rows packed), halved when that leaves at least
// minWidth pixels across, and returns them with their width and height.
func turboDecode(data []byte, minWidth int, format C.int, channels int) ([]byte, int, int, error) {
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
	dw, dh := int(w), int(hh)
	if dw/2 >= minWidth {
		dw, dh = (dw+1)/2, (dh+1)/2
	}
	pix := make([]byte, dw*dh*channels)
	if C.tjDecompress2(h, buf, size, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(dw), C.int(dw*channels), C.int(dh),
		format, C.TJFLAG_STOPONWARNING) != 0 {
		return nil, 0, 0, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	return pix, dw, dh, nil
}
