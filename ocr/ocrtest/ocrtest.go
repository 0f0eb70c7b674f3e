// Package ocrtest holds what tests of the packages above ocr build readings
// from.
package ocrtest

import (
	"fmt"

	"github.com/tutanak/tutanak/ocr"
)

// SureNumber is what a recogniser sure of every digit of v reports: each
// digit at 0.991, the others at 0.001, the digit count at 0.99.
func SureNumber(v int) ocr.Number {
	n := ocr.Number{SegConfidence: 0.99}
	for _, c := range fmt.Sprint(v) {
		var p ocr.DigitProbs
		for d := range p {
			p[d] = 0.001
		}
		p[c-'0'] = 0.991
		n.Digits = append(n.Digits, p)
	}
	return n
}
