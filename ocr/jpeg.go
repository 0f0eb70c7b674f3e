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
	h := C.tjInitDecompress()
	if h == nil {
		return nil, fmt.Errorf("turbojpeg init: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	buf := (*C.uchar)(unsafe.Pointer(&data[0]))
	size := C.ulong(len(data))
	var w, hh, subsamp, colorspace C.int
	if C.tjDecompressHeader3(h, buf, size, &w, &hh, &subsamp, &colorspace) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	dw, dh := int(w), int(hh)
	if dw/2 >= minWidth {
		dw, dh = (dw+1)/2, (dh+1)/2
	}
	g := image.NewGray(image.Rect(0, 0, dw, dh))
	if C.tjDecompress2(h, buf, size, (*C.uchar)(unsafe.Pointer(&g.Pix[0])), C.int(dw), C.int(g.Stride), C.int(dh),
		C.TJPF_GRAY, C.TJFLAG_STOPONWARNING) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	return g, nil
}

// decodeJPEGRGB decodes a JPEG to RGB with libjpeg-turbo, at full size or
// halved: the ordinary decode of a colour photo. The reader never calls it; the
// benchmarks time it beside decodeJPEGGray, because issue 7's yardstick ("a
// full decode in libjpeg-turbo") does not say which output it means.
func decodeJPEGRGB(data []byte, half bool) ([]byte, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, fmt.Errorf("turbojpeg init: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	buf := (*C.uchar)(unsafe.Pointer(&data[0]))
	size := C.ulong(len(data))
	var w, hh, subsamp, colorspace C.int
	if C.tjDecompressHeader3(h, buf, size, &w, &hh, &subsamp, &colorspace) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	dw, dh := int(w), int(hh)
	if half {
		dw, dh = (dw+1)/2, (dh+1)/2
	}
	pix := make([]byte, dw*dh*3)
	if C.tjDecompress2(h, buf, size, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(dw), C.int(dw*3), C.int(dh),
		C.TJPF_RGB, C.TJFLAG_STOPONWARNING) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrCorruptData, C.GoString(C.tjGetErrorStr2(h)))
	}
	return pix, nil
}
