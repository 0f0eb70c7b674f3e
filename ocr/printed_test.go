package ocr

import (
	"context"
	"image"
	"testing"
)

// scriptedText is a TextReader that answers each read with the next line of
// a script, so that a test sees how many reads the reader asks for.
type scriptedText struct {
	lines []scriptedLine
	calls int
}

type scriptedLine struct {
	text string
	conf int
}

func (s *scriptedText) ReadLine(_ context.Context, _ *image.Gray, _ bool) (string, int, error) {
	l := s.lines[min(s.calls, len(s.lines)-1)]
	s.calls++
	return l.text, l.conf, nil
}

// TestReadPrintedNumber checks when a printed number's first reading is
// taken alone and when further variants must agree with it.
func TestReadPrintedNumber(t *testing.T) {
	variants := []*image.Gray{image.NewGray(image.Rect(0, 0, 8, 8)), image.NewGray(image.Rect(0, 0, 8, 8)), image.NewGray(image.Rect(0, 0, 8, 8))}
	for _, tc := range []struct {
		name      string
		lines     []scriptedLine
		want      string
		wantCalls int
	}{
		{"sure first reading", []scriptedLine{{"1042", 95}}, "1042", 1},
		{"sure at the bar", []scriptedLine{{"1042", sureNumber}}, "1042", 1},
		{"unsure first reading, second agrees", []scriptedLine{{"1042", sureNumber - 1}, {"1042", 70}}, "1042", 2},
		{"unsure first reading outvoted", []scriptedLine{{"1047", 60}, {"1042", 80}, {"1042", 80}}, "1042", 3},
		{"confidence unknown", []scriptedLine{{"1042", unknownConfidence}, {"1042", unknownConfidence}}, "1042", 2},
		{"sure but not a number", []scriptedLine{{"10a2", 95}, {"1042", 70}, {"1042", 70}}, "1042", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := &scriptedText{lines: tc.lines}
			r := &Reader{text: text}
			got, err := r.readPrintedNumber(context.Background(), variants)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || text.calls != tc.wantCalls {
				t.Errorf("read %q in %d reads, want %q in %d", got, text.calls, tc.want, tc.wantCalls)
			}
		})
	}
}

// TestReadPrintedName checks how many variants a printed name is read from:
// a province or a district of a known province until a reading snaps to a
// real name, any other value until a reading is plausible.
func TestReadPrintedName(t *testing.T) {
	// Ink on paper, so that textVariants makes all three variants.
	crop := image.NewGray(image.Rect(0, 0, 60, 20))
	for i := range crop.Pix {
		crop.Pix[i] = 230
	}
	for y := 8; y < 12; y++ {
		for x := 20; x < 40; x++ {
			crop.Pix[y*crop.Stride+x] = 20
		}
	}
	if n := len(textVariants(crop)); n != 3 {
		t.Fatalf("%d variants, want 3", n)
	}
	for _, tc := range []struct {
		name, id, il string
		lines        []string
		want         string
		wantCalls    int
	}{
		{"province read right", "il", "", []string{"İZMİR"}, "İZMİR", 1},
		{"province snapped", "il", "", []string{"ZMİR"}, "İZMİR", 1},
		{"province snapped on the second variant", "il", "", []string{"ADAN LİA", "ADANA"}, "ADANA", 2},
		{"province never snapped", "il", "", []string{"ADAN LİA", "#", "ZZZ"}, "ADAN LİA", 3},
		{"district snapped", "ilce", "İSTANBUL", []string{"USKUDAR"}, "ÜSKÜDAR", 1},
		{"district of another province", "ilce", "İZMİR", []string{"USKUDAR", "USKUDAR", "USKUDAR"}, "USKUDAR", 3},
		{"district of an unknown province", "ilce", "", []string{"USKUDAR"}, "USKUDAR", 1},
		{"neighbourhood", "muhtarlik", "İZMİR", []string{"YENİ MAH"}, "YENİ MAH.", 1},
		{"neighbourhood read on the second variant", "muhtarlik", "İZMİR", []string{"#%", "YALI MAH."}, "YALI MAH.", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := &scriptedText{}
			for _, l := range tc.lines {
				text.lines = append(text.lines, scriptedLine{l, 90})
			}
			r := &Reader{text: text}
			got, err := r.readPrinted(context.Background(), tc.id, crop, tc.il)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || text.calls != tc.wantCalls {
				t.Errorf("read %q in %d reads, want %q in %d", got, text.calls, tc.want, tc.wantCalls)
			}
		})
	}
}
