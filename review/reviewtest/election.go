// Package reviewtest seeds the records of an election night straight into a
// database, for the benchmarks of what the service computes from them (the
// totals, the conflicts, the review queue). Reading 192,000 photos would
// take hours; what the totals read is the sheets' records, so the seed
// writes those as the worker and the lawyers would have: the reading, the
// verdict Verify gives on it, the sheet's fields, review states and
// decisions. It writes no originals and no custody entries, which the
// totals do not read.
package reviewtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

// NationalBoxes is the number of ballot boxes of a Turkish general election.
const NationalBoxes = 192_000

// IstanbulShare is İstanbul's part of the boxes (about 30,000 of 192,000).
const IstanbulShare = 30_000.0 / NationalBoxes

// Istanbul is the province name as the authority prints it.
const Istanbul = "İSTANBUL"

// Kinds of box the seed writes, and their share of the boxes: late on
// election night, most boxes are verified, a few wait for a lawyer.
type kind int

const (
	oneVerified kind = iota // one photo, verified
	twoVerified             // two observers' photos that agree
	resolved                // flagged by a typing error, resolved by a lawyer
	flaggedOpen             // flagged, waiting for a lawyer
	objected                // flagged, objected to
	unreadable              // the only photo unreadable
	conflict                // two verified photos that disagree
	typedOnly               // figures typed, no photo yet
	queued                  // a photo not read yet
	kinds
)

// shares are the kinds' shares of the boxes, in kind order; they add to 1.
var shares = [kinds]float64{0.70, 0.15, 0.03, 0.03, 0.005, 0.01, 0.005, 0.02, 0.05}

// state is the box state the totals must give each kind.
var state = [kinds]review.BoxState{review.BoxAccepted, review.BoxAccepted, review.BoxAccepted, review.BoxFlagged,
	review.BoxFlagged, review.BoxUnreadable, review.BoxConflict, review.BoxMissing, review.BoxMissing}

// Election is what was seeded, for the benchmarks to check the totals by.
type Election struct {
	// Counts are the boxes by the state the totals must give them,
	// nationally and in İstanbul.
	Counts, Istanbul review.BoxCounts
	// Sheets, Decisions and WaitingSheets (flagged, open) are the rows written.
	Sheets, Decisions, WaitingSheets int
	// Lawyer is a lawyer without a province: they see every box.
	Lawyer review.User
	// IstanbulLawyer is a lawyer of İstanbul.
	IstanbulLawyer review.User
	// Entry types figures anywhere; Change types with it.
	Entry review.User

	// retypable are verified sheets with their typed figures, for Change.
	retypable []retype
	next      int
}

type retype struct {
	id    string
	typed map[string]int
}

// Mistype types a verified sheet's figures again with a slip moving ten
// votes between two candidates, as the seed's flagged sheets were typed:
// the service flags it, and its box (returned) waits for a lawyer.
func (e *Election) Mistype(tb testing.TB, svc *review.Service) review.Box {
	tb.Helper()
	r := e.retypable[e.next%len(e.retypable)]
	e.next++
	typed := maps.Clone(r.typed)
	typed["aday_1"] += 10
	typed["aday_3"] -= 10
	v, err := svc.SetTyped(context.Background(), e.Entry, r.id, typed)
	if err != nil {
		tb.Fatal(err)
	}
	if v.Status != string(review.Flagged) {
		tb.Fatalf("%s mistyped: %s", r.id, v.Status)
	}
	return v.Box
}

// Change types a verified sheet's figures again, as they were: the
// service recomputes its verdict and saves it, as it does with every
// reading and typed entry of an election night, and the change mark moves.
func (e *Election) Change(tb testing.TB, svc *review.Service) {
	tb.Helper()
	r := e.retypable[e.next%len(e.retypable)]
	e.next++
	v, err := svc.SetTyped(context.Background(), e.Entry, r.id, r.typed)
	if err != nil {
		tb.Fatal(err)
	}
	if v.Status != string(review.Verified) {
		tb.Fatalf("%s retyped: %s", r.id, v.Status)
	}
}

func add(c *review.BoxCounts, s review.BoxState) {
	c.Boxes++
	switch s {
	case review.BoxAccepted:
		c.Accepted++
	case review.BoxConflict:
		c.Conflict++
	case review.BoxFlagged:
		c.Flagged++
	case review.BoxUnreadable:
		c.Unreadable++
	default:
		c.Missing++
	}
}

// district is one ilçe and how many boxes it gets.
type district struct {
	il, ilce string
	boxes    int
}

