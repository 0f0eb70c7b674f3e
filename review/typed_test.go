package review_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestRetypedBoxInSheetHistory: figures typed again for a box whose photo
// was read change the sheet's verdict; the sheet's own custody history (its
// page, its evidence bundle) must say who typed what and the verdict it
// gave, not only an entry of no sheet.
func TestRetypedBoxInSheetHistory(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "İzmir")
			right := truth()
			box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "40"}
			v := e.sheetOf(t, obs, "Gaziemir", "40", right, nil)
			if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: right}); err != nil {
				t.Fatal(err)
			}
			typo := withFigures(right, "aday_2", 40)
			if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: typo}); err != nil {
				t.Fatal(err)
			}
			v, err := e.svc.Sheet(ctx, obs, v.ID)
			if err != nil || v.Status != "flagged" {
				t.Fatalf("after retyping: %s, %v", v.Status, err)
			}
			raw, _ := json.Marshal(typo)
			sum := sha256.Sum256(raw)
			last := v.History[len(v.History)-1]
			var detail struct {
				Counts  map[string]int `json:"counts"`
				Verdict string         `json:"verdict"`
			}
			json.Unmarshal(last.Detail, &detail)
			if last.Action != review.ActionTypedEntry || last.Actor != "veri" || last.SubjectHash != hex.EncodeToString(sum[:]) ||
				detail.Counts["aday_2"] != 40 || detail.Verdict != "flagged" {
				t.Fatalf("the sheet's last custody entry is %s by %s (%s), want the retyped figures by veri", last.Action, last.Actor, last.Detail)
			}
			if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
				t.Fatalf("custody: %+v, %v", rep, err)
			}
		})
	}
}

// TestEmptyTypedRefused: a box's figures sent with no figure at all (the
// entry page submitted by Enter in the box number, the form's figures still
// blank) must not wipe the figures typed for the box before.
func TestEmptyTypedRefused(t *testing.T) {
	ctx := context.Background()
	b := backends()[0]
	e := setup(t, b, 0)
	obs := e.user(t, "gözlemci", review.Observer, "")
	entry := e.user(t, "veri", review.Entry, "İzmir")
	right := truth()
	box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "41"}
	if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: right}); err != nil {
		t.Fatal(err)
	}
	v := e.sheetOf(t, obs, "Gaziemir", "41", right, nil)
	var ie *review.InputError
	if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: map[string]int{}}); !errors.As(err, &ie) || ie.Code != "no_counts" {
		t.Errorf("box figures {}: err = %v, want no_counts", err)
	}
	if _, err := e.svc.SetTyped(ctx, obs, v.ID, map[string]int{}); !errors.As(err, &ie) || ie.Code != "no_counts" {
		t.Errorf("sheet figures {}: err = %v, want no_counts", err)
	}
	v, err := e.svc.Sheet(ctx, obs, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f := v.Fields["aday_1"]; f.Typed == nil || *f.Typed != right["aday_1"] {
		t.Fatalf("aday_1 after an empty entry: %+v, want typed %d kept", f, right["aday_1"])
	}
}
