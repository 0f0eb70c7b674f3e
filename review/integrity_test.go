package review_test

// What may reach the totals: figures a person or the photo vouches for, once
// per box, and nothing a lawyer objected to.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
)

// boxState returns the state and figures of the one box of cb-2023 numbered
// sandik, failing when there is not exactly one.
func boxState(t *testing.T, e env, u review.User, sandik string) (review.BoxState, map[string]int) {
	t.Helper()
	boxes, err := e.svc.Boxes(context.Background(), u, "cb-2023", "")
	if err != nil {
		t.Fatal(err)
	}
	var found []review.BoxResult
	for _, b := range boxes {
		if b.Box.SandikNo == sandik {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d boxes numbered %s: %+v", len(found), sandik, boxes)
	}
	return found[0].State, found[0].Figures
}

func decide(t *testing.T, e env, u review.User, id string, in review.DecisionInput) review.Decisions {
	t.Helper()
	d, err := e.svc.Decide(context.Background(), u, id, in)
	if err != nil {
		t.Fatalf("decide %+v: %v", in, err)
	}
	return d
}

func TestUnreadFigureIsNeverCounted(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			read := truth()
			delete(read, "aday_3") // a blank or illegible cell, and nothing typed for it
			v := e.sheetOf(t, obs, "Gaziemir", "7", read, nil)
			if v.Status != "flagged" || !slices.ContainsFunc(v.Reasons, func(r review.Reason) bool {
				return r.Code == "field_missing" && r.Field == "aday_3" && r.TR != "" && r.EN != ""
			}) {
				t.Fatalf("verdict %s, reasons %+v; want flagged for aday_3 with a field_missing reason", v.Status, v.Reasons)
			}
			if state, figs := boxState(t, e, lawyer, "7"); state != review.BoxFlagged || len(figs) != 0 {
				t.Fatalf("before review: box %s %v; want flagged, nothing counted", state, figs)
			}
			// The lawyer reads the cell on the photo: the figure counts by that decision.
			d := decide(t, e, lawyer, v.ID, review.DecisionInput{Field: "aday_3", Kind: review.Correct, Value: intp(133), Note: "fotoğrafta 133"})
			for _, f := range d.Undecided {
				d = decide(t, e, lawyer, v.ID, review.DecisionInput{Field: f, Kind: review.AcceptRead})
			}
			if state, figs := boxState(t, e, lawyer, "7"); state != review.BoxAccepted || figs["aday_3"] != 133 || figs["aday_1"] != 104 {
				t.Fatalf("after the correction: box %s %v; want accepted with aday_3 133", state, figs)
			}
			if v := e.sheetOf(t, obs, "Gaziemir", "8", map[string]int{}, nil); v.Status != "flagged" {
				t.Fatalf("a photo with nothing read: %s, want flagged", v.Status)
			}
		})
	}
}

func TestBoxNumberLeadingZeros(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			legal := e.user(t, "hukuk", review.Legal, "")
			right := truth()
			e.reader.values = right
			e.reader.printed = map[string]string{"il": "İzmir", "ilce": "Gaziemir", "sandik_no": "12"}
			var ids []string
			for i, no := range []string{"12", "012", "0012"} {
				res, err := e.svc.Upload(ctx, obs, review.Upload{Photo: e.photo(t, fmt.Appendf(nil, "photo %d of box 12", i)), Form: "cb-2023",
					Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: no}, Typed: right})
				if err != nil {
					t.Fatal(err)
				}
				v := waitVerdict(t, e.svc, obs, res.ID)
				if v.Box.SandikNo != "12" || len(v.HeaderDiffers) != 0 || v.Status != "verified" {
					t.Fatalf("filed as %q: box %+v, header differs %v, %s", no, v.Box, v.HeaderDiffers, v.Status)
				}
				ids = append(ids, v.ID)
			}
			r, err := e.svc.Results(ctx, legal, review.ResultsQuery{Level: review.LevelSandik})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Rows) != 1 || r.Total.Figures["aday_1"] != right["aday_1"] || !slices.Equal(r.Rows[0].SheetIDs, ids) {
				t.Fatalf("rows %+v, total aday_1 %d; want one box of three sheets counted once", r.Rows, r.Total.Figures["aday_1"])
			}
		})
	}
}

