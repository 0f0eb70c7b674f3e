package ocr

import (
	"image"
	"time"
)

// DigitProbs is a probability distribution over the digits 0–9 for one written digit.
type DigitProbs [10]float64

// Number is what a Recognizer saw in one handwritten cell.
type Number struct {
	// Digits holds one distribution per written digit, most significant first.
	// Empty when nothing was written.
	Digits []DigitProbs `json:"digits"`
	// SegConfidence is how sure the recogniser is that len(Digits) digits were
	// written (0–1); a low value means strokes may have been split or merged.
	SegConfidence float64 `json:"seg_confidence"`
}

// Recognizer reads a handwritten number from a grey crop of its cell.
// The crop includes a margin around the cell because figures overflow their
// boxes; cell is the cell's rectangle inside crop.
type Recognizer interface {
	ReadNumber(crop *image.Gray, cell image.Rectangle) (Number, error)
}

// Problem is a reason a photo is not good enough, as a stable code with text for people.
type Problem struct {
	Code string `json:"code"`
	TR   string `json:"tr"`
	EN   string `json:"en"`
}

// Quality is the photo-quality gate's finding.
type Quality struct {
	OK       bool      `json:"ok"`
	Problems []Problem `json:"problems"`
	// Sharpness is the variance of the Laplacian on the normalised page.
	Sharpness float64 `json:"sharpness"`
	// Brightness is the median grey level of the page (0–255).
	Brightness float64 `json:"brightness"`
}

// FieldReading is the reader's view of one handwritten count.
type FieldReading struct {
	// Value is the most likely figure; nil when unreadable.
	Value *int `json:"value"`
	// Confidence is the probability of Value under the reader's model.
	Confidence float64 `json:"confidence"`
	// Number is the raw per-digit reading.
	Number Number `json:"number"`
	// Crop is the cut-out cell as read (with margin), for people and evidence.
	Crop *image.Gray `json:"-"`
}

// Reading is everything the reader found on one photo.
// It marshals to JSON without its images, so that a verdict can be recomputed
// later (when typed figures arrive) without reading the photo again.
type Reading struct {
	FormID    string  `json:"form"`
	PageFound bool    `json:"page_found"`
	Quality   Quality `json:"quality"`
	// Printed holds the header values read with Tesseract, by printed-field id.
	Printed map[string]string `json:"printed"`
	// Fields holds the handwritten counts, by field id.
	Fields map[string]FieldReading `json:"fields"`
	// Stages records how long each stage took.
	Stages []Stage `json:"stages"`

	// PrintedCrops holds the header value cells, by printed-field id.
	PrintedCrops map[string]*image.Gray `json:"-"`
	// Page is the rectified page in form coordinates scaled by PageScale.
	Page *image.Gray `json:"-"`
	// PageScale is Page's size relative to the form's own pixel space.
	PageScale float64 `json:"-"`
}

// Stage is the duration of one step of the reading pipeline.
type Stage struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}
