package review

import (
	"github.com/tutanak/tutanak/ocr"
)

// Verify compares a reading of a photo with the typed figures (nil or empty
// when none were typed) and decides the verdict.
func Verify(form *ocr.Form, reading *ocr.Reading, typed map[string]int) Result {
	res := Result{
		Form:      form.ID,
		PageFound: reading.PageFound,
		Quality:   reading.Quality,
		Printed:   reading.Printed,
		Fields:    make(map[string]FieldResult, len(form.Fields)),
		Rules:     []RuleResult{},
		Reasons:   []Reason{},
	}
	if res.Printed == nil {
		res.Printed = map[string]string{}
	}
	if res.Quality.Problems == nil {
		res.Quality.Problems = []ocr.Problem{}
	}
	used := make(map[string]int, len(form.Fields))
	for _, f := range form.Fields {
		fr := FieldResult{Status: StatusRead}
		if read, ok := reading.Fields[f.ID]; ok && read.Value != nil {
			v := *read.Value
			fr.Value, fr.Confidence = &v, read.Confidence
			used[f.ID] = v
		}
		if t, ok := typed[f.ID]; ok {
			tv := t
			fr.Typed = &tv
			used[f.ID] = tv
			switch {
			case fr.Value == nil:
				fr.Status = StatusUnreadable
			case *fr.Value == tv:
				fr.Status = StatusMatch
			default:
				fr.Status = StatusMismatch
			}
		} else if fr.Value == nil {
			fr.Status = StatusUnreadable
		}
		res.Fields[f.ID] = fr
	}
	for _, r := range form.Rules {
		holds, ok := r.Holds(used)
		res.Rules = append(res.Rules, RuleResult{Rule: r.Text, OK: holds, Missing: !ok})
	}
	res.Verdict = Verified
	if !reading.PageFound {
		res.Verdict = Unreadable
	}
	return res
}
