package review

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// DecisionKind is what a reviewer decided about one flagged field.
type DecisionKind string

// Decision kinds.
const (
	// ConfirmTyped keeps the typed figure: the photo was misread.
	ConfirmTyped DecisionKind = "confirm_typed"
	// AcceptRead takes the figure read from the photo: the typing was wrong.
	AcceptRead DecisionKind = "accept_read"
	// Correct sets a figure the reviewer read on the photo themselves.
	Correct DecisionKind = "correct"
	// Object marks the field for an objection to the district board; it
	// accepts no figure.
	Object DecisionKind = "object"
)

// Valid reports whether k is a known kind.
func (k DecisionKind) Valid() bool {
	switch k {
	case ConfirmTyped, AcceptRead, Correct, Object:
		return true
	}
	return false
}

// Review states of a sheet, apart from its OCR verdict (Status).
const (
	// ReviewNone: the sheet needs no review (not flagged).
	ReviewNone = ""
	// ReviewOpen: flagged, with at least one flagged field undecided.
	ReviewOpen = "open"
	// ReviewResolved: flagged, and every flagged field is decided.
	ReviewResolved = "resolved"
)

// MaxNoteLen caps a decision's note, in characters.
const MaxNoteLen = 2000

// cleanNote trims a reviewer's note and refuses one over MaxNoteLen, and
// one that is not text: bytes that are not UTF-8, which the custody log's
// JSON would record otherwise than the decision, or a NUL, which
// PostgreSQL refuses to store.
func cleanNote(note string) (string, error) {
	if !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		return "", inputErr("bad_note", "Not yazı olmayan karakterler içeriyor.", "The note holds characters that are not text.")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNoteLen {
		return "", inputErr("note_too_long", fmt.Sprintf("Not en çok %d karakter olabilir.", MaxNoteLen),
			fmt.Sprintf("The note may have at most %d characters.", MaxNoteLen))
	}
	return note, nil
}

// DecisionInput is a reviewer's decision as submitted.
type DecisionInput struct {
	Field string       `json:"field"`
	Kind  DecisionKind `json:"kind"`
	// Value is the corrected figure; only for Correct.
	Value *int   `json:"value,omitempty"`
	Note  string `json:"note"`
	// Seen is what the reviewer's screen showed of the field. When set, a
	// decision on a field that has changed since is refused (stale): it was
	// made on figures, or a review, the reviewer never saw.
	Seen *Seen `json:"seen,omitempty"`
}

// Seen is a field as a reviewer saw it when deciding.
type Seen struct {
	// Typed and Read are the typed figure and the figure read from the
	// photo; nil for none.
	Typed *int `json:"typed"`
	Read  *int `json:"read"`
	// Version is the version of the field's latest decision, 0 for none.
	Version int `json:"version"`
}

// decisionDetail is what a review_decision custody entry records of the
// decision, and what the custody check compares the decisions table with.
// Its fields are in the order of their names, as the map it replaced
// encoded them: the entries written before hash the same bytes.
type decisionDetail struct {
	DecisionID  int64  `json:"decision_id"`
	Field       string `json:"field"`
	Kind        string `json:"kind"`
	Note        string `json:"note"`
	Read        *int64 `json:"read"`
	ReviewState string `json:"review_state"`
	Typed       *int64 `json:"typed"`
	Value       *int64 `json:"value"`
}

// staleError refuses a decision made on a field that changed after the
// reviewer looked at it; it names the field, for the refusal may come back
// to a screen on which the reviewer has moved to another.
func staleError(label string) *ConflictError {
	return &ConflictError{Code: "stale",
		TR: label + ": bu alan, siz sayfayı açtıktan sonra değişti (sayı yeniden girildi ya da okundu, ya da başka bir karar verildi). Güncel sayılara bakıp yeniden karar verin.",
		EN: label + ": this field changed after you opened the page (a figure was typed or read again, or another decision was made). Look at the current figures and decide again."}
}

