package ocr

import (
	"errors"
	"testing"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		values  map[string]int
		holds   bool
		wantErr bool
	}{
		{name: "le holds", text: "a <= b", values: map[string]int{"a": 3, "b": 3}, holds: true},
		{name: "le broken", text: "a <= b", values: map[string]int{"a": 4, "b": 3}},
		{name: "sum equals", text: "a + b + c == d", values: map[string]int{"a": 1, "b": 2, "c": 3, "d": 6}, holds: true},
		{name: "sum differs", text: "a + b + c == d", values: map[string]int{"a": 1, "b": 2, "c": 3, "d": 7}},
		{name: "both sides", text: "a + b <= c - d", values: map[string]int{"a": 1, "b": 1, "c": 5, "d": 3}, holds: true},
		{name: "constant", text: "a >= 10", values: map[string]int{"a": 10}, holds: true},
		{name: "strict", text: "a < b", values: map[string]int{"a": 2, "b": 2}},
		{name: "no comparison", text: "a + b", wantErr: true},
		{name: "dangling operator", text: "a + <= b", wantErr: true},
		{name: "missing operator", text: "a b == c", wantErr: true},
		{name: "bad operand", text: "a * 2 == b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRule(tt.text)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseRule(%q) = %+v, want an error", tt.text, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRule(%q): %v", tt.text, err)
			}
			holds, ok := r.Holds(tt.values)
			if !ok || holds != tt.holds {
				t.Errorf("Holds = %v (ok %v), want %v", holds, ok, tt.holds)
			}
		})
	}
}

func TestRuleWords(t *testing.T) {
	names := map[string]string{"oy": "Geçerli oy", "a": "ADAY A", "b": "ADAY B", "zarf": "Zarf"}
	tests := []struct{ name, text, want string }{
		{"sum", "a + b == oy", "ADAY A + ADAY B = Geçerli oy"},
		{"at most", "oy <= zarf", "Geçerli oy ≤ Zarf"},
		{"at least, with a constant", "zarf - 2 >= a", "Zarf - 2 ≥ ADAY A"},
		{"strict", "a < b", "ADAY A < ADAY B"},
		{"no spaces", "a+b==oy", "ADAY A + ADAY B = Geçerli oy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRule(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Words(func(f string) string { return names[f] }); got != tt.want {
				t.Errorf("Words(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestRuleMissingValue(t *testing.T) {
	r, err := ParseRule("a == b")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Holds(map[string]int{"a": 1}); ok {
		t.Error("Holds with a missing value reported ok")
	}
}

func TestLoadForm(t *testing.T) {
	f, err := LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Fields) != 13 || len(f.Printed) != 5 || len(f.Rules) != 6 {
		t.Errorf("cb-2023: %d fields, %d printed, %d rules; want 13, 5, 6", len(f.Fields), len(f.Printed), len(f.Rules))
	}
	for _, id := range []string{"", "nope", "../forms/cb-2023", "cb-2023.json"} {
		if _, err := LoadForm(id); !errors.Is(err, ErrUnknownForm) {
			t.Errorf("LoadForm(%q) = %v, want ErrUnknownForm", id, err)
		}
	}
}

func TestParseFormRejectsUnknownRuleField(t *testing.T) {
	_, err := ParseForm([]byte(`{"id":"x","width_px":100,"height_px":100,
		"fields":[{"id":"a","digits_box":{"X":1,"Y":1,"W":10,"H":10}}],
		"rules":["a <= b"]}`))
	if err == nil {
		t.Fatal("a rule naming an unknown field was accepted")
	}
}

func TestFormLinesCoverTable(t *testing.T) {
	f, err := LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	var h, v int
	for _, l := range formLines(f) {
		if l.Vertical {
			v++
		} else {
			h++
		}
	}
	// Header rows, table rows and signature boxes give well over a dozen of each.
	if h < 15 || v < 5 {
		t.Errorf("formLines: %d horizontal, %d vertical", h, v)
	}
}

func TestFormLabel(t *testing.T) {
	f, err := LoadForm("cb-2023")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, id, want string }{
		{"a field", "gecerli_oy", "Geçerli oy pusulalarının toplamı"},
		{"a candidate", "aday_1", "RECEP TAYYİP ERDOĞAN"},
		{"no such field", "aday_9", "aday_9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.Label(tt.id); got != tt.want {
				t.Errorf("Label(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}
