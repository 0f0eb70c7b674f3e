package review

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tutanak/tutanak/ocr"
)

// MaxCount is the largest figure accepted for a field: no ballot box has
// more voters.
const MaxCount = 100_000

// TypedFigures is the JSON form of typed figures, {"counts": {"field": n, …}},
// as the API takes them and `tutanak check --typed` reads them.
type TypedFigures struct {
	Counts TypedCounts `json:"counts"`
}

// TypedCounts are typed figures by field id. A null is refused rather than
// read as 0: a figure nobody typed is left out, never typed as zero.
type TypedCounts map[string]int

// UnmarshalJSON refuses null figures.
func (t *TypedCounts) UnmarshalJSON(data []byte) error {
	var raw map[string]*int
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		*t = nil
		return nil
	}
	out := make(TypedCounts, len(raw))
	for id, v := range raw {
		if v == nil {
			return fmt.Errorf("typed figure %q is null", id)
		}
		out[id] = *v
	}
	*t = out
	return nil
}

// CheckTyped returns an *InputError for the first typed figure, in field id
// order, that the form has no field for or that is not a count.
func CheckTyped(form *ocr.Form, typed map[string]int) error {
	ids := make([]string, 0, len(typed))
	for id := range typed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, ok := form.Field(id); !ok {
			return inputErr("unknown_field", fmt.Sprintf("Formda %q alanı yok.", id), fmt.Sprintf("The form has no field %q.", id))
		}
		if v := typed[id]; v < 0 || v > MaxCount {
			return inputErr("bad_count", fmt.Sprintf("%s için %d geçersiz.", id, v), fmt.Sprintf("%d is not a valid count for %s (0–%d).", v, id, MaxCount))
		}
	}
	return nil
}
