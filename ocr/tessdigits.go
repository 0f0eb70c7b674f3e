package ocr

import (
	"context"
	"image"
)

// TesseractDigits reads handwritten counts with Tesseract restricted to
// digits. It is the baseline the trained digit reader is measured against:
// Tesseract is made for print and reads handwriting poorly.
type TesseractDigits struct {
	t TextReader
}

// NewTesseractDigits returns a Recognizer backed by t.
func NewTesseractDigits(t TextReader) *TesseractDigits { return &TesseractDigits{t: t} }

// tessDigitBelief is the probability given to the digit Tesseract reports;
// Tesseract's own confidences are not per-digit distributions.
const tessDigitBelief = 0.9

// ReadNumber implements Recognizer.
func (r *TesseractDigits) ReadNumber(crop *image.Gray, cell image.Rectangle) (Number, error) {
	sub := crop.SubImage(cell.Intersect(crop.Rect)).(*image.Gray)
	s, _, err := r.t.ReadLine(context.Background(), sub, true)
	if err != nil {
		return Number{}, err
	}
	s = cleanPrinted(s, true)
	n := Number{SegConfidence: 1}
	for _, c := range s {
		var d DigitProbs
		for k := range d {
			d[k] = (1 - tessDigitBelief) / 9
		}
		d[c-'0'] = tessDigitBelief
		n.Digits = append(n.Digits, d)
	}
	return n, nil
}
