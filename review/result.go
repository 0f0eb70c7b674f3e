// Package review holds tutanak's domain: what a photo says against what was
// typed, the verdict on a sheet, lawyers' decisions, custody and totals.
package review

import "github.com/tutanak/tutanak/ocr"

// Verdict is the outcome of checking one sheet.
type Verdict string

// Verdicts. Only Verified figures reach the totals without a person.
const (
	// Verified: every typed figure is supported by the photo and every rule holds.
	Verified Verdict = "verified"
	// Flagged: readable, but something needs a person; Result.Reasons says what.
	Flagged Verdict = "flagged"
	// Unreadable: page not found or photo too poor; the observer must retake.
	Unreadable Verdict = "unreadable"
)

// FieldStatus compares one typed figure with the photo.
type FieldStatus string

// Field statuses.
const (
	StatusMatch      FieldStatus = "match"
	StatusMismatch   FieldStatus = "mismatch"
	StatusUnreadable FieldStatus = "unreadable"
	// StatusRead means no typed figure was given; the value is the photo's alone.
	StatusRead FieldStatus = "read"
)

// FieldResult is one field of the form as checked.
type FieldResult struct {
	// Value is what the photo shows; nil when unreadable.
	Value *int `json:"value"`
	// Confidence is the probability of Value given the photo (0–1).
	Confidence float64 `json:"confidence"`
	// Typed is the typed figure, nil when none was given.
	Typed *int `json:"typed"`
	// Support is the probability the photo gives the typed figure (0–1);
	// omitted without a typed figure.
	Support *float64    `json:"support,omitempty"`
	Status  FieldStatus `json:"status"`
	// VerifiedBy names the equality rule that vouches for a typed figure the
	// photo reads poorly: every other figure of the rule is supported by the
	// photo and the rule holds, so this one is pinned by arithmetic.
	VerifiedBy string `json:"verified_by,omitempty"`
}

// RuleResult is one arithmetic rule of the form, evaluated on the figures
// that will be used (typed where given, read otherwise).
type RuleResult struct {
	Rule string `json:"rule"`
	OK   bool   `json:"ok"`
	// Missing is true when a figure the rule needs is unknown.
	Missing bool `json:"missing,omitempty"`
}

// Reason says why a sheet needs a person, in a stable code and in words.
type Reason struct {
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
	Rule  string `json:"rule,omitempty"`
	// Typed and Read are the figures in conflict, when the reason is about a field.
	Typed      *int    `json:"typed,omitempty"`
	Read       *int    `json:"read,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	TR         string  `json:"tr"`
	EN         string  `json:"en"`
}

// Result is the checked sheet: the contract `tutanak check` prints and the
// service stores.
type Result struct {
	Form      string                 `json:"form"`
	PageFound bool                   `json:"page_found"`
	Quality   ocr.Quality            `json:"quality"`
	Printed   map[string]string      `json:"printed"`
	Fields    map[string]FieldResult `json:"fields"`
	Rules     []RuleResult           `json:"rules"`
	Verdict   Verdict                `json:"verdict"`
	Reasons   []Reason               `json:"reasons"`
	ElapsedMS int64                  `json:"elapsed_ms"`
}