func TestObjectionsStand(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "İzmir")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			right := truth()

			t.Run("OnAVerifiedSheet", func(t *testing.T) {
				v := e.sheetOf(t, obs, "Gaziemir", "20", right, right)
				if v.Status != "verified" {
					t.Fatalf("verdict %s", v.Status)
				}
				d := decide(t, e, lawyer, v.ID, review.DecisionInput{Field: "aday_1", Kind: review.Object, Note: "ıslak imza eksik"})
				if d.ReviewState != review.ReviewResolved || !slices.Equal(d.Objections, []string{"aday_1"}) {
					t.Fatalf("after the objection: %+v", d)
				}
				if state, figs := boxState(t, e, lawyer, "20"); state != review.BoxFlagged || len(figs) != 0 {
					t.Fatalf("box %s %v; want flagged, nothing counted", state, figs)
				}
				// A later decision on the field replaces the objection.
				decide(t, e, lawyer, v.ID, review.DecisionInput{Field: "aday_1", Kind: review.ConfirmTyped})
				if state, figs := boxState(t, e, lawyer, "20"); state != review.BoxAccepted || figs["aday_1"] != 104 {
					t.Fatalf("after withdrawing: box %s %v; want accepted", state, figs)
				}
			})

			t.Run("AfterRetyping", func(t *testing.T) {
				box := review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "21"}
				if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: withFigures(right, "aday_2", 40)}); err != nil {
					t.Fatal(err)
				}
				v := e.sheetOf(t, obs, "Gaziemir", "21", right, nil)
				d := decide(t, e, lawyer, v.ID, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: "kurul sayımı hatalı"})
				for _, f := range d.Undecided {
					decide(t, e, lawyer, v.ID, review.DecisionInput{Field: f, Kind: review.ConfirmTyped})
				}
				// The figures are typed again as the photo shows them: the sheet
				// is verified, and the objection still keeps it out.
				if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023", Box: box, Counts: right}); err != nil {
					t.Fatal(err)
				}
				d, err := e.svc.Decisions(ctx, lawyer, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d.Status != "verified" || !slices.Equal(d.Objections, []string{"aday_2"}) {
					t.Fatalf("after retyping: %s, objections %v", d.Status, d.Objections)
				}
				if state, _ := boxState(t, e, lawyer, "21"); state != review.BoxFlagged {
					t.Fatalf("box %s; want flagged while the objection stands", state)
				}
			})
		})
	}
}

func TestDisagreeingPhotoHoldsTheBox(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			first := e.user(t, "gözlemci-1", review.Observer, "")
			second := e.user(t, "gözlemci-2", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "İzmir")
			lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
			right := truth()
			if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
				Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "30"}, Counts: right}); err != nil {
				t.Fatal(err)
			}
			if v := e.sheetOf(t, first, "Gaziemir", "30", right, nil); v.Status != "verified" {
				t.Fatalf("first photo: %s", v.Status)
			}
			// Another observer's photo of the box shows 20 votes moved.
			other := e.sheetOf(t, second, "Gaziemir", "30", withFigures(right, "aday_1", 124, "aday_3", 113), nil)
			if other.Status != "flagged" {
				t.Fatalf("second photo: %s", other.Status)
			}
			if state, figs := boxState(t, e, lawyer, "30"); state != review.BoxFlagged || len(figs) != 0 {
				t.Fatalf("before review: box %s %v; want flagged, nothing counted", state, figs)
			}
			d := decide(t, e, lawyer, other.ID, review.DecisionInput{Field: "aday_1", Kind: review.Object, Note: "iki farklı tutanak"})
			for _, f := range d.Undecided {
				decide(t, e, lawyer, other.ID, review.DecisionInput{Field: f, Kind: review.ConfirmTyped})
			}
			if state, _ := boxState(t, e, lawyer, "30"); state != review.BoxFlagged {
				t.Fatalf("after the objection: box %s; want flagged", state)
			}
			// The lawyer takes the typed figures after all: both photos' figures agree.
			decide(t, e, lawyer, other.ID, review.DecisionInput{Field: "aday_1", Kind: review.ConfirmTyped})
			if state, figs := boxState(t, e, lawyer, "30"); state != review.BoxAccepted || figs["aday_1"] != 104 {
				t.Fatalf("after review: box %s %v; want accepted with aday_1 104", state, figs)
			}
		})
	}
}

