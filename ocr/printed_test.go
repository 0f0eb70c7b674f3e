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
