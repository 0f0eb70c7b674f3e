package ocr

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed forms/*.json
var formFiles embed.FS

// ErrUnknownForm is returned when a form id has no definition.
var ErrUnknownForm = errors.New("unknown form")

// Box is a rectangle in the form's own pixel space (the blank form at its DPI).
type Box struct {
	X int `json:"X"`
	Y int `json:"Y"`
	W int `json:"W"`
	H int `json:"H"`
}

// Rect returns the box as an image.Rectangle.
func (b Box) Rect() image.Rectangle { return image.Rect(b.X, b.Y, b.X+b.W, b.Y+b.H) }

// PrintedField is a header value printed by the authority's system.
type PrintedField struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	ValueBox Box    `json:"value_box"`
}

// Field is a count the ballot-box committee writes by hand.
type Field struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Section   string `json:"section"`
	DigitsBox Box    `json:"digits_box"`
	WordsBox  Box    `json:"words_box"`
}

// Form is the definition of a printed result sheet: geometry and arithmetic rules.
type Form struct {
	ID             string         `json:"id"`
	Title          string         `json:"title"`
	WidthPx        int            `json:"width_px"`
	HeightPx       int            `json:"height_px"`
	DPI            int            `json:"dpi"`
	TableOuterBox  Box            `json:"table_outer_box"`
	Printed        []PrintedField `json:"printed"`
	Fields         []Field        `json:"fields"`
	SignatureBoxes []Box          `json:"signature_boxes"`
	RuleTexts      []string       `json:"rules"`

	// Rules are RuleTexts parsed; filled by ParseForm.
	Rules []Rule `json:"-"`
}

// FieldIDs returns the ids of the handwritten counts in form order.
func (f *Form) FieldIDs() []string {
	ids := make([]string, len(f.Fields))
	for i, fl := range f.Fields {
		ids[i] = fl.ID
	}
	return ids
}

// Field returns the field with the given id.
func (f *Form) Field(id string) (Field, bool) {
	for _, fl := range f.Fields {
		if fl.ID == id {
			return fl, true
		}
	}
	return Field{}, false
}

// Label is the printed label of the field with the given id, as people
// read it; the id itself for a field the form lacks or that has no label.
func (f *Form) Label(id string) string {
	if fl, ok := f.Field(id); ok && fl.Label != "" {
		return fl.Label
	}
	return id
}

// ParseForm decodes and validates a form definition.
func ParseForm(data []byte) (*Form, error) {
	var f Form
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode form: %w", err)
	}
	if f.ID == "" || f.WidthPx <= 0 || f.HeightPx <= 0 {
		return nil, fmt.Errorf("form %q: id and size are required", f.ID)
	}
	if len(f.Fields) == 0 {
		return nil, fmt.Errorf("form %q: no fields", f.ID)
	}
	known := make(map[string]bool, len(f.Fields))
	page := image.Rect(0, 0, f.WidthPx, f.HeightPx)
	for _, fl := range f.Fields {
		if known[fl.ID] {
			return nil, fmt.Errorf("form %q: duplicate field %q", f.ID, fl.ID)
		}
		known[fl.ID] = true
		if r := fl.DigitsBox.Rect(); r.Empty() || !r.In(page) {
			return nil, fmt.Errorf("form %q: field %q: digits box outside the page", f.ID, fl.ID)
		}
	}
	for _, p := range f.Printed {
		if r := p.ValueBox.Rect(); r.Empty() || !r.In(page) {
			return nil, fmt.Errorf("form %q: printed %q: value box outside the page", f.ID, p.ID)
		}
	}
	for _, text := range f.RuleTexts {
		r, err := ParseRule(text)
		if err != nil {
			return nil, fmt.Errorf("form %q: %w", f.ID, err)
		}
		for _, t := range r.Terms {
			if !known[t.Field] {
				return nil, fmt.Errorf("form %q: rule %q: unknown field %q", f.ID, text, t.Field)
			}
		}
		f.Rules = append(f.Rules, r)
	}
	return &f, nil
}

// LoadForm returns the embedded definition of the form with the given id.
func LoadForm(id string) (*Form, error) {
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownForm, id)
	}
	data, err := formFiles.ReadFile(path.Join("forms", id+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownForm, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read form %q: %w", id, err)
	}
	return ParseForm(data)
}

// FormIDs lists the embedded forms.
func FormIDs() []string {
	entries, _ := formFiles.ReadDir("forms")
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(ids)
	return ids
}

// Op is a comparison in an arithmetic rule.
type Op string

// Comparisons a rule may use.
const (
	OpEq Op = "=="
	OpLe Op = "<="
	OpGe Op = ">="
	OpLt Op = "<"
	OpGt Op = ">"
)

// Term is one signed field in a rule, normalised to the left-hand side.
type Term struct {
	Coef  int
	Field string
}

// Rule is a linear constraint Σ coef·field  op  0, parsed from text like
// "gecerli_oy + gecersiz_oy <= sandiktan_cikan_zarf".
type Rule struct {
	Text  string
	Terms []Term
	Const int
	Op    Op
}

// ParseRule parses "a + b - c OP d + e" with integer constants allowed.
func ParseRule(text string) (Rule, error) {
	var op Op
	var at int
	for _, cand := range []Op{OpEq, OpLe, OpGe, OpLt, OpGt} {
		if i := strings.Index(text, string(cand)); i >= 0 {
			op, at = cand, i
			break
		}
	}
	if op == "" {
		return Rule{}, fmt.Errorf("rule %q: no comparison", text)
	}
	r := Rule{Text: text, Op: op}
	if err := r.addSide(text[:at], 1); err != nil {
		return Rule{}, err
	}
	if err := r.addSide(text[at+len(op):], -1); err != nil {
		return Rule{}, err
	}
	if len(r.Terms) == 0 {
		return Rule{}, fmt.Errorf("rule %q: no fields", text)
	}
	return r, nil
}

// opWords are the comparisons as people write them.
var opWords = map[Op]string{OpEq: "=", OpLe: "≤", OpGe: "≥", OpLt: "<", OpGt: ">"}

// Words writes the rule for people rather than for the parser: each field
// as name gives it (its printed label, say) and the comparison as ≤, ≥ or =.
func (r Rule) Words(name func(field string) string) string {
	left, right, _ := strings.Cut(r.Text, string(r.Op))
	side := func(s string) string {
		toks := strings.Fields(strings.NewReplacer("+", " + ", "-", " - ").Replace(s))
		for i, t := range toks {
			if isIdent(t) {
				toks[i] = name(t)
			}
		}
		return strings.Join(toks, " ")
	}
	return side(left) + " " + opWords[r.Op] + " " + side(right)
}

func (r *Rule) addSide(side string, sign int) error {
	tokens := strings.Fields(strings.NewReplacer("+", " + ", "-", " - ").Replace(side))
	if len(tokens) == 0 {
		return fmt.Errorf("rule %q: empty side", r.Text)
	}
	s := 1
	expectOperand := true
	for _, tok := range tokens {
		switch {
		case tok == "+" || tok == "-":
			if expectOperand {
				return fmt.Errorf("rule %q: misplaced %q", r.Text, tok)
			}
			s = 1
			if tok == "-" {
				s = -1
			}
			expectOperand = true
		case !expectOperand:
			return fmt.Errorf("rule %q: missing operator before %q", r.Text, tok)
		default:
			var n int
			if _, err := fmt.Sscanf(tok, "%d", &n); err == nil && fmt.Sprint(n) == tok {
				r.Const += sign * s * n
			} else if isIdent(tok) {
				r.Terms = append(r.Terms, Term{Coef: sign * s, Field: tok})
			} else {
				return fmt.Errorf("rule %q: bad operand %q", r.Text, tok)
			}
			expectOperand = false
		}
	}
	if expectOperand {
		return fmt.Errorf("rule %q: trailing operator", r.Text)
	}
	return nil
}

func isIdent(s string) bool {
	for i, c := range s {
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return s != ""
}

// Slack returns Σ coef·value + const; ok is false when a value is missing.
func (r Rule) Slack(values map[string]int) (slack int, ok bool) {
	slack = r.Const
	for _, t := range r.Terms {
		v, found := values[t.Field]
		if !found {
			return 0, false
		}
		slack += t.Coef * v
	}
	return slack, true
}

// Holds reports whether the rule holds; ok is false when a value is missing.
func (r Rule) Holds(values map[string]int) (holds, ok bool) {
	s, ok := r.Slack(values)
	if !ok {
		return false, false
	}
	return Compare(s, r.Op), true
}

// Compare reports whether slack (Σ coef·value + const) satisfies op against zero.
func Compare(slack int, op Op) bool {
	switch op {
	case OpEq:
		return slack == 0
	case OpLe:
		return slack <= 0
	case OpGe:
		return slack >= 0
	case OpLt:
		return slack < 0
	default:
		return slack > 0
	}
}
