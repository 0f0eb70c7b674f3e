package ocr

/*
#cgo LDFLAGS: -ltesseract -llept
#include <malloc.h>
#include <stdlib.h>
#include <tesseract/capi.h>

// tutanak_tess_text does what gosseract's Client.Text does on a handle that is
// already initialised (tessbridge.cpp SetPixImage, then UTF8Text): set the
// image, raise a resolution below 70 DPI to 70, recognise. It also reports
// Tesseract's mean word confidence (0–100) of that recognition. The caller
// frees the result with TessDeleteText, which gosseract never does.
static char* tutanak_tess_text(void* api, void* pix, int* conf) {
	TessBaseAPI* h = (TessBaseAPI*)api;
	TessBaseAPISetImage2(h, (struct Pix*)pix);
	if (TessBaseAPIGetSourceYResolution(h) < 70) {
		TessBaseAPISetSourceResolution(h, 70);
	}
	char* text = TessBaseAPIGetUTF8Text(h);
	*conf = TessBaseAPIMeanTextConf(h);
	return text;
}

// tutanak_tess_gray is tutanak_tess_text on grey pixels handed over as they
// are, which Tesseract copies: no PNG to encode and for Leptonica to decode.
static char* tutanak_tess_gray(void* api, const unsigned char* pix, int w, int ht, int stride, int* conf) {
	TessBaseAPI* h = (TessBaseAPI*)api;
	TessBaseAPISetImage(h, pix, w, ht, 1, stride);
	if (TessBaseAPIGetSourceYResolution(h) < 70) {
		TessBaseAPISetSourceResolution(h, 70);
	}
	char* text = TessBaseAPIGetUTF8Text(h);
	*conf = TessBaseAPIMeanTextConf(h);
	return text;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"reflect"
	"strings"
	"unsafe"

	"github.com/otiai10/gosseract/v2"
)

// errNoTessImage is returned by the leak-free read when the client holds no
// image (Leptonica could not decode the bytes given to SetImageFromBytes).
var errNoTessImage = errors.New("no image set")

// clientLayout is where gosseract.Client keeps its TessBaseAPI handle and its
// Pix image. gosseract's Text never frees the string Tesseract returns (about
// 0.3 KB of heap a call once fragmentation is counted, issue 7), so the reader
// calls Tesseract on gosseract's own handle and image and frees the string
// itself; the fields are unexported, hence found by reflection.
type clientLayout struct {
	apiOff, pixOff uintptr
}

// gosseractLayout finds clientLayout in this build's gosseract.Client. It fails
// when an upgrade renamed the fields or changed them from C pointers; the
// reader then falls back to gosseract's Text.
func gosseractLayout() (clientLayout, error) {
	t := reflect.TypeFor[gosseract.Client]()
	offset := func(name string) (uintptr, error) {
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 {
			return 0, fmt.Errorf("gosseract.Client has no field %s", name)
		}
		if k := f.Type.Kind(); (k != reflect.UnsafePointer && k != reflect.Pointer) || f.Type.Size() != unsafe.Sizeof(uintptr(0)) {
			return 0, fmt.Errorf("gosseract.Client.%s is %s, not a C pointer", name, f.Type)
		}
		return f.Offset, nil
	}
	api, err := offset("api")
	if err != nil {
		return clientLayout{}, err
	}
	pix, err := offset("pixImage")
	if err != nil {
		return clientLayout{}, err
	}
	return clientLayout{apiOff: api, pixOff: pix}, nil
}

// tessHandle is one gosseract client and whether it has been initialised.
// gosseract initialises lazily in its first Text (language, variables), so
// the first read of each handle goes through gosseract; nothing asks it to
// re-initialise afterwards (the language is set once, at construction).
type tessHandle struct {
	c     *gosseract.Client
	ready bool
}

// text reads the handle's current image and Tesseract's confidence in it
// (0–100). layout nil means gosseract's Text (which leaks and gives no
// confidence: -1); otherwise, once the handle is ready, the leak-free read.
func (h *tessHandle) text(layout *clientLayout) (string, int, error) {
	if layout == nil || !h.ready {
		s, err := h.c.Text()
		if err != nil {
			return "", 0, err
		}
		h.ready = true
		return s, unknownConfidence, nil
	}
	base := unsafe.Pointer(h.c)
	api := *(*unsafe.Pointer)(unsafe.Add(base, layout.apiOff))
	pix := *(*unsafe.Pointer)(unsafe.Add(base, layout.pixOff))
	if api == nil || pix == nil {
		return "", 0, errNoTessImage
	}
	var conf C.int
	p := C.tutanak_tess_text(api, pix, &conf)
	defer C.TessDeleteText(p)
	s := C.GoString(p)
	if h.c.Trim {
		s = strings.Trim(s, "\n")
	}
	return s, int(conf), nil
}

// gray reads img on an initialised handle through the leak-free path
// without an encoded image; ok is false when the handle cannot take it (not
// initialised yet, or no leak-free layout), and the caller goes through text.
func (h *tessHandle) gray(layout *clientLayout, img *image.Gray) (s string, conf int, ok bool) {
	w, ht := img.Rect.Dx(), img.Rect.Dy()
	if layout == nil || !h.ready || w <= 0 || ht <= 0 {
		return "", 0, false
	}
	api := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(h.c), layout.apiOff))
	if api == nil {
		return "", 0, false
	}
	var c C.int
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	p := C.tutanak_tess_gray(api, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(ht), C.int(img.Stride), &c)
	defer C.TessDeleteText(p)
	s = C.GoString(p)
	if h.c.Trim {
		s = strings.Trim(s, "\n")
	}
	return s, int(c), true
}

// cHeapBytes is the C heap in use (glibc's mallinfo2, all arenas), for the
// memory test: RSS moves in pages and with fragmentation, this in bytes.
func cHeapBytes() uint64 {
	m := C.mallinfo2()
	return uint64(m.uordblks) + uint64(m.hblkhd)
}
