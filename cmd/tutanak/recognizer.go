package main

import (
	"fmt"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/digits"
)

// newRecognizer returns the handwriting recogniser: the trained CNN, or
// Tesseract restricted to digits as a baseline to compare it with.
func newRecognizer(kind string, tess *ocr.Tesseract) (ocr.Recognizer, error) {
	switch kind {
	case "cnn":
		m, err := digits.Load()
		if err != nil {
			return nil, err
		}
		return digits.NewReader(m), nil
	case "tesseract":
		return ocr.NewTesseractDigits(tess), nil
	default:
		return nil, fmt.Errorf("unknown --digits %q (cnn or tesseract)", kind)
	}
}