// Decision is one stored decision: a version of one field's accepted figure.
type Decision struct {
	ID    int64        `json:"id"`
	Field string       `json:"field"`
	Kind  DecisionKind `json:"kind"`
	// Version counts the decisions on this field, from 1.
	Version int `json:"version"`
	// Value is the figure accepted; nil for an objection.
	Value *int `json:"value"`
	// Typed and Read are the figures the reviewer had in front of them.
	Typed *int      `json:"typed"`
	Read  *int      `json:"read"`
	Note  string    `json:"note"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
	// Current is false once a later decision on the field exists, or once
	// the typed or read figure changed after it was made.
	Current bool `json:"current"`
}

// Decisions is a sheet's review: every decision ever made, and what they
// add up to now.
type Decisions struct {
	SheetID     string `json:"sheet_id"`
	Status      string `json:"status"`
	ReviewState string `json:"review_state"`
	// Flagged are the fields the verdict asks a person about.
	Flagged []string `json:"flagged"`
	// Undecided are the flagged fields without a current decision.
	Undecided []string `json:"undecided"`
	// Decisions are all versions, oldest first; nothing is overwritten.
	Decisions []Decision `json:"decisions"`
	// Accepted is each decided field's figure by its current decision.
	Accepted map[string]int `json:"accepted"`
	// Objections are the fields whose current decision is an objection.
	Objections []string `json:"objections"`
}

// flaggedFields are the fields a flagged verdict asks about: those a reason
// names, and every figure of a broken rule, since any of them may be wrong.
func flaggedFields(form *ocr.Form, res Result) []string {
	if res.Verdict != Flagged {
		return []string{}
	}
	set := map[string]bool{}
	for _, r := range res.Reasons {
		if r.Field != "" {
			set[r.Field] = true
		}
		if r.Code == "rule_broken" {
			for _, rule := range form.Rules {
				if rule.Text != r.Rule {
					continue
				}
				for _, t := range rule.Terms {
					set[t.Field] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func sameInt(a *int, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return int64(*a) == *b
}

func fromInt64(p *int64) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func toInt64(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

// summarize builds the review of a sheet from its result and decisions. A
// decision counts only while the figures it was made on are still the
// sheet's: a retyped figure needs a new look. An objection is the exception:
// it stands until a later decision on its field replaces it, since it is a
// step towards the district board that no retyping answers.
func summarize(form *ocr.Form, sh storage.Sheet, res *Result, stored []storage.Decision) Decisions {
	d := Decisions{SheetID: sh.ID, Status: sh.Status, Flagged: []string{}, Undecided: []string{},
		Decisions: []Decision{}, Accepted: map[string]int{}, Objections: []string{}}
	latest := map[string]int{} // field -> index in d.Decisions
	versions := map[string]int{}
	for _, sd := range stored {
		versions[sd.Field]++
		d.Decisions = append(d.Decisions, Decision{ID: sd.ID, Field: sd.Field, Kind: DecisionKind(sd.Kind),
			Version: versions[sd.Field], Value: fromInt64(sd.Value), Typed: fromInt64(sd.Typed), Read: fromInt64(sd.Read),
			Note: sd.Note, Actor: actorName(sd.Actor), At: sd.CreatedAt})
		latest[sd.Field] = len(d.Decisions) - 1
	}
	for field, i := range latest {
		dec := &d.Decisions[i]
		if res != nil && dec.Kind != Object {
			f := res.Fields[field]
			if !sameInt(f.Typed, toInt64(dec.Typed)) || !sameInt(f.Value, toInt64(dec.Read)) {
				continue
			}
		}
		dec.Current = true
		if dec.Kind == Object {
			d.Objections = append(d.Objections, field)
		} else if dec.Value != nil {
			d.Accepted[field] = *dec.Value
		}
	}
	sort.Strings(d.Objections)
	if res != nil {
		d.Flagged = flaggedFields(form, *res)
	}
	for _, f := range d.Flagged {
		if i, ok := latest[f]; !ok || !d.Decisions[i].Current {
			d.Undecided = append(d.Undecided, f)
		}
	}
	switch {
	case len(d.Flagged) == 0 && (res == nil || res.Verdict != Flagged):
		d.ReviewState = ReviewNone
		if len(d.Accepted) > 0 || len(d.Objections) > 0 {
			// A decision on a sheet the photo verified still binds its
			// figures: totals load the decisions of resolved sheets only.
			d.ReviewState = ReviewResolved
		}
	case len(d.Undecided) > 0 || len(d.Flagged) == 0:
		// A flagged sheet that names no field still needs a person.
		d.ReviewState = ReviewOpen
	default:
		d.ReviewState = ReviewResolved
	}
	return d
}

// review loads what summarize needs for a sheet inside tx.
func (s *Service) review(ctx context.Context, tx *storage.Tx, sh storage.Sheet) (Decisions, *ocr.Form, *Result, error) {
	form, err := s.form(sh.Form)
	if err != nil {
		return Decisions{}, nil, nil, err
	}
	var res *Result
	if sh.Result != nil {
		res = new(Result)
		if err := json.Unmarshal(sh.Result, res); err != nil {
			return Decisions{}, nil, nil, fmt.Errorf("decode result of %s: %w", sh.ID, err)
		}
	}
	stored, err := tx.Decisions(ctx, sh.ID)
	if err != nil {
		return Decisions{}, nil, nil, err
	}
	return summarize(form, sh, res, stored), form, res, nil
}

// updateReviewState stores the review state that follows from a sheet's
// current result and decisions; called whenever either changes.
func (s *Service) updateReviewState(ctx context.Context, tx *storage.Tx, id string) (string, error) {
	sh, err := tx.SheetByID(ctx, id)
	if err != nil {
		return "", err
	}
	d, _, _, err := s.review(ctx, tx, sh)
	if err != nil {
		return "", err
	}
	if d.ReviewState != sh.ReviewState {
		if err := tx.SetSheetReviewState(ctx, id, d.ReviewState); err != nil {
			return "", err
		}
	}
	return d.ReviewState, nil
}

// Decide records a reviewer's decision on one field of a sheet as a new
// version; nothing earlier is changed and the photo is never touched.
// Lawyers, the legal team and admins decide, within their province.
func (s *Service) Decide(ctx context.Context, u User, id string, in DecisionInput) (Decisions, error) {
	if !u.can(Lawyer, Legal, Admin) {
		return Decisions{}, ErrForbidden
	}
	if !in.Kind.Valid() {
		return Decisions{}, inputErr("bad_kind", fmt.Sprintf("Bilinmeyen karar türü: %q.", in.Kind),
			fmt.Sprintf("Unknown decision kind %q.", in.Kind))
	}
	note, err := cleanNote(in.Note)
	if err != nil {
		return Decisions{}, err
	}
	in.Note = note
	if in.Note == "" && (in.Kind == Correct || in.Kind == Object) {
		// A changed figure or an objection must say why, for the board.
		return Decisions{}, inputErr("no_note", "Düzeltme ve itiraz için not gerekli.", "A correction or an objection needs a note.")
	}
	if in.Kind != Correct && in.Value != nil {
		return Decisions{}, inputErr("unexpected_value", "Yalnızca düzeltmede sayı girilir.", "Only a correction takes a figure.")
	}
	var out Decisions
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		// The sheet's row first: a verdict recomputed from retyped figures,
		// or another reviewer's decision, committing between our reads and
		// our write would leave a review state that follows from neither.
		sh, err := loadVisibleForUpdate(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if sh.Status != string(Flagged) && sh.Status != string(Verified) {
			return inputErr("not_reviewable", "Bu tutanak henüz karar verilecek durumda değil.",
				"This sheet cannot be decided on in its current state.")
		}
		before, form, res, err := s.review(ctx, tx, sh)
		if err != nil {
			return err
		}
		field, ok := form.Field(in.Field)
		if !ok {
			return inputErr("unknown_field", fmt.Sprintf("Formda %q alanı yok.", in.Field), fmt.Sprintf("The form has no field %q.", in.Field))
		}
		f := res.Fields[in.Field]
		if in.Seen != nil {
			version := 0
			for _, dec := range before.Decisions {
				if dec.Field == in.Field {
					version = dec.Version
				}
			}
			if !sameInt(in.Seen.Typed, toInt64(f.Typed)) || !sameInt(in.Seen.Read, toInt64(f.Value)) || in.Seen.Version != version {
				return staleError(field.Label)
			}
		}
		d := storage.Decision{SheetID: id, Field: in.Field, Kind: string(in.Kind), Typed: toInt64(f.Typed),
			Read: toInt64(f.Value), Note: in.Note, UserID: u.ID, Actor: u.actor(), CreatedAt: s.clock()}
		switch in.Kind {
		case ConfirmTyped:
			if f.Typed == nil {
				return inputErr("no_typed", "Bu alan için girilmiş sayı yok.", "No figure was typed for this field.")
			}
			d.Value = toInt64(f.Typed)
		case AcceptRead:
			if f.Value == nil {
				return inputErr("no_read", "Bu alan fotoğrafta okunamadı.", "This field was not read from the photo.")
			}
			d.Value = toInt64(f.Value)
		case Correct:
			if in.Value == nil || *in.Value < 0 || *in.Value > MaxCount {
				return inputErr("bad_count", "Düzeltme için geçerli bir sayı gerekli.", "A correction needs a valid figure.")
			}
			d.Value = toInt64(in.Value)
		}
		d.ID, err = tx.InsertDecision(ctx, d)
		if err != nil {
			return err
		}
		state, err := s.updateReviewState(ctx, tx, id)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(decisionDetail{DecisionID: d.ID, Field: d.Field, Kind: d.Kind, Note: d.Note, Read: d.Read,
			ReviewState: state, Typed: d.Typed, Value: d.Value})
		if err != nil {
			return fmt.Errorf("encode decision: %w", err)
		}
		if err := s.appendCustody(ctx, tx, d.CreatedAt, u.actor(), ActionDecision, id, hashBytes(raw), json.RawMessage(raw)); err != nil {
			return err
		}
		sh.ReviewState = state
		out, _, _, err = s.review(ctx, tx, sh)
		return err
	})
	if err != nil {
		return Decisions{}, err
	}
	s.log.InfoContext(ctx, "review decision", "sheet_id", id, "field", in.Field, "kind", string(in.Kind),
		"user_id", u.ID, "review_state", out.ReviewState)
	return out, nil
}

// Decisions returns the review of a sheet the user may see.
func (s *Service) Decisions(ctx context.Context, u User, id string) (Decisions, error) {
	var out Decisions
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		sh, err := loadVisible(ctx, tx, u, id)
		if err != nil {
			return err
		}
		out, _, _, err = s.review(ctx, tx, sh)
		return err
	})
	return out, err
}

// ReviewQueue lists the flagged sheets still waiting for a decision in the
// reviewer's province, the soonest objection deadline first. A sheet's
// deadline counts from its own upload, a bound on its box's count.
func (s *Service) ReviewQueue(ctx context.Context, u User, limit int) ([]SheetView, error) {
	if !u.can(Lawyer, Legal, Admin) {
		return nil, ErrForbidden
	}
	var out []SheetView
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = s.reviewQueue(ctx, tx, u, limit)
		return err
	})
	return out, err
}
