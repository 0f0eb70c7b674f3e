package main

import (
	"fmt"

	"github.com/tutanak/tutanak/ocr"
)

func newRecognizer(kind string, tess *ocr.Tesseract) (ocr.Recognizer, error) {
	switch kind {
	case "tesseract", "cnn":
		return ocr.NewTesseractDigits(tess), nil
	default:
		return nil, fmt.Errorf("unknown --digits %q (cnn or tesseract)", kind)
	}
}
