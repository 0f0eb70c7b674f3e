package review

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tutanak/tutanak/ocr"
)

// Policy sets how much evidence it takes to flag a typed figure. The numbers
// were chosen on sheets written with MNIST's held-out training digits, never
// its test split (see README, "Verification").
type Policy struct {
	// TypoPrior is the prior probability that a typed figure differs from the
	// sheet. The photo must favour another figure by more than
	// (1-TypoPrior)/TypoPrior to overrule the typed one. Defaults to
	// DefaultTypoPrior.
	TypoPrior float64
	// MinSupport is the least probability the photo may give a typed figure
	// that it does not contradict before it is flagged as unsupported.
	// Defaults to DefaultMinSupport.
	MinSupport float64
	// MinReadConfidence is the least confidence of a figure read without a
	// typed one for a photo-only verdict of verified. Defaults to
	// DefaultMinReadConfidence.
	MinReadConfidence float64
	// MinPinSupport is the least support the photo must give every other
	// figure of an equality rule for the rule to vouch for a poorly read
	// typed figure. Defaults to DefaultMinPinSupport.
	MinPinSupport float64
}

// Policy defaults, from `tutanak eval --sweep` on 300 holdout sheets: every
// typed error was caught from a prior of 0.001 to 0.2 and a support of 0.005
// to 0.2; clean sheets flagged fell from 6 to 4 of 150 as the support went
// from 0.05 to 0.01 and the prior from 0.02 to 0.01. Lower bought nothing.
const (
	DefaultTypoPrior         = 0.01
	DefaultMinSupport        = 0.01
	DefaultMinReadConfidence = 0.5
	DefaultMinPinSupport     = 0.9
)

// DefaultPolicy returns the policy with every default.
func DefaultPolicy() Policy {
	return Policy{TypoPrior: DefaultTypoPrior, MinSupport: DefaultMinSupport, MinReadConfidence: DefaultMinReadConfidence, MinPinSupport: DefaultMinPinSupport}
}

// Decoding constants (log-probabilities).
const (
	// digitFloor keeps one confident misread digit from ruling a value out.
	digitFloor = 1e-4
	// segPenalty is the log-cost of each digit the segmentation would have
	// to have split or merged wrongly for a value to fit.
	segPenalty = -7.0
	// rulePenalty is the log-cost of an assignment breaking one of the
	// form's rules: correct sheets satisfy them, so decoding breaks one only
	// when the photo insists beyond a digit-count error. Chosen on holdout
	// sheets: at -9 a reader's extra digit (300 read as 3670) outweighed the
	// rule; at -16 and below clean sheets flagged fell from 8% to 3% with
	// every typing error still caught.
	rulePenalty = -16.0
	// lostOne and lostOther are the shares of digits the reader misses that
	// are a 1 (thin, lost against a neighbour or taken for a stray stroke)
	// and each other digit; from the holdout sheets' misread cells.
	lostOne   = 0.4
	lostOther = 0.6 / 9
	// maxValue bounds the figures decoding considers.
	maxValue = 99999
	// topK is how many readings per field decoding considers.
	topK = 8
)

// Verify checks a reading against typed figures (nil or empty when none were
// typed) with the default policy.
func Verify(form *ocr.Form, reading *ocr.Reading, typed map[string]int) Result {
	return VerifyWith(DefaultPolicy(), form, reading, typed)
}

