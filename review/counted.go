package review

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// noFigure marks a field without a typed or a read figure in counted;
// figures are never negative (typed ones are checked, read ones are digits).
const noFigure = -1

// counted is what the totals read of one version of a sheet's result: the
// neighbourhood and the box its printed header names, each field's typed
// and read figure, and the verdict and reasons that say which fields a
// resolved sheet's decisions are about. It is a few hundred bytes where the
// decoded result is a few kilobytes, so that the whole country's can be
// kept (countedCache): about 120 MB for 220,000 sheets.
type counted struct {
	version   int64
	muhtarlik string
	// header is the box the printed header names, as headerBox keeps it.
	header  Box
	verdict Verdict
	// typed and read are by field, in form order; noFigure for none.
	typed, read []int
	// reasons hold only their code, field and rule.
	reasons []Reason
	// figures are the figures before any decision, typed where typed and
	// read otherwise: what a verified sheet counts. Shared, never changed.
	figures map[string]int
}

// countedResult is the part of a stored Result that counted is made of.
// Decoding only these, not the rules, scores and reasons' texts, halves the
// time a result takes to decode.
type countedResult struct {
	Printed map[string]string `json:"printed"`
	Fields  map[string]struct {
		Value *int `json:"value"`
		Typed *int `json:"typed"`
	} `json:"fields"`
	Verdict Verdict `json:"verdict"`
	Reasons []struct {
		Code  string `json:"code"`
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"reasons"`
}

// decodeCounted decodes version of a sheet's stored result of form; nil
// when the sheet has none.
func decodeCounted(form *ocr.Form, version int64, raw []byte) (*counted, error) {
	if raw == nil {
		return nil, nil
	}
	var r countedResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	c := &counted{version: version, muhtarlik: r.Printed["muhtarlik"], header: headerBox(r.Printed), verdict: r.Verdict,
		typed: make([]int, len(form.Fields)), read: make([]int, len(form.Fields)), reasons: make([]Reason, len(r.Reasons))}
	for i, f := range form.Fields {
		c.typed[i], c.read[i] = noFigure, noFigure
		if fr, ok := r.Fields[f.ID]; ok {
			if fr.Typed != nil {
				c.typed[i] = *fr.Typed
			}
			if fr.Value != nil {
				c.read[i] = *fr.Value
			}
		}
	}
	for i, rs := range r.Reasons {
		c.reasons[i] = Reason{Code: rs.Code, Field: rs.Field, Rule: rs.Rule}
	}
	c.figures = make(map[string]int, len(form.Fields))
	for i, f := range form.Fields {
		switch {
		case c.typed[i] != noFigure:
			c.figures[f.ID] = c.typed[i]
		case c.read[i] != noFigure:
			c.figures[f.ID] = c.read[i]
		}
	}
	return c, nil
}

// result is the sheet's result as far as summarize reads it: each field's
// typed and read figure, the verdict and the reasons' codes, fields and
// rules.
func (c *counted) result(form *ocr.Form) *Result {
	res := &Result{Fields: make(map[string]FieldResult, len(form.Fields)), Verdict: c.verdict, Reasons: c.reasons}
	for i, f := range form.Fields {
		var fr FieldResult
		if c.typed[i] != noFigure {
			v := c.typed[i]
			fr.Typed = &v
		}
		if c.read[i] != noFigure {
			v := c.read[i]
			fr.Value = &v
		}
		res.Fields[f.ID] = fr
	}
	return res
}

// countedCache keeps what the totals read of each sheet's result, by sheet
// id, decoded once per result version. The totals of the country read every
// sheet on every change, and decoding 200,000 results took seconds each
// time; between two changes only the sheets just read or retyped have a
// new version.
type countedCache struct {
	mu   sync.Mutex
	byID map[string]*counted
}

// results returns what the totals read of each of sheets' results, in
// their order (nil for a sheet without one): the cached version where it is
// the sheet's, else fetched and decoded now.
func (cc *countedCache) results(ctx context.Context, tx *storage.Tx, form *ocr.Form, sheets []storage.BoxSheet) ([]*counted, error) {
	out := make([]*counted, len(sheets))
	var missing []string
	at := map[string]int{} // index in sheets of each missing id
	cc.mu.Lock()
	if cc.byID == nil {
		cc.byID = map[string]*counted{}
	}
	for i, sh := range sheets {
		if sh.ResultVersion == 0 {
			continue
		}
		if c := cc.byID[sh.ID]; c != nil && c.version == sh.ResultVersion {
			out[i] = c
			continue
		}
		missing = append(missing, sh.ID)
		at[sh.ID] = i
	}
	cc.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	stored, err := tx.SheetResults(ctx, missing)
	if err != nil {
		return nil, err
	}
	fresh := make(map[string]*counted, len(stored))
	for id, r := range stored {
		c, err := decodeCounted(form, r.Version, r.Result)
		if err != nil {
			return nil, fmt.Errorf("decode result of %s: %w", id, err)
		}
		// The result may be newer than the scan that asked for it: a
		// verdict committed in between. It is the sheet's result now.
		out[at[id]] = c
		if c != nil {
			fresh[id] = c
		}
	}
	cc.mu.Lock()
	for id, c := range fresh {
		if old := cc.byID[id]; old == nil || old.version < c.version {
			cc.byID[id] = c
		}
	}
	cc.mu.Unlock()
	return out, nil
}

// sharedTotals computes each total once per change mark for everyone who
// asks for it: every open dashboard asks again at each change (its live
// stream and its page both), and the totals of the country are the same
// for all of them until the next change. Only the latest mark's totals are
// kept.
type sharedTotals struct {
	mu    sync.Mutex
	mark  string
	calls map[string]*sharedCall
}

// sharedCall is one computation: done closes when val and err are set.
type sharedCall struct {
	done chan struct{}
	val  any
	err  error
}

// do returns fn's value for key at mark, computing it unless it is already
// computed or being computed at mark. fn runs without ctx's cancellation,
// since others may be waiting for it; a caller whose ctx ends stops
// waiting. Errors are not kept.
func (st *sharedTotals) do(ctx context.Context, mark, key string, fn func(context.Context) (any, error)) (any, error) {
	st.mu.Lock()
	if st.mark != mark || st.calls == nil {
		st.mark, st.calls = mark, map[string]*sharedCall{}
	}
	c, ok := st.calls[key]
	if !ok {
		c = &sharedCall{done: make(chan struct{})}
		st.calls[key] = c
		calls := st.calls
		st.mu.Unlock()
		c.val, c.err = fn(context.WithoutCancel(ctx))
		close(c.done)
		if c.err != nil {
			st.mu.Lock()
			if calls[key] == c {
				delete(calls, key)
			}
			st.mu.Unlock()
		}
		return c.val, c.err
	}
	st.mu.Unlock()
	return c.wait(ctx)
}

// wait returns the computation's value once it is done, or ctx's error
// when ctx ends first.
func (c *sharedCall) wait(ctx context.Context) (any, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reset forgets every kept total, for a change the change mark does not
// see (the deadline policy).
func (st *sharedTotals) reset() {
	st.mu.Lock()
	st.mark, st.calls = "", nil
	st.mu.Unlock()
}
