package digits

import (
	"encoding/json"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// samplesFloor is just below the share of the sample sheets' cells the reader
// gets exactly right (see testdata/cells/README.md).
const samplesFloor = 0.97

type cellCase struct {
	File  string `json:"file"`
	Cell  [4]int `json:"cell"`
	Value int    `json:"value"`
	Hard  bool   `json:"hard"`
}

// TestReadNumberSampleSheets reads the figure cells cut from the twelve
// photographed sample sheets (rectified with their known page corners).
func TestReadNumberSampleSheets(t *testing.T) {
	dir := filepath.Join("testdata", "cells")
	cases := loadCellCases(t, dir)
	r := NewReader(loadModel(t))
	right := 0
	for _, tc := range cases {
		crop := loadGray(t, filepath.Join(dir, tc.File))
		cell := image.Rect(tc.Cell[0], tc.Cell[1], tc.Cell[2], tc.Cell[3])
		got, err := r.ReadNumber(crop, cell)
		if err != nil {
			t.Fatalf("%s: %v", tc.File, err)
		}
		v, ok := readValue(got)
		if ok && v == tc.Value {
			right++
			continue
		}
		t.Logf("%s: read %d (%d digits, seg %.2f), want %d", tc.File, v, len(got.Digits), got.SegConfidence, tc.Value)
	}
	acc := float64(right) / float64(len(cases))
	t.Logf("sample sheets exact-number accuracy: %.4f (%d/%d)", acc, right, len(cases))
	if acc < samplesFloor {
		t.Errorf("accuracy %.4f below floor %.4f", acc, samplesFloor)
	}
}

// loadCellCases reads the cells.json of a fixture directory.
func loadCellCases(tb testing.TB, dir string) []cellCase {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "cells.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cases []cellCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		tb.Fatal(err)
	}
	return cases
}

func loadGray(tb testing.TB, path string) *image.Gray {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}