// VerifyWith checks a reading against typed figures under a policy. It decodes
// the figures the photo most likely shows given the form's arithmetic rules,
// compares each typed figure with that decoding and with the photo's own
// support for it, and decides the verdict.
func VerifyWith(pol Policy, form *ocr.Form, reading *ocr.Reading, typed map[string]int) Result {
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
	if !reading.PageFound {
		for _, f := range form.Fields {
			res.Fields[f.ID] = FieldResult{Typed: intPtr(typed, f.ID), Status: StatusUnreadable}
		}
		res.Verdict = Unreadable
		res.Reasons = append(res.Reasons, reason("page_not_found", "", "", nil, nil, 0))
		return res
	}

	fields := make([]fieldModel, len(form.Fields))
	for i, f := range form.Fields {
		fields[i] = newFieldModel(f.ID, reading.Fields[f.ID].Number)
	}
	photo := decode(form, fields, nil, pol)        // what the photo says on its own
	joint := decode(form, fields, typed, pol)      // what the photo says, given what was typed
	used := make(map[string]int, len(form.Fields)) // the figures that will be used: typed, else read
	photoValues := make(map[string]int, len(form.Fields))
	for i, f := range form.Fields {
		photoValues[f.ID] = photo[i]
	}
	for i, f := range form.Fields {
		fm := fields[i]
		fr := FieldResult{Status: StatusRead}
		if fm.readable {
			v := photo[i]
			fr.Value = &v
			fr.Confidence = round3(fm.posterior(v))
			used[f.ID] = v
		}
		t, hasTyped := typed[f.ID]
		if hasTyped {
			tv := t
			fr.Typed = &tv
			used[f.ID] = t
		}
		switch {
		case !fm.readable:
			fr.Status = StatusUnreadable
			if hasTyped {
				res.Reasons = append(res.Reasons, reason("field_unreadable", f.ID, f.Label, &t, nil, 0))
			} else {
				// Nothing would count for this field: a person must read it
				// before the sheet is added up, not a silent zero.
				res.Reasons = append(res.Reasons, reason("field_missing", f.ID, f.Label, nil, nil, 0))
			}
		case hasTyped:
			s := round3(fm.posterior(t))
			fr.Support = &s
			// Given the typed figures, the photo's reading is the joint decoding.
			v := joint[i]
			fr.Value = &v
			fr.Confidence = round3(fm.posterior(v))
			switch {
			case v != t && fm.cands[0].v == t && s >= pol.MinReadConfidence:
				// The photo reads the typed figure, and surely: only the
				// form's arithmetic would have it otherwise. Then the sheet
				// itself breaks a rule, which the rule's reason names; the
				// photo shows no other figure.
				fr.Value, fr.Confidence = fr.Typed, s
				fr.Status = StatusMatch
			case v != t:
				fr.Status = StatusMismatch
				res.Reasons = append(res.Reasons, reason("typed_mismatch", f.ID, f.Label, &t, &v, fr.Confidence))
			case photo[i] == t:
				// Read under the form's rules alone, without the typed figures,
				// the photo shows this figure: it is supported even when its own
				// digits were read poorly, and then the rule that carried it is named.
				fr.Status = StatusMatch
				if s < pol.MinSupport {
					fr.VerifiedBy = equalityThrough(form, f.ID, photoValues)
				}
			case s < pol.MinSupport:
				// The photo does not contradict the typed figure strongly enough
				// to name another, but gives it little weight either: only the
				// arithmetic of well-read neighbours can vouch for it.
				if rule, ok := pinnedByRule(form, fields, typed, f.ID, pol); ok {
					fr.Status = StatusMatch
					fr.VerifiedBy = rule
					break
				}
				fr.Status = StatusMismatch
				res.Reasons = append(res.Reasons, reason("typed_unsupported", f.ID, f.Label, &t, fr.Value, round3(s)))
			default:
				fr.Status = StatusMatch
			}
		case fr.Confidence < pol.MinReadConfidence:
			res.Reasons = append(res.Reasons, reason("low_confidence", f.ID, f.Label, nil, fr.Value, fr.Confidence))
		}
		res.Fields[f.ID] = fr
	}
	for _, r := range form.Rules {
		holds, ok := r.Holds(used)
		res.Rules = append(res.Rules, RuleResult{Rule: r.Text, OK: holds && ok, Missing: !ok})
		if ok && !holds {
			res.Reasons = append(res.Reasons, ruleBroken(form, r, used))
		}
	}
	switch {
	case !reading.Quality.OK:
		res.Verdict = Unreadable
		for _, p := range reading.Quality.Problems {
			res.Reasons = append(res.Reasons, Reason{Code: "photo_" + p.Code, TR: p.TR, EN: p.EN})
		}
	case len(res.Reasons) > 0:
		res.Verdict = Flagged
	default:
		res.Verdict = Verified
	}
	return res
}