func TestResultsDistrictNeedsProvince(t *testing.T) {
	e := setup(t, backends()[0], 0)
	legal := e.user(t, "hukuk", review.Legal, "")
	izmir := e.user(t, "avukat", review.Lawyer, "İzmir")
	cases := []struct {
		name string
		u    review.User
		q    review.ResultsQuery
		code string
	}{
		{"district alone", legal, review.ResultsQuery{Ilce: "Merkez"}, "no_il"},
		{"district with its province", legal, review.ResultsQuery{Il: "İzmir", Ilce: "Gaziemir"}, ""},
		{"district of the user's province", izmir, review.ResultsQuery{Ilce: "Gaziemir"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.Results(context.Background(), c.u, c.q)
			if code := inputCode(err); code != c.code {
				t.Fatalf("err = %v, want code %q", err, c.code)
			}
		})
	}
}

// inputCode is the code of an input error, "" for nil, and the error's text
// for any other error, so that a mismatch shows what came back.
func inputCode(err error) string {
	var ie *review.InputError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie):
		return ie.Code
	}
	return err.Error()
}

// TestOfficialCorrectionOfOneColumn imports a box's official figures, then
// a correction file with one column: the other figures stay as published,
// and so do their discrepancies.
func TestOfficialCorrectionOfOneColumn(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			legal := e.user(t, "hukuk", review.Legal, "")
			right := truth()
			e.sheetOf(t, obs, "Gaziemir", "1", right, right)
			discrepant := func(csv string) []string {
				t.Helper()
				if _, err := e.svc.ImportOfficial(ctx, legal, review.OfficialImport{Source: "ysk.csv", CSV: strings.NewReader(csv)}); err != nil {
					t.Fatal(err)
				}
				d, err := e.svc.Discrepancies(ctx, legal, "")
				if err != nil {
					t.Fatal(err)
				}
				var fields []string
				for _, x := range d.Discrepancies {
					fields = append(fields, fmt.Sprintf("%s:%d", x.Field, x.Official))
				}
				slices.Sort(fields)
				return fields
			}
			if got := discrepant("il,ilce,sandik_no,aday_1,aday_3\nİzmir,Gaziemir,1,124,113\n"); !slices.Equal(got, []string{"aday_1:124", "aday_3:113"}) {
				t.Fatalf("after the first import: %v", got)
			}
			if got := discrepant("il,ilce,sandik_no,aday_1\nİzmir,Gaziemir,1,104\n"); !slices.Equal(got, []string{"aday_3:113"}) {
				t.Fatalf("after correcting aday_1 alone: %v, want aday_3's discrepancy to stand", got)
			}
		})
	}
}

// TestOfficialImportWithinProvince checks that a legal team of one
// province imports and sees the official results of its province only.
func TestOfficialImportWithinProvince(t *testing.T) {
	ctx := context.Background()
	e := setup(t, backends()[0], 0)
	national := e.user(t, "hukuk", review.Legal, "")
	izmir := e.user(t, "hukuk-izmir", review.Legal, "İzmir")
	ankara := e.user(t, "hukuk-ankara", review.Legal, "Ankara")
	imports := []struct {
		name string
		u    review.User
		csv  string
		code string
	}{
		{"a province's team, its province", izmir, "il,ilce,sandik_no,aday_1\nİzmir,Gaziemir,1,104\n", ""},
		{"a province's team, another province", izmir, "il,ilce,sandik_no,aday_1\nİzmir,Gaziemir,2,5\nAnkara,Çankaya,1,999\n", "outside_province"},
		{"the national team, any province", national, "il,ilce,sandik_no,aday_1\nAnkara,Çankaya,1,500\n", ""},
	}
	for _, c := range imports {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.ImportOfficial(ctx, c.u, review.OfficialImport{Source: c.name, CSV: strings.NewReader(c.csv)})
			if code := inputCode(err); code != c.code {
				t.Fatalf("err = %v, want code %q", err, c.code)
			}
		})
	}
	history := []struct {
		name string
		u    review.User
		want []string
	}{
		{"national", national, []string{"the national team, any province", "a province's team, its province"}},
		{"İzmir", izmir, []string{"a province's team, its province"}},
		{"Ankara", ankara, []string{"the national team, any province"}},
	}
	for _, c := range history {
		t.Run("history of "+c.name, func(t *testing.T) {
			list, err := e.svc.OfficialImports(ctx, c.u, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, im := range list {
				got = append(got, im.Source)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("history %q, want %q", got, c.want)
			}
		})
	}
}

