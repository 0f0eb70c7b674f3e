package review

import (
	"encoding/json"
	"testing"
)

// TestDecisionDetailBytes: a review_decision entry records the same bytes
// as when its detail was a map (keys in the order of their names), so that
// the chain's hashes and the entries of older databases read alike.
func TestDecisionDetailBytes(t *testing.T) {
	v := int64(5)
	cases := []struct {
		name               string
		value, typed, read *int64
	}{
		{"an objection", nil, &v, &v},
		{"a correction", &v, &v, nil},
		{"no figures", nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			note := "ıslak \"imzalı\" <b> nüsha"
			asMap, err := json.Marshal(map[string]any{"decision_id": int64(7), "field": "aday_1", "kind": "object", "value": c.value,
				"typed": c.typed, "read": c.read, "note": note, "review_state": "resolved"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(decisionDetail{DecisionID: 7, Field: "aday_1", Kind: "object", Note: note, Read: c.read,
				ReviewState: "resolved", Typed: c.typed, Value: c.value})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(asMap) {
				t.Errorf("detail %s, recorded before as %s", got, asMap)
			}
		})
	}
}