// pinnedByRule finds rules that fix the typed figure of field from other
// figures the photo supports well: then it is what those figures imply.
// Either an equality that holds on the typed figures, or two inequalities
// that hold it from both sides (envelopes at least the votes counted and at
// most the voters: when those two are equal, so are the envelopes). A typing
// error that keeps an equality true, or stays within such bounds, must
// change two figures, and then neither is pinned. It returns the rules' text.
func pinnedByRule(form *ocr.Form, fields []fieldModel, typed map[string]int, field string, pol Policy) (string, bool) {
	model := make(map[string]fieldModel, len(fields))
	for _, fm := range fields {
		model[fm.id] = fm
	}
	// supported reports whether every figure of r but field was typed and
	// is well supported by the photo, and returns field's coefficient in r.
	supported := func(r ocr.Rule) (coef int, ok bool) {
		for _, t := range r.Terms {
			if t.Field == field {
				coef += t.Coef
				continue
			}
			v, typedToo := typed[t.Field]
			fm := model[t.Field]
			if !typedToo || !fm.readable || fm.posterior(v) < pol.MinPinSupport {
				return 0, false
			}
		}
		return coef, coef != 0
	}
	v, ok := typed[field]
	if !ok {
		return "", false
	}
	var lower, upper *bound
	for _, r := range form.Rules {
		coef, ok := supported(r)
		if !ok {
			continue
		}
		if holds, _ := r.Holds(typed); !holds {
			continue
		}
		if r.Op == ocr.OpEq {
			return r.Text, true
		}
		// rest is the rule's slack without field: coef·v + rest op 0.
		rest := r.Const
		for _, t := range r.Terms {
			if t.Field != field {
				rest += t.Coef * typed[t.Field]
			}
		}
		lo, hi, ok := ruleBounds(coef, rest, r.Op)
		if !ok {
			continue
		}
		if lo != nil && (lower == nil || *lo > lower.v) {
			lower = &bound{*lo, r.Text}
		}
		if hi != nil && (upper == nil || *hi < upper.v) {
			upper = &bound{*hi, r.Text}
		}
	}
	if lower != nil && upper != nil && lower.v == v && upper.v == v {
		return lower.rule + "; " + upper.rule, true
	}
	return "", false
}

// bound is a limit on a field's value and the rule that sets it.
type bound struct {
	v    int
	rule string
}

// ruleBounds solves coef·v + rest op 0 for v: the least or greatest value
// it allows (nil on the unbounded side). ok is false for a coefficient other
// than ±1, which no rule of the forms has; those rules pin nothing.
func ruleBounds(coef, rest int, op ocr.Op) (lo, hi *int, ok bool) {
	if coef != 1 && coef != -1 {
		return nil, nil, false
	}
	// With coef ±1: v op' -rest·coef, where op' flips for coef -1.
	x := -rest * coef
	switch {
	case op == ocr.OpLe && coef > 0, op == ocr.OpGe && coef < 0:
		return nil, &x, true
	case op == ocr.OpGe && coef > 0, op == ocr.OpLe && coef < 0:
		return &x, nil, true
	case op == ocr.OpLt && coef > 0, op == ocr.OpGt && coef < 0:
		y := x - 1
		return nil, &y, true
	case op == ocr.OpGt && coef > 0, op == ocr.OpLt && coef < 0:
		y := x + 1
		return &y, nil, true
	}
	return nil, nil, false
}

// equalityThrough names an equality rule with field in it that holds on values.
func equalityThrough(form *ocr.Form, field string, values map[string]int) string {
	for _, r := range form.Rules {
		if r.Op != ocr.OpEq {
			continue
		}
		for _, t := range r.Terms {
			if holds, ok := r.Holds(values); t.Field == field && ok && holds {
				return r.Text
			}
		}
	}
	return ""
}