func TestTypedBoxNumberIsDigits(t *testing.T) {
	e := setup(t, backends()[0], 0)
	entry := e.user(t, "veri", review.Entry, "")
	cases := []struct{ name, no, code string }{
		{"digits", "12", ""},
		{"a formula", "=1+2", "bad_box"},
		{"a letter", "12a", "bad_box"},
		{"seven digits", "1234567", "bad_box"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.SetBoxTyped(context.Background(), entry, review.BoxTyped{Form: "cb-2023",
				Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: c.no}, Counts: map[string]int{"aday_1": 5}})
			if code := inputCode(err); code != c.code {
				t.Fatalf("err = %v, want code %q", err, c.code)
			}
		})
	}
}

// TestDeadlineCountsFromTheBoxsFirstSheet checks that the review queue and
// the evidence bundle give a sheet the deadline of its box, counted from the
// box's first photo as the totals count it, not from the sheet's own.
func TestDeadlineCountsFromTheBoxsFirstSheet(t *testing.T) {
	ctx := context.Background()
	e := setup(t, backends()[0], 0)
	first := e.user(t, "gözlemci-1", review.Observer, "")
	second := e.user(t, "gözlemci-2", review.Observer, "")
	lawyer := e.user(t, "avukat", review.Lawyer, "İzmir")
	right := truth()
	e.sheetOf(t, first, "Gaziemir", "7", right, right)
	later := e.sheetOf(t, second, "Gaziemir", "7", right, withFigures(right, "aday_2", 40))
	if later.Status != "flagged" {
		t.Fatalf("the later photo: %s", later.Status)
	}
	r, err := e.svc.Results(ctx, lawyer, review.ResultsQuery{Level: review.LevelSandik})
	if err != nil || len(r.Rows) != 1 || r.Rows[0].Deadline == nil {
		t.Fatalf("results %+v, %v", r.Rows, err)
	}
	want := *r.Rows[0].Deadline
	queue, err := e.svc.ReviewQueue(ctx, lawyer, 10)
	if err != nil || len(queue) != 1 || queue[0].Deadline == nil || !queue[0].Deadline.Equal(want) {
		t.Fatalf("queue %+v, %v; want the box's deadline %v", queue, err, want)
	}
	b, err := e.svc.Evidence(ctx, lawyer, later.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, files := unzip(t, b.Data)
	var sheet struct {
		Deadline time.Time `json:"objection_deadline"`
	}
	if err := json.Unmarshal(files["sheet.json"], &sheet); err != nil || !sheet.Deadline.Equal(want) {
		t.Fatalf("bundle's deadline %v, %v; want %v", sheet.Deadline, err, want)
	}
}

func TestBoxesDefaultForm(t *testing.T) {
	e := setup(t, backends()[0], 0)
	obs := e.user(t, "gözlemci", review.Observer, "")
	legal := e.user(t, "hukuk", review.Legal, "")
	e.sheetOf(t, obs, "Gaziemir", "7", truth(), truth())
	for _, form := range []string{"", "cb-2023"} {
		if boxes, err := e.svc.Boxes(context.Background(), legal, form, ""); err != nil || len(boxes) != 1 {
			t.Fatalf("boxes of form %q: %d, %v", form, len(boxes), err)
		}
	}
}
