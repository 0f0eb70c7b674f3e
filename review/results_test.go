package review_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// truth is a correct set of figures for cb-2023.
func truth() map[string]int {
	return map[string]int{
		"kayitli_secmen": 329, "oy_kullanan_kayitli": 260, "kanun_geregi": 0, "oy_kullanan_toplam": 260,
		"sandiktan_cikan_zarf": 260, "itirazsiz_gecerli": 249, "itirazli_gecerli": 3, "gecerli_oy": 252,
		"gecersiz_oy": 8, "aday_1": 104, "aday_2": 4, "aday_3": 133, "aday_4": 11,
	}
}

func withFigures(m map[string]int, kv ...any) map[string]int {
	out := maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(int)
	}
	return out
}

var photoSeq atomic.Int64

// sheetOf uploads a photo of a box whose reader sees read, with typed
// figures, and waits for its verdict.
func (e env) sheetOf(t *testing.T, u review.User, ilce, sandik string, read, typed map[string]int) review.SheetView {
	t.Helper()
	e.reader.mu.Lock()
	e.reader.values = read
	e.reader.printed = map[string]string{"il": "İzmir", "ilce": ilce, "sandik_no": sandik, "muhtarlik": "Atatürk"}
	e.reader.mu.Unlock()
	// Each observer's photo differs from every other, even of one box.
	data := fmt.Appendf(nil, "photo %d of %s %s", photoSeq.Add(1), ilce, sandik)
	res, err := e.svc.Upload(context.Background(), u, review.Upload{Photo: e.photo(t, data), Form: "cb-2023", Typed: typed})
	if err != nil {
		t.Fatal(err)
	}
	return waitVerdict(t, e.svc, u, res.ID)
}