func intPtr(m map[string]int, k string) *int {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// fieldModel is one field's likelihood over values, from its digit distributions.
type fieldModel struct {
	id       string
	readable bool
	digits   []ocr.DigitProbs
	seg      float64
	// cands are the most likely values with their log-likelihoods, best first.
	cands []cand
	// spare are further values decoding may try.
	spare []int
	// logZ normalises likelihoods into a posterior: the candidates and the
	// rest of the strings of as many digits as were seen.
	logZ float64
}

type cand struct {
	v  int
	ll float64
}

func newFieldModel(id string, n ocr.Number) fieldModel {
	fm := fieldModel{id: id, digits: n.Digits, seg: n.SegConfidence}
	if len(n.Digits) == 0 || len(n.Digits) > 5 {
		return fm
	}
	fm.readable = true
	fm.cands = beam(n.Digits, topK)
	// The best reading with a 1 the reader may have missed, anywhere in it.
	top := strconv.Itoa(fm.cands[0].v)
	if len(top) == len(n.Digits) {
		for at := 0; at <= len(top); at++ {
			if v, err := strconv.Atoi(top[:at] + "1" + top[at:]); err == nil && v <= maxValue && !hasCand(fm.cands, v) {
				fm.cands = append(fm.cands, cand{v: v})
			}
		}
	}
	for i := range fm.cands {
		fm.cands[i].ll = fm.logLik(fm.cands[i].v)
	}
	sort.Slice(fm.cands, func(i, j int) bool { return fm.cands[i].ll > fm.cands[j].ll })
	lls := make([]float64, len(fm.cands))
	for i, c := range fm.cands {
		lls[i] = c.ll
	}
	// The candidates are only the likeliest readings. Every other figure of
	// as many digits keeps what the digits give it, so that a cell read
	// poorly gives no figure much support: three digits read at random
	// support every figure from 0 to 999 alike, not eight of them.
	if rest := fm.otherMass(); rest > 0 {
		lls = append(lls, math.Log(rest))
	}
	fm.logZ = logSumExp(lls)
	// From three digits up, the best reading without a digit the reader may
	// have made of a stray mark or a broken stroke, for decoding only: the
	// form's rules can bring the written figure back, but the posterior
	// stays over the readings above, so these do not water down the support
	// of the figures read well. A two-digit reading cut to one digit would
	// fit the sums too easily (10 as 0), balancing a rule with the wrong field.
	if len(top) == len(n.Digits) && len(top) > 2 {
		for at := range len(top) {
			if v, err := strconv.Atoi(top[:at] + top[at+1:]); err == nil && !hasCand(fm.cands, v) && !slices.Contains(fm.spare, v) {
				fm.spare = append(fm.spare, v)
			}
		}
	}
	return fm
}

// otherMass is the likelihood of every string of as many digits as were
// seen that is not a candidate's: the product of each digit's total, less
// the candidates' own strings (zero-padded when shorter).
func (fm fieldModel) otherMass() float64 {
	n := len(fm.digits)
	all := 1.0
	for _, d := range fm.digits {
		sum := 0.0
		for _, p := range d {
			sum += math.Max(p, digitFloor)
		}
		all *= sum
	}
	for _, c := range fm.cands {
		if s := strconv.Itoa(c.v); len(s) <= n {
			all -= math.Exp(digitsLL(fm.digits, strings.Repeat("0", n-len(s))+s))
		}
	}
	return all
}

// logLik is log P(photo | value v): the product of the digit probabilities
// when v has as many digits as were seen, with a penalty per digit of
// difference otherwise (the segmentation may have split or merged strokes).
func (fm fieldModel) logLik(v int) float64 {
	if !fm.readable {
		return 0 // an unreadable field says nothing about its value
	}
	if v < 0 || v > maxValue {
		return math.Inf(-1)
	}
	s := strconv.Itoa(v)
	n := len(fm.digits)
	if len(s) < n {
		// Written with leading zeros ("008" is 8), every seen digit read;
		// or some seen digits are spurious, as scored below.
		return math.Max(digitsLL(fm.digits, strings.Repeat("0", n-len(s))+s), fm.spuriousLL(s))
	}
	return fm.spuriousLL(s)
}

// spuriousLL is logLik for a value of s's digits other than zero-padding:
// the segmentation split or merged strokes when len(s) differs from the
// digits seen.
func (fm fieldModel) spuriousLL(s string) float64 {
	n := len(fm.digits)
	switch {
	case len(s) == n:
		return digitsLL(fm.digits, s)
	case len(s) == n-1:
		// One seen digit is spurious (a stray mark): best of dropping each.
		best := math.Inf(-1)
		for skip := 0; skip < n; skip++ {
			ds := make([]ocr.DigitProbs, 0, n-1)
			ds = append(ds, fm.digits[:skip]...)
			ds = append(ds, fm.digits[skip+1:]...)
			best = math.Max(best, digitsLL(ds, s))
		}
		return best + segPenalty
	case len(s) == n+1:
		// One written digit was not seen: merged into its neighbour or
		// dropped as a stray stroke. Mostly a thin 1, so the missing digit
		// is scored by how often that happens, the rest digit by digit.
		best := math.Inf(-1)
		for skip := 0; skip < len(s); skip++ {
			lost := math.Log(lostOther)
			if s[skip] == '1' {
				lost = math.Log(lostOne)
			}
			best = math.Max(best, digitsLL(fm.digits, s[:skip]+s[skip+1:])+lost)
		}
		return best + segPenalty
	default:
		d := len(s) - n
		if d < 0 {
			d = -d
		}
		// Several digits merged or lost: nothing to compare digit by digit.
		return float64(d)*segPenalty + float64(len(s))*math.Log(0.1)
	}
}

func digitsLL(ds []ocr.DigitProbs, s string) float64 {
	ll := 0.0
	for i, c := range s {
		ll += math.Log(math.Max(ds[i][c-'0'], digitFloor))
	}
	return ll
}

// posterior is the probability of v among the values the photo could show,
// counting v itself when it is not among the top readings.
func (fm fieldModel) posterior(v int) float64 {
	if !fm.readable {
		return 0
	}
	ll := fm.logLik(v)
	z := fm.logZ
	inTop := false
	for _, c := range fm.cands {
		if c.v == v {
			inTop = true
			break
		}
	}
	if !inTop {
		z = logSumExp([]float64{z, ll})
	}
	return math.Exp(ll - z)
}

// beam returns the k most likely digit strings as values (leading zeros of
// multi-digit strings yield shorter values, which logLik scores as written
// with those zeros).
func beam(ds []ocr.DigitProbs, k int) []cand {
	type partial struct {
		s  string
		ll float64
	}
	cur := []partial{{"", 0}}
	for _, d := range ds {
		var next []partial
		for _, p := range cur {
			for dig := 0; dig < 10; dig++ {
				next = append(next, partial{p.s + strconv.Itoa(dig), p.ll + math.Log(math.Max(d[dig], digitFloor))})
			}
		}
		sort.Slice(next, func(i, j int) bool { return next[i].ll > next[j].ll })
		if len(next) > k {
			next = next[:k]
		}
		cur = next
	}
	seen := map[int]bool{}
	var out []cand
	for _, p := range cur {
		v, _ := strconv.Atoi(p.s)
		if !seen[v] {
			seen[v] = true
			out = append(out, cand{v: v})
		}
	}
	return out
}

func hasCand(cs []cand, v int) bool {
	for _, c := range cs {
		if c.v == v {
			return true
		}
	}
	return false
}

func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// decode finds the figures that best explain the photo under the form's
// rules: it maximises Σ log P(photo | v_f) + rule penalties, and, when typed
// figures are given, a prior cost for every figure that differs from the typed
// one. Moves change one field or two at once (two rows swapped, votes moved
// between candidates) until nothing improves.
func decode(form *ocr.Form, fields []fieldModel, typed map[string]int, pol Policy) []int {
	n := len(fields)
	idx := make(map[string]int, n)
	for i, f := range fields {
		idx[f.id] = i
	}
	var prior float64
	if len(typed) > 0 {
		prior = math.Log(pol.TypoPrior / (1 - pol.TypoPrior))
	}
	typedAt := make([]int, n)
	hasTyped := make([]bool, n)
	for i, f := range fields {
		typedAt[i], hasTyped[i] = typed[f.id]
	}
	cur := make([]int, n)
	for i, f := range fields {
		switch {
		case hasTyped[i]:
			cur[i] = typedAt[i]
		case f.readable && len(f.cands) > 0:
			cur[i] = f.cands[0].v
		}
	}
	// Field scores are memoised: decoding asks for the same values many times.
	memo := make([]map[int]float64, n)
	for i := range memo {
		memo[i] = map[int]float64{}
	}
	fieldScore := func(i, v int) float64 {
		if s, ok := memo[i][v]; ok {
			return s
		}
		s := fields[i].logLik(v)
		if hasTyped[i] && v != typedAt[i] {
			s += prior
		}
		memo[i][v] = s
		return s
	}
	type term struct{ i, coef int }
	type rule struct {
		terms []term
		konst int
		op    ocr.Op
	}
	rules := make([]rule, len(form.Rules))
	for k, r := range form.Rules {
		rules[k] = rule{konst: r.Const, op: r.Op}
		for _, t := range r.Terms {
			rules[k].terms = append(rules[k].terms, term{idx[t.Field], t.Coef})
		}
	}
	ruleScore := func(a []int) float64 {
		s := 0.0
		for _, r := range rules {
			slack := r.konst
			for _, t := range r.terms {
				slack += t.coef * a[t.i]
			}
			if !ocr.Compare(slack, r.op) {
				s += rulePenalty
			}
		}
		return s
	}
	total := func(a []int) float64 {
		s := ruleScore(a)
		for i := range a {
			s += fieldScore(i, a[i])
		}
		return s
	}
	// Candidate values per field: its top readings, the typed figure, and the
	// values that would make an equality rule hold given the others.
	candidates := func(a []int) [][]int {
		out := make([][]int, n)
		for i, f := range fields {
			set := map[int]bool{}
			for _, c := range f.cands {
				set[c.v] = true
			}
			for _, v := range f.spare {
				set[v] = true
			}
			if hasTyped[i] {
				set[typedAt[i]] = true
			}
			out[i] = keys(set)
		}
		for _, r := range form.Rules {
			if r.Op != ocr.OpEq {
				continue
			}
			for _, t := range r.Terms {
				i := idx[t.Field]
				rest := r.Const
				for _, u := range r.Terms {
					if u.Field != t.Field {
						rest += u.Coef * a[idx[u.Field]]
					}
				}
				// t.Coef·v + rest = 0
				if rest%t.Coef == 0 {
					if v := -rest / t.Coef; v >= 0 && v <= maxValue {
						out[i] = appendUnique(out[i], v)
					}
				}
			}
		}
		return out
	}
	// Two fields move together only where they share a rule: elsewhere two
	// single moves do the same.
	var pairs [][2]int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for _, r := range rules {
				in := 0
				for _, t := range r.terms {
					if t.i == i || t.i == j {
						in++
					}
				}
				if in == 2 {
					pairs = append(pairs, [2]int{i, j})
					break
				}
			}
		}
	}
	// Steepest ascent: each round takes the single best move. Taking the first
	// move that helps can lock in a worse explanation: a misread total "fixed"
	// by changing the two well-read figures that sum to it, one rule at a time.
	// A move is scored by what it changes: the moved fields and every rule.
	best := total(cur)
	try := make([]int, n)
	move := make([]int, n)
	copy(try, cur)
	curRules := ruleScore(cur)
	for iter := 0; iter < 4*n; iter++ {
		gain := best
		cands := candidates(cur)
		for i := 0; i < n; i++ {
			base := best - curRules - fieldScore(i, cur[i])
			for _, v := range cands[i] {
				if v == cur[i] {
					continue
				}
				try[i] = v
				if s := base + fieldScore(i, v) + ruleScore(try); s > gain+1e-9 {
					gain = s
					copy(move, try)
				}
			}
			try[i] = cur[i]
		}
		for _, p := range pairs {
			i, j := p[0], p[1]
			base := best - curRules - fieldScore(i, cur[i]) - fieldScore(j, cur[j])
			for _, vi := range cands[i] {
				if vi == cur[i] {
					continue
				}
				try[i] = vi
				si := base + fieldScore(i, vi)
				for _, vj := range cands[j] {
					if vj == cur[j] {
						continue
					}
					try[j] = vj
					if s := si + fieldScore(j, vj) + ruleScore(try); s > gain+1e-9 {
						gain = s
						copy(move, try)
					}
				}
				try[j] = cur[j]
			}
			try[i] = cur[i]
		}
		if gain <= best+1e-9 {
			break
		}
		best = gain
		copy(cur, move)
		copy(try, cur)
		curRules = ruleScore(cur)
	}
	return cur
}