// districts spreads boxes over the 973 real districts: İstanbul's
// 39 get IstanbulShare of them, the other districts the rest, evenly.
func districts(boxes int) []district {
	places := ocr.Places()
	var out []district
	ist := int(float64(boxes)*IstanbulShare + 0.5)
	nIst, nOther := len(places[Istanbul]), 0
	for il, ds := range places {
		if il != Istanbul {
			nOther += len(ds)
		}
	}
	for _, il := range slices.Sorted(maps.Keys(places)) {
		total, n := boxes-ist, nOther
		if il == Istanbul {
			total, n = ist, nIst
		}
		for _, ilce := range places[il] {
			out = append(out, district{il: il, ilce: ilce, boxes: total / n})
		}
	}
	// The remainders, one box each, so that the sum is boxes exactly.
	sum := 0
	for _, d := range out {
		sum += d.boxes
	}
	for i := 0; sum < boxes; i, sum = i+1, sum+1 {
		out[i%len(out)].boxes++
	}
	return out
}

// figures are a box's figures, as the committee wrote them; every rule of
// the cb-2023 form holds.
func figures(rng *rand.Rand) map[string]int {
	reg := 180 + rng.IntN(220)
	voted := reg * (75 + rng.IntN(20)) / 100
	law := rng.IntN(3)
	total := voted + law
	invalid := rng.IntN(8)
	valid := total - invalid
	objectedValid := rng.IntN(4)
	a1 := valid * (40 + rng.IntN(15)) / 100
	a2 := valid * (1 + rng.IntN(5)) / 100
	a4 := valid * (3 + rng.IntN(5)) / 100
	a3 := valid - a1 - a2 - a4
	return map[string]int{
		"kayitli_secmen": reg, "oy_kullanan_kayitli": voted, "kanun_geregi": law, "oy_kullanan_toplam": total,
		"sandiktan_cikan_zarf": total, "itirazsiz_gecerli": valid - objectedValid, "itirazli_gecerli": objectedValid,
		"gecerli_oy": valid, "gecersiz_oy": invalid, "aday_1": a1, "aday_2": a2, "aday_3": a3, "aday_4": a4,
	}
}

// number is what the digit reader reports for v written clearly: the
// written digit at 0.97–0.9995, the rest spread over the others, in full
// float64 precision as a real reading stores it.
func number(rng *rand.Rand, v int) ocr.Number {
	n := ocr.Number{SegConfidence: 0.9 + rng.Float64()/10}
	for _, c := range fmt.Sprint(v) {
		var p ocr.DigitProbs
		top := 0.97 + rng.Float64()*0.0295
		rest := 0.0
		for d := range p {
			if d != int(c-'0') {
				p[d] = rng.Float64()
				rest += p[d]
			}
		}
		for d := range p {
			p[d] *= (1 - top) / rest
		}
		p[c-'0'] = top
		n.Digits = append(n.Digits, p)
	}
	return n
}

// reading is the reader's output for a clear photo of a sheet showing
// figs, with the printed header of its box.
func reading(rng *rand.Rand, form *ocr.Form, printed map[string]string, figs map[string]int) ocr.Reading {
	rd := ocr.Reading{FormID: form.ID, PageFound: true, Printed: printed, Fields: map[string]ocr.FieldReading{},
		Quality: ocr.Quality{OK: true, Problems: []ocr.Problem{}, Sharpness: 0.05 + rng.Float64()/5, Brightness: 180 + rng.Float64()*50}}
	for _, f := range form.Fields {
		v := figs[f.ID]
		rd.Fields[f.ID] = ocr.FieldReading{Value: &v, Confidence: 0.9 + rng.Float64()/10, Number: number(rng, v)}
	}
	for _, s := range []string{"decode", "page", "quality", "cells", "digits", "printed", "verdict"} {
		rd.Stages = append(rd.Stages, ocr.Stage{Name: s, Duration: time.Duration(rng.IntN(40_000_000))})
	}
	return rd
}