func TestResults(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := setup(t, b, 0)
			obs := e.user(t, "gözlemci", review.Observer, "")
			entry := e.user(t, "veri", review.Entry, "")
			izmir := e.user(t, "avukat-izmir", review.Lawyer, "İzmir")
			ankara := e.user(t, "avukat-ankara", review.Lawyer, "Ankara")
			right := truth()
			// Two observers' photos of box 1 agree.
			for range 2 {
				if v := e.sheetOf(t, obs, "Gaziemir", "1", right, right); v.Status != "verified" {
					t.Fatalf("box 1: %s, want verified", v.Status)
				}
			}
			// Box 2: a typing error a lawyer settles for the photo.
			flagged := e.sheetOf(t, obs, "Gaziemir", "2", right, withFigures(right, "aday_2", 40))
			if flagged.Status != "flagged" {
				t.Fatalf("box 2: %s, want flagged", flagged.Status)
			}
			// Box 3: flagged and objected to: it stays out of the totals.
			objected := e.sheetOf(t, obs, "Gaziemir", "3", right, withFigures(right, "aday_2", 40))
			// Box 4: two verified photos that disagree.
			other := withFigures(right, "aday_1", 105, "aday_3", 132)
			e.sheetOf(t, obs, "Gaziemir", "4", right, right)
			if v := e.sheetOf(t, obs, "Gaziemir", "4", other, other); v.Status != "verified" {
				t.Fatalf("box 4 second photo: %s, want verified", v.Status)
			}
			// Box 5 in Buca: typed figures, no photo yet.
			if _, err := e.svc.SetBoxTyped(ctx, entry, review.BoxTyped{Form: "cb-2023",
				Box: review.Box{Il: "İzmir", Ilce: "Buca", SandikNo: "5"}, Counts: right}); err != nil {
				t.Fatal(err)
			}

			t.Run("FlaggedOnlyByDecision", func(t *testing.T) {
				r, err := e.svc.Results(ctx, izmir, review.ResultsQuery{Level: review.LevelSandik})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total.Counts.Flagged != 2 || r.Total.Counts.Accepted != 1 {
					t.Fatalf("before decisions: %+v", r.Total.Counts)
				}
				d, err := e.svc.Decide(ctx, izmir, flagged.ID, review.DecisionInput{Field: "aday_2", Kind: review.AcceptRead, Note: "fotoğraf açık"})
				if err != nil {
					t.Fatal(err)
				}
				// The broken sum flags its other figures too; the typed ones hold.
				for _, f := range d.Undecided {
					if d, err = e.svc.Decide(ctx, izmir, flagged.ID, review.DecisionInput{Field: f, Kind: review.ConfirmTyped}); err != nil {
						t.Fatal(err)
					}
				}
				if d.ReviewState != review.ReviewResolved {
					t.Fatalf("decide box 2: %+v, %v", d, err)
				}
				d, err = e.svc.Decide(ctx, izmir, objected.ID, review.DecisionInput{Field: "aday_2", Kind: review.Object, Note: "itiraz"})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range d.Undecided {
					if d, err = e.svc.Decide(ctx, izmir, objected.ID, review.DecisionInput{Field: f, Kind: review.ConfirmTyped}); err != nil {
						t.Fatal(err)
					}
				}
				if d.ReviewState != review.ReviewResolved {
					t.Fatalf("decide box 3: %+v, %v", d, err)
				}
			})

			t.Run("Boxes", func(t *testing.T) {
				boxes, err := e.svc.Boxes(ctx, izmir, "cb-2023", "")
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]review.BoxState{"1": review.BoxAccepted, "2": review.BoxAccepted, "3": review.BoxFlagged,
					"4": review.BoxConflict, "5": review.BoxMissing}
				if len(boxes) != len(want) {
					t.Fatalf("%d boxes, want %d", len(boxes), len(want))
				}
				for _, bx := range boxes {
					if bx.State != want[bx.Box.SandikNo] {
						t.Errorf("box %s: %s, want %s", bx.Box.SandikNo, bx.State, want[bx.Box.SandikNo])
					}
					switch bx.Box.SandikNo {
					case "1":
						if !bx.Confirmed() || len(bx.SheetIDs) != 2 {
							t.Errorf("box 1 not confirmed by both photos: %+v", bx)
						}
					case "2":
						if bx.Figures["aday_2"] != 4 {
							t.Errorf("box 2 aday_2 = %d, want the photo's 4 as decided", bx.Figures["aday_2"])
						}
					case "4":
						if !slices.Equal(bx.ConflictFields, []string{"aday_1", "aday_3"}) {
							t.Errorf("box 4 conflict fields %v", bx.ConflictFields)
						}
					}
				}
				conflicts, err := e.svc.Conflicts(ctx, izmir, "cb-2023")
				if err != nil || len(conflicts) != 1 || conflicts[0].Box.SandikNo != "4" {
					t.Fatalf("conflicts: %+v, %v", conflicts, err)
				}
			})

			t.Run("Official", func(t *testing.T) {
				legal := e.user(t, "hukuk", review.Legal, "")
				header := "il,ilce,sandik_no,aday_1,aday_2,aday_3,aday_4\n"
				steps := []struct {
					name         string
					u            review.User
					csv          string
					partial      bool
					err          error
					code         string
					discrepant   []string // sandik_no/field
					notPublished int
					partialBoxes int
				}{
					{"observer may not import", obs, header, false, review.ErrForbidden, "", nil, 0, 0},
					{"bad header", legal, "il,sandik_no\n", false, nil, "bad_header", nil, 0, 0},
					{"unknown field", legal, "il,ilce,sandik_no,aday_9\n", false, nil, "unknown_field", nil, 0, 0},
					{"bad figure", legal, header + "İzmir,Gaziemir,1,x,4,133,11\n", false, nil, "bad_row", nil, 0, 0},
					{"box 1 differs, box 2 not published", legal, header + "İzmir,Gaziemir,1,100,4,133,11\n", false, nil, "",
						[]string{"1/aday_1"}, 1, 0},
					{"re-import replaces: box 1 right, box 2 still being entered", legal,
						header + "izmir,gaziemir,1,104,4,133,11\nİzmir,Gaziemir,2,104,,133,11\n", false, nil, "", nil, 0, 1},
					{"a partial file is not compared", legal, header + "İzmir,Gaziemir,2,1,1,1,1\n", true, nil, "", nil, 0, 1},
					{"final figures of box 2 differ", legal, header + "İzmir,Gaziemir,2,104,4,130,14\n", false, nil, "",
						[]string{"2/aday_3", "2/aday_4"}, 0, 0},
				}
				for _, st := range steps {
					_, err := e.svc.ImportOfficial(ctx, st.u, review.OfficialImport{Source: st.name + ".csv", Partial: st.partial,
						CSV: strings.NewReader(st.csv)})
					if st.code != "" {
						var ie *review.InputError
						if !errors.As(err, &ie) || ie.Code != st.code {
							t.Fatalf("%s: err = %v, want %s", st.name, err, st.code)
						}
						continue
					}
					if !errors.Is(err, st.err) {
						t.Fatalf("%s: err = %v, want %v", st.name, err, st.err)
					}
					if st.err != nil {
						continue
					}
					d, err := e.svc.Discrepancies(ctx, izmir, "")
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, x := range d.Discrepancies {
						got = append(got, x.SandikNo+"/"+x.Field)
						if len(x.SheetIDs) == 0 {
							t.Errorf("%s: discrepancy without evidence: %+v", st.name, x)
						}
					}
					if !slices.Equal(got, st.discrepant) || len(d.NotPublished) != st.notPublished || len(d.Partial) != st.partialBoxes {
						t.Fatalf("%s: discrepancies %v, not published %v, partial %v; want %v, %d, %d", st.name, got,
							d.NotPublished, d.Partial, st.discrepant, st.notPublished, st.partialBoxes)
					}
				}
				if rep, err := e.svc.VerifyCustody(ctx); err != nil || !rep.OK() {
					t.Fatalf("custody: %+v, %v", rep, err)
				}
			})

			t.Run("Totals", func(t *testing.T) {
				cases := []struct {
					name     string
					u        review.User
					q        review.ResultsQuery
					rows     int
					aday1    int
					counts   review.BoxCounts
					err      error
					wantCode string
				}{
					{"country by il", izmir, review.ResultsQuery{}, 1, 208,
						review.BoxCounts{Boxes: 5, Accepted: 2, Conflict: 1, Flagged: 1, Missing: 1}, nil, ""},
					{"by ilce", izmir, review.ResultsQuery{Level: review.LevelIlce}, 2, 208,
						review.BoxCounts{Boxes: 5, Accepted: 2, Conflict: 1, Flagged: 1, Missing: 1}, nil, ""},
					{"one ilce by sandik", izmir, review.ResultsQuery{Level: review.LevelSandik, Il: "izmir", Ilce: "BUCA"}, 1, 0,
						review.BoxCounts{Boxes: 1, Missing: 1}, nil, ""},
					{"by muhtarlik", izmir, review.ResultsQuery{Level: review.LevelMuhtarlik, Ilce: "Gaziemir"}, 1, 208,
						review.BoxCounts{Boxes: 4, Accepted: 2, Conflict: 1, Flagged: 1}, nil, ""},
					{"another province", ankara, review.ResultsQuery{}, 0, 0, review.BoxCounts{}, nil, ""},
					{"observer", obs, review.ResultsQuery{}, 0, 0, review.BoxCounts{}, review.ErrForbidden, ""},
					{"bad level", izmir, review.ResultsQuery{Level: "mahalle"}, 0, 0, review.BoxCounts{}, nil, "bad_level"},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						r, err := e.svc.Results(ctx, c.u, c.q)
						if c.wantCode != "" {
							var ie *review.InputError
							if !errors.As(err, &ie) || ie.Code != c.wantCode {
								t.Fatalf("err = %v, want %s", err, c.wantCode)
							}
							return
						}
						if !errors.Is(err, c.err) {
							t.Fatalf("err = %v, want %v", err, c.err)
						}
						if c.err != nil {
							return
						}
						if len(r.Rows) != c.rows || r.Total.Figures["aday_1"] != c.aday1 || r.Total.Counts != c.counts {
							t.Fatalf("rows %d, aday_1 %d, counts %+v; want %d, %d, %+v", len(r.Rows), r.Total.Figures["aday_1"],
								r.Total.Counts, c.rows, c.aday1, c.counts)
						}
						if c.counts.Boxes > 0 && r.Total.Shares[review.BoxAccepted] != float64(c.counts.Accepted)/float64(c.counts.Boxes) {
							t.Errorf("accepted share %v", r.Total.Shares[review.BoxAccepted])
						}
					})
				}
			})
		})
	}
}
