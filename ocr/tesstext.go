package ocr

/*
#cgo LDFLAGS: -ltesseract -llept
#include <malloc.h>
#include <stdlib.h>
#include <tesseract/capi.h>

// tutanak_tess_gray does what gosseract's Client.Text does on a handle that
// is already initialised (tessbridge.cpp SetPixImage, then UTF8Text), on grey
// pixels handed over as they are, which Tesseract copies: set the image,
// raise a resolution below 70 DPI to 70, recognise. It also reports
// Tesseract's mean word confidence (0–100) of that recognition. The caller
// frees the result with TessDeleteText, which gosseract never does.
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
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"reflect"
	"strings"
	"unsafe"

	"github.com/otiai10/gosseract/v2"
)

// errEmptyImage is returned for an image without pixels, which Tesseract
// cannot be given.
var errEmptyImage = errors.New("empty image")

// clientLayout is where gosseract.Client keeps its TessBaseAPI handle.
// gosseract's Text never frees the string Tesseract returns (about 0.3 KB of
// heap a call once fragmentation is counted, issue 7), so the reader calls
// Tesseract on gosseract's own handle and frees the string itself; the field
// is unexported, hence found by reflection.
type clientLayout struct {
	apiOff uintptr
}

// gosseractLayout finds clientLayout in this build's gosseract.Client. It fails
// when an upgrade renamed the field or changed it from a C pointer; the
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
	return clientLayout{apiOff: api}, nil
}

// tessHandle is one gosseract client and whether it has been initialised.
// gosseract initialises lazily in its first Text (language, variables), so
// the first read of each handle goes through gosseract; nothing asks it to
// re-initialise afterwards (the language is set once, at construction).
type tessHandle struct {
	c     *gosseract.Client
	ready bool
}

// read reads img and Tesseract's confidence in it (0–100). layout nil means
// gosseract's Text, which leaks and gives no confidence (-1); so does the
// handle's first read, which lets gosseract initialise it. Every later read
// hands Tesseract the pixels on gosseract's handle and frees the text.
func (h *tessHandle) read(layout *clientLayout, img *image.Gray) (string, int, error) {
	w, ht := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || ht <= 0 {
		return "", 0, errEmptyImage
	}
	if layout == nil || !h.ready {
		// Leptonica needs an encoded image here; compression would only cost time.
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img); err != nil {
			return "", 0, fmt.Errorf("encode: %w", err)
		}
		if err := h.c.SetImageFromBytes(buf.Bytes()); err != nil {
			return "", 0, fmt.Errorf("image: %w", err)
		}
		s, err := h.c.Text()
		if err != nil {
			return "", 0, err
		}
		h.ready = true
		return s, unknownConfidence, nil
	}
	api := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(h.c), layout.apiOff))
	if api == nil {
		return "", 0, errors.New("gosseract handle not initialised")
	}
	var conf C.int
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	p := C.tutanak_tess_gray(api, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(ht), C.int(img.Stride), &conf)
	defer C.TessDeleteText(p)
	s := C.GoString(p)
	if h.c.Trim {
		s = strings.Trim(s, "\n")
	}
	return s, int(conf), nil
}

// cHeapBytes is the C heap in use (glibc's mallinfo2, all arenas), for the
// memory test: RSS moves in pages and with fragmentation, this in bytes.
func cHeapBytes() uint64 {
	m := C.mallinfo2()
	return uint64(m.uordblks) + uint64(m.hblkhd)
}
