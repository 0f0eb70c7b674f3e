package review

import "testing"

func TestPDFText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"parentheses and a Turkish letter", "Sandık 12 (a)", "Sand\\217k 12 \\(a\\)"},
		{"turkish letters", "ĞğİıŞş", "\\177\\201\\215\\217\\220\\235"},
		{"a rule's comparisons", "a ≤ b ≥ c", "a <= b >= c"},
		{"a tab", "a\tb", "a b"},
		{"what the font lacks", "→", "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pdfText(tt.in); got != tt.want {
				t.Errorf("pdfText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
