package main

import (
	"fmt"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/digits"
)

// newRecognizer returns the handwriting recogniser: the trained CNN, its
// first network alone (to measure what the ensemble earns), or Tesseract
// restricted to digits as a baseline to compare it with.
func newRecognizer(kind string, tess *ocr.Tesseract) (ocr.Recognizer, error) {
	switch kind {
	case "cnn", "cnn-first":
		m, err := digits.Load()
		if err != nil {
			return nil, err
		}
		if kind == "cnn-first" {
			m = m.First()
		}
		return digits.NewReader(m), nil
	case "tesseract":
		return ocr.NewTesseractDigits(tess), nil
	default:
		return nil, fmt.Errorf("unknown --digits %q (cnn, cnn-first or tesseract)", kind)
	}
}
