package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Record is one sheet in truth.json, in the same JSON shape as the reference
// samples of the project (file, form, truth, typed, photo, hard).
type Record struct {
	File  string `json:"file"`
	Form  string `json:"form"`
	Truth Truth  `json:"truth"`
	Typed Typed  `json:"typed"`
	// Photo describes the camera; nil for flat scans.
	Photo *Photo `json:"photo,omitempty"`
	// Hard marks a deliberately bad photo (stronger tilt, perspective, blur).
	Hard bool `json:"hard"`
}

// Truth is what is on the sheet.
type Truth struct {
	// Printed holds the header values by printed-field id.
	Printed map[string]string `json:"printed"`
	// Counts holds the handwritten figures by field id.
	Counts map[string]int `json:"counts"`
}

// Typed is what a data-entry person typed for the sheet.
type Typed struct {
	Counts map[string]int `json:"counts"`
	// Errors lists the fields where Counts differs from the sheet; nil when none.
	Errors []string `json:"errors"`
}

// Photo is how a sheet was photographed.
type Photo struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// PageCorners are the page's corners in photo pixels: TL, TR, BR, BL.
	PageCorners  [4][2]float64 `json:"page_corners"`
	BlurSigma    float64       `json:"blur_sigma"`
	NoiseSigma   float64       `json:"noise_sigma"`
	DarkestLight float64       `json:"darkest_light"`
	JPEGQuality  int           `json:"jpeg_quality"`
}

// ReadTruth reads a truth.json file.
func ReadTruth(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read truth: %w", err)
	}
	var recs []Record
	if err := json.Unmarshal(data, &recs); err != nil {
		return nil, fmt.Errorf("decode truth %s: %w", path, err)
	}
	return recs, nil
}

// WriteTruth writes records as an indented truth.json file.
func WriteTruth(path string, recs []Record) error {
	if recs == nil {
		recs = []Record{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(recs); err != nil {
		return fmt.Errorf("encode truth: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}