func keys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func appendUnique(xs []int, v int) []int {
	for _, x := range xs {
		if x == v {
			return xs
		}
	}
	return append(xs, v)
}

// reason builds a Reason with its Turkish and English text. Fields are named
// by the label printed on the form, which is what a lawyer has in front of them.
func reason(code, field, label string, typed, read *int, conf float64) Reason {
	r := Reason{Code: code, Field: field, Typed: typed, Read: read, Confidence: conf}
	if label != "" {
		field = label
	}
	num := func(p *int) string {
		if p == nil {
			return "?"
		}
		return strconv.Itoa(*p)
	}
	pct := fmt.Sprintf("%%%.0f", conf*100)
	pctEN := fmt.Sprintf("%.0f%%", conf*100)
	switch code {
	case "page_not_found":
		r.TR, r.EN = "Fotoğrafta tutanak bulunamadı.", "No result sheet was found in the photo."
	case "field_unreadable":
		r.TR = fmt.Sprintf("%s: fotoğrafta okunamadı; girilen %s doğrulanamadı.", field, num(typed))
		r.EN = fmt.Sprintf("%s: unreadable in the photo; the typed %s could not be checked.", field, num(typed))
	case "field_missing":
		r.TR = fmt.Sprintf("%s: fotoğrafta okunamadı ve sayı girilmedi.", field)
		r.EN = fmt.Sprintf("%s: unreadable in the photo, and no figure was typed.", field)
	case "typed_mismatch":
		r.TR = fmt.Sprintf("%s: girilen %s, fotoğrafta %s görünüyor (güven %s).", field, num(typed), num(read), pct)
		r.EN = fmt.Sprintf("%s: typed %s, the photo shows %s (confidence %s).", field, num(typed), num(read), pctEN)
	case "typed_unsupported":
		r.TR = fmt.Sprintf("%s: girilen %s fotoğrafla desteklenmiyor (olasılık %s).", field, num(typed), pct)
		r.EN = fmt.Sprintf("%s: the typed %s is not supported by the photo (probability %s).", field, num(typed), pctEN)
	case "low_confidence":
		r.TR = fmt.Sprintf("%s: %s okundu ama emin olunamadı (güven %s).", field, num(read), pct)
		r.EN = fmt.Sprintf("%s: read as %s but not with confidence (%s).", field, num(read), pctEN)
	}
	return r
}

// ruleBroken is the reason for a broken rule. Its text names the fields by
// their printed labels, each with the figure that broke the rule, and the
// comparison as people write it; Rule keeps the form's own text.
func ruleBroken(form *ocr.Form, rule ocr.Rule, values map[string]int) Reason {
	words := rule.Words(func(id string) string {
		name := form.Label(id)
		if v, ok := values[id]; ok {
			return fmt.Sprintf("%s (%d)", name, v)
		}
		return name
	})
	r := Reason{Code: "rule_broken", Rule: rule.Text}
	r.TR = "Kural tutmuyor: " + words
	r.EN = "Rule broken: " + words
	return r
}