// flagged are the fields a flagged verdict asks a lawyer about: those a
// reason names, and every figure of a broken rule. The review package's
// own rule, which the benchmarks' check of the totals holds this to.
func flagged(form *ocr.Form, res review.Result) []string {
	set := map[string]bool{}
	for _, r := range res.Reasons {
		if r.Field != "" {
			set[r.Field] = true
		}
		for _, rule := range form.Rules {
			if r.Code == "rule_broken" && rule.Text == r.Rule {
				for _, t := range rule.Terms {
					set[t.Field] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func ptr64(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

// seeder writes one election's records in batches of boxes.
type seeder struct {
	tb       testing.TB
	ctx      context.Context
	form     *ocr.Form
	rng      *rand.Rand
	observer int64
	lawyer   review.User
	seq      int
	start    time.Time
	out      *Election
}

// sheet writes one photo's sheet: read as figs with typed figures typed, its
// verdict from Verify (which must be want), and the decisions lawyers made.
func (s *seeder) sheet(tx *storage.Tx, d district, no string, printed map[string]string, figs, typed map[string]int,
	want review.Verdict, decide func(field string, f review.FieldResult) (review.DecisionKind, bool)) string {
	s.seq++
	id := fmt.Sprintf("sh_%020x", s.seq)
	sum := sha256.Sum256([]byte(id))
	at := s.start.Add(time.Duration(s.rng.Int64N(int64(4 * time.Hour)))).Add(time.Duration(s.seq) * time.Microsecond)
	sh := storage.Sheet{ID: id, SHA256: hex.EncodeToString(sum[:]), Size: 1_500_000 + s.rng.Int64N(3_000_000),
		ContentType: "image/jpeg", Form: s.form.ID, Il: d.il, Ilce: d.ilce, SandikNo: no, Status: review.StatusQueued,
		UploadedBy: s.observer, CreatedAt: at, UpdatedAt: at}
	sh.Typed = mustJSON(s.tb, typed)
	if err := tx.InsertSheet(s.ctx, sh); err != nil {
		s.tb.Fatal(err)
	}
	s.out.Sheets++
	if want == "" {
		return id // not read yet
	}
	rd := reading(s.rng, s.form, printed, figs)
	if want == review.Unreadable {
		rd = ocr.Reading{FormID: s.form.ID, Printed: map[string]string{}, Fields: map[string]ocr.FieldReading{},
			Quality: ocr.Quality{Problems: []ocr.Problem{}}}
	}
	res := review.Verify(s.form, &rd, typed)
	if res.Verdict != want {
		s.tb.Fatalf("seed %s: verdict %s, want %s: %+v", id, res.Verdict, want, res.Reasons)
	}
	read := at.Add(time.Duration(2+s.rng.IntN(60)) * time.Second)
	if err := tx.SaveReading(s.ctx, id, mustJSON(s.tb, rd), read); err != nil {
		s.tb.Fatal(err)
	}
	var fields []storage.SheetField
	for _, f := range s.form.Fields {
		r := res.Fields[f.ID]
		fields = append(fields, storage.SheetField{Field: f.ID, Value: ptr64(r.Value), Confidence: r.Confidence,
			Typed: ptr64(r.Typed), Status: string(r.Status)})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	if err := tx.SaveResult(s.ctx, id, string(res.Verdict), mustJSON(s.tb, res), fields, read); err != nil {
		s.tb.Fatal(err)
	}
	if want != review.Flagged {
		return id
	}
	reviewState := review.ReviewOpen
	if decide != nil {
		reviewState = review.ReviewResolved
		decided := read.Add(time.Duration(5+s.rng.IntN(60)) * time.Minute)
		for _, field := range flagged(s.form, res) {
			r := res.Fields[field]
			kind, ok := decide(field, r)
			if !ok {
				reviewState = review.ReviewOpen
				continue
			}
			dec := storage.Decision{SheetID: id, Field: field, Kind: string(kind), Typed: ptr64(r.Typed), Read: ptr64(r.Value),
				UserID: s.lawyer.ID, Actor: fmt.Sprintf("user:%d:%s", s.lawyer.ID, s.lawyer.Name), CreatedAt: decided}
			switch kind {
			case review.AcceptRead:
				dec.Value = ptr64(r.Value)
			case review.ConfirmTyped:
				dec.Value = ptr64(r.Typed)
			case review.Object:
				dec.Note = "itiraz: sayım tutanağı okunmuyor"
			}
			if _, err := tx.InsertDecision(s.ctx, dec); err != nil {
				s.tb.Fatal(err)
			}
			s.out.Decisions++
		}
	} else {
		s.out.WaitingSheets++
	}
	if err := tx.SetSheetReviewState(s.ctx, id, reviewState); err != nil {
		s.tb.Fatal(err)
	}
	return id
}

func mustJSON(tb testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// box writes one box of kind k.
func (s *seeder) box(tx *storage.Tx, d district, n int, k kind) {
	no := fmt.Sprint(1001 + n)
	// About four boxes a neighbourhood, several at one school.
	printed := map[string]string{"il": d.il, "ilce": d.ilce, "sandik_no": no,
		"muhtarlik": fmt.Sprintf("%d. MAHALLE MUHTARLIĞI", n/4+1), "sandik_alani": fmt.Sprintf("%d. İLKOKULU", n/12+1)}
	figs := figures(s.rng)
	acceptRead := func(string, review.FieldResult) (review.DecisionKind, bool) { return review.AcceptRead, true }
	switch k {
	case oneVerified:
		id := s.sheet(tx, d, no, printed, figs, figs, review.Verified, nil)
		if len(s.out.retypable) < 100 {
			s.out.retypable = append(s.out.retypable, retype{id: id, typed: figs})
		}
	case twoVerified:
		s.sheet(tx, d, no, printed, figs, figs, review.Verified, nil)
		s.sheet(tx, d, no, printed, figs, figs, review.Verified, nil)
	case resolved, flaggedOpen, objected:
		// A typing slip moving ten votes between two candidates: the sums
		// hold, the photo supports neither typed figure.
		typed := maps.Clone(figs)
		typed["aday_1"] += 10
		typed["aday_3"] -= 10
		var decide func(string, review.FieldResult) (review.DecisionKind, bool)
		switch k {
		case resolved:
			decide = acceptRead
		case objected:
			decide = func(field string, _ review.FieldResult) (review.DecisionKind, bool) {
				if field == "aday_1" {
					return review.Object, true
				}
				return review.AcceptRead, true
			}
		}
		s.sheet(tx, d, no, printed, figs, typed, review.Flagged, decide)
	case unreadable:
		s.sheet(tx, d, no, printed, figs, figs, review.Unreadable, nil)
	case conflict:
		other := maps.Clone(figs)
		other["aday_1"]++
		other["aday_3"]--
		s.sheet(tx, d, no, printed, figs, figs, review.Verified, nil)
		s.sheet(tx, d, no, printed, other, other, review.Verified, nil)
	case typedOnly:
		at := s.start.Add(time.Duration(s.rng.Int64N(int64(4 * time.Hour))))
		if err := tx.PutBoxTyped(s.ctx, storage.BoxTyped{Form: s.form.ID, Il: d.il, Ilce: d.ilce, SandikNo: no,
			Counts: mustJSON(s.tb, figs), EnteredBy: s.observer, UpdatedAt: at}); err != nil {
			s.tb.Fatal(err)
		}
	case queued:
		s.sheet(tx, d, no, printed, figs, figs, "", nil)
	}
}

// Seed writes an election night of boxes ballot boxes of the cb-2023 form
// into db through svc (whose users it creates: an observer who uploaded
// everything, and the lawyers of Election), spread over the 973 real
// districts, İstanbul with IstanbulShare of them. Which box gets which
// kind is drawn from a fixed seed, so that two runs seed the same night.
func Seed(tb testing.TB, svc *review.Service, db *storage.DB, boxes int) *Election {
	tb.Helper()
	ctx := context.Background()
	form, err := svc.Form(review.DefaultForm)
	if err != nil {
		tb.Fatal(err)
	}
	out := &Election{}
	observer, _, err := svc.CreateUser(ctx, review.NewUser{Name: "seed-gözlemci", Role: review.Observer})
	if err != nil {
		tb.Fatal(err)
	}
	if out.Lawyer, _, err = svc.CreateUser(ctx, review.NewUser{Name: "seed-avukat", Role: review.Lawyer}); err != nil {
		tb.Fatal(err)
	}
	if out.IstanbulLawyer, _, err = svc.CreateUser(ctx, review.NewUser{Name: "seed-avukat-istanbul", Role: review.Lawyer,
		Province: Istanbul}); err != nil {
		tb.Fatal(err)
	}
	if out.Entry, _, err = svc.CreateUser(ctx, review.NewUser{Name: "seed-veri", Role: review.Entry}); err != nil {
		tb.Fatal(err)
	}
	s := &seeder{tb: tb, ctx: ctx, form: form, rng: rand.New(rand.NewPCG(2028, 5)), observer: observer.ID,
		lawyer: out.Lawyer, start: time.Date(2028, 5, 14, 15, 0, 0, 0, time.UTC), out: out}
	// One transaction a district: a few hundred boxes, small enough to
	// keep SQLite's journal short, large enough to spare the commits.
	for _, d := range districts(boxes) {
		err := db.InTx(ctx, func(tx *storage.Tx) error {
			for n := range d.boxes {
				k, r := kind(0), s.rng.Float64()
				for k < kinds-1 && r >= shares[k] {
					r -= shares[k]
					k++
				}
				s.box(tx, d, n, k)
				add(&out.Counts, state[k])
				if d.il == Istanbul {
					add(&out.Istanbul, state[k])
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
