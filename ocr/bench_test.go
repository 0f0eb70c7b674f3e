package ocr_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/tutanak/tutanak/ocr"
)

// BenchmarkReadStages reads one 12-megapixel phone photo per iteration on one
// core and reports each stage's mean time (ms/op per stage).
func BenchmarkReadStages(b *testing.B) {
	form, err := ocr.LoadForm("cb-2023")
	if err != nil {
		b.Fatal(err)
	}
	data := benchPhoto(b, form)
	tess, err := ocr.NewTesseract(ocr.TesseractConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer tess.Close()
	r := ocr.NewReader(ocr.Config{}, tess, newRecognizer(b), slog.New(slog.NewTextHandler(io.Discard, nil)))
	stages := map[string]float64{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd, err := r.Read(context.Background(), form, data)
		if err != nil {
			b.Fatal(err)
		}
		if !rd.PageFound {
			b.Fatal("page not found")
		}
		for _, s := range rd.Stages {
			stages[s.Name] += float64(s.Duration.Microseconds()) / 1000
		}
	}
	for name, ms := range stages {
		b.ReportMetric(ms/float64(b.N), name+"-ms/op")
	}
}

// benchPhoto is a generated 3000×4000 phone photo, written once to testdata.
func benchPhoto(b *testing.B, form *ocr.Form) []byte {
	const path = "testdata/bench-12mp.jpg"
	if data, err := os.ReadFile(path); err == nil {
		return data
	}
	data := generatePhoto(b, form, 3000, 4000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return data
}
