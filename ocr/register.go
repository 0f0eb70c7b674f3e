package ocr

import (
	"cmp"
	"image"
	"math"
	"sort"
)

// formLine is a printed rule of the form: y = Pos for From ≤ x ≤ To when
// horizontal, x = Pos for From ≤ y ≤ To when vertical, in form pixels.
type formLine struct {
	Pos, From, To float64
	Vertical      bool
}

// formLines derives the form's printed rules from its cell geometry, merging
// edges that lie on the same line.
func formLines(f *Form) []formLine {
	var boxes []Box
	boxes = append(boxes, f.TableOuterBox)
	for _, p := range f.Printed {
		boxes = append(boxes, p.ValueBox)
	}
	for _, fl := range f.Fields {
		boxes = append(boxes, fl.DigitsBox, fl.WordsBox)
	}
	boxes = append(boxes, f.SignatureBoxes...)
	var raw []formLine
	for _, b := range boxes {
		if b.W <= 0 || b.H <= 0 {
			continue
		}
		x0, y0, x1, y1 := float64(b.X), float64(b.Y), float64(b.X+b.W), float64(b.Y+b.H)
		raw = append(raw,
			formLine{y0, x0, x1, false}, formLine{y1, x0, x1, false},
			formLine{x0, y0, y1, true}, formLine{x1, y0, y1, true})
	}
	// Merge edges within a few pixels of each other whose spans overlap.
	const near = 6
	sort.Slice(raw, func(i, j int) bool {
		if raw[i].Vertical != raw[j].Vertical {
			return !raw[i].Vertical
		}
		if raw[i].Pos != raw[j].Pos {
			return raw[i].Pos < raw[j].Pos
		}
		return raw[i].From < raw[j].From
	})
	var out []formLine
	for _, l := range raw {
		merged := false
		for k := range out {
			o := &out[k]
			if o.Vertical == l.Vertical && math.Abs(o.Pos-l.Pos) <= near && l.From <= o.To+near && l.To >= o.From-near {
				o.From, o.To = math.Min(o.From, l.From), math.Max(o.To, l.To)
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, l)
		}
	}
	return out
}

// lineHit is one measured crossing of a form line: a photo point that lies on it.
type lineHit struct {
	P    pt // photo pixels
	Line formLine
}

// registration settings, in form pixels.
const (
	hitSpacing = 110 // between measurements along a line
	hitEndGap  = 40  // keep off line ends, where other lines cross
	stripHalf  = 18  // half-length of the strip averaged across the line
)

// refine improves a form→photo homography by finding the form's printed
// lines near where h predicts them and fitting the homography that puts the
// lines where they were seen. It returns the refined homography, the share of
// measurements that found a line, and the mean residual in form pixels.
func refine(g *image.Gray, f *Form, h homography, search float64) (homography, float64, float64) {
	lines := formLines(f)
	var hits []lineHit
	tried := 0
	probe := newLineProbe(g, h)
	for _, l := range lines {
		n := int((l.To - l.From - 2*hitEndGap) / hitSpacing)
		if n < 1 {
			n = 1
		}
		step := (l.To - l.From - 2*hitEndGap) / float64(n)
		for k := 0; k <= n; k++ {
			along := l.From + hitEndGap + float64(k)*step
			tried++
			if off, ok := probe.measureLine(l, along, search); ok {
				var fp pt
				if l.Vertical {
					fp = pt{l.Pos + off, along}
				} else {
					fp = pt{along, l.Pos + off}
				}
				hits = append(hits, lineHit{P: h.apply(fp), Line: l})
			}
		}
	}
	if tried == 0 || len(hits) < 12 {
		return h, 0, math.Inf(1)
	}
	g2 := h.inverse()
	var resid float64
	for round := 0; round < 3; round++ {
		ng, ok := fitToLines(hits, g2)
		if !ok {
			break
		}
		g2 = ng
		// Drop hits far from the fit (handwriting or stamps mistaken for a line).
		res := make([]float64, len(hits))
		for i, ht := range hits {
			res[i] = lineResidual(g2, ht)
		}
		sorted := append([]float64(nil), res...)
		sort.Float64s(sorted)
		lim := math.Max(2.5, 3*sorted[len(sorted)/2])
		kept := hits[:0:0]
		resid = 0
		for i, ht := range hits {
			if res[i] <= lim {
				kept = append(kept, ht)
				resid += res[i]
			}
		}
		if len(kept) < 12 {
			break
		}
		resid /= float64(len(kept))
		hits = kept
	}
	// Only lines that fit one homography count: in a photo turned the wrong
	// way some dark peak lies near most predicted lines, but not consistently.
	return g2.inverse(), float64(len(hits)) / float64(tried), resid
}

func lineResidual(g homography, ht lineHit) float64 {
	q := g.apply(ht.P)
	if ht.Line.Vertical {
		return math.Abs(q.X - ht.Line.Pos)
	}
	return math.Abs(q.Y - ht.Line.Pos)
}

// lineProbe measures lines in one photo through one homography. It carries
// measureLine's buffers from one measurement to the next: refine makes some
// thousand of them a photo.
type lineProbe struct {
	g                *image.Gray
	h                homography
	profile, scratch []float64
	// level is every grey level as a float: a load is cheaper than the
	// conversion in the sampling loop (as in warpGray).
	level [256]float64
}

// newLineProbe returns a lineProbe of g through h.
func newLineProbe(g *image.Gray, h homography) *lineProbe {
	lp := &lineProbe{g: g, h: h}
	for v := range lp.level {
		lp.level[v] = float64(v)
	}
	return lp
}

// stripStep is the spacing of the samples averaged across a line, and
// stripSamples their number.
const (
	stripStep    = 3
	stripSamples = 2*stripHalf/stripStep + 1
)

// measureLine looks across the line at one point for the darkest offset
// within ±search form pixels; it reports the offset and whether a line was seen.
func (lp *lineProbe) measureLine(l formLine, along, search float64) (float64, bool) {
	return lp.linePeak(lp.sampleAcross(l, along, search), search)
}

// sampleAcross is the darkness (255 less the mean grey level) of a strip along
// the line at each of the 2·search+1 offsets across it, in lp's buffer.
func (lp *lineProbe) sampleAcross(l formLine, along, search float64) []float64 {
	n := int(2*search) + 1
	if cap(lp.profile) < n {
		lp.profile = make([]float64, n)
	}
	profile := lp.profile[:n]
	g, h := lp.g, lp.h
	w, hh := g.Rect.Dx(), g.Rect.Dy()
	maxX, maxY := float64(w-1), float64(hh-1)
	// Every sample is h.apply of (offset, strip) coordinates. The products of
	// h with the strip coordinates are the same for every offset, so they are
	// made once; sums of the same products, in h.apply's order up to
	// commutation, keep the samples exactly h.apply's.
	var sa, sb, sc [stripSamples]float64
	for k := range sa {
		t := along + float64(k*stripStep-stripHalf)
		if l.Vertical {
			sa[k], sb[k], sc[k] = h[1]*t, h[4]*t, h[7]*t
		} else {
			sa[k], sb[k], sc[k] = h[0]*t, h[3]*t, h[6]*t
		}
	}
	level := &lp.level
	for i := range profile {
		c := l.Pos + (float64(i) - search)
		var oa, ob, oc float64
		if l.Vertical {
			oa, ob, oc = h[0]*c, h[3]*c, h[6]*c
		} else {
			oa, ob, oc = h[1]*c, h[4]*c, h[7]*c
		}
		// The grey levels are whole numbers, so their sum is the same in
		// integers as in floats.
		sum := 0
		for k := range sa {
			d := oc + sc[k] + h[8]
			x, y := (oa+sa[k]+h[2])/d-0.5, (ob+sb[k]+h[5])/d-0.5
			if !(x >= 0 && y >= 0 && x < maxX && y < maxY) {
				sum += int(bilinear(g, w, hh, x, y))
				continue
			}
			// bilinear's arithmetic for a point whose neighbours all lie
			// inside the photo, written out: the call would cost more.
			x0, y0 := int(x), int(y)
			fx, fy := x-float64(x0), y-float64(y0)
			j := y0*g.Stride + x0
			a := level[g.Pix[j]]*(1-fx) + level[g.Pix[j+1]]*fx
			b := level[g.Pix[j+g.Stride]]*(1-fx) + level[g.Pix[j+g.Stride+1]]*fx
			sum += int(uint8(a*(1-fy) + b*fy + 0.5))
		}
		profile[i] = 255 - float64(sum)/stripSamples
	}
	return profile
}

// linePeak finds a printed line in a profile across it (sampleAcross) and
// returns the line's offset from the middle, to a fraction of a pixel.
func (lp *lineProbe) linePeak(profile []float64, search float64) (float64, bool) {
	n := len(profile)
	// Smooth by 3 so a line drawn thinner than the sampling step still peaks.
	best, bestI := -1.0, 0
	for i := 1; i < n-1; i++ {
		v := profile[i-1] + profile[i] + profile[i+1]
		// Prefer peaks near the prediction when two are alike.
		v *= 1 - 0.15*math.Abs(float64(i)-search)/search
		if v > best {
			best, bestI = v, i
		}
	}
	scratch := append(lp.scratch[:0], profile...)
	lp.scratch = scratch
	median := SelectNth(scratch, n/2)
	paper := SelectNth(scratch[:n/2], n/4) // the n/2 smallest are in front now
	dev := scratch
	for i, v := range profile {
		dev[i] = math.Abs(v - median)
	}
	devMedian := SelectNth(dev, n/2)
	// A printed line is a narrow peak over flat paper; texture (noise, a
	// patterned surface) makes the whole profile wander instead.
	peak := profile[bestI]
	if peak-paper < 25 || peak-median < 4*devMedian {
		return 0, false
	}
	// Sub-pixel: centre of mass of the peak above the paper level.
	var m, s float64
	for i := bestI - 2; i <= bestI+2; i++ {
		if i < 0 || i >= n {
			continue
		}
		wgt := math.Max(0, profile[i]-paper)
		m += wgt * float64(i)
		s += wgt
	}
	if s == 0 {
		return 0, false
	}
	return m/s - search, true
}

// fitToLines solves for the photo→form homography G that puts every hit on its
// line: for a horizontal line y = Y, (g3x+g4y+g5) − Y(g6x+g7y+1) = 0; for a
// vertical one the same with g0..g2 and X. It is linear in G.
func fitToLines(hits []lineHit, prev homography) (homography, bool) {
	ps := make([]pt, len(hits))
	var fs []pt
	for i, ht := range hits {
		ps[i] = ht.P
		fs = append(fs, prev.apply(ht.P))
	}
	np, _ := normaliser(ps)
	nf, nfInv := normaliser(fs)
	s, tx, ty := nf[0], nf[2], nf[5]
	var ata [8][8]float64
	var atb [8]float64
	for _, ht := range hits {
		p := np.apply(ht.P)
		var row [8]float64
		var rhs float64
		if ht.Line.Vertical {
			X := s*ht.Line.Pos + tx
			row = [8]float64{p.X, p.Y, 1, 0, 0, 0, -X * p.X, -X * p.Y}
			rhs = X
		} else {
			Y := s*ht.Line.Pos + ty
			row = [8]float64{0, 0, 0, p.X, p.Y, 1, -Y * p.X, -Y * p.Y}
			rhs = Y
		}
		for a := 0; a < 8; a++ {
			atb[a] += row[a] * rhs
			for b := 0; b < 8; b++ {
				ata[a][b] += row[a] * row[b]
			}
		}
	}
	sol, ok := solve8(ata, atb)
	if !ok {
		return prev, false
	}
	gn := homography{sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[6], sol[7], 1}
	g := nfInv.compose(gn).compose(np)
	if g[8] == 0 || math.IsNaN(g[0]) {
		return prev, false
	}
	for i := range g {
		g[i] /= g[8]
	}
	return g, true
}

// SelectNth returns the k-th smallest of vs (what sorting would put at k) and
// leaves the k smallest in vs[:k]: measureLine needs three order statistics
// of short profiles for every one of some thousand measurements a photo, and
// sorting for them cost more than sampling the profiles. Recognizers use it
// for their own order statistics (the digit reader's contrast percentile).
func SelectNth[T cmp.Ordered](vs []T, k int) T {
	lo, hi := 0, len(vs)-1
	for lo < hi {
		pivot := vs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for vs[i] < pivot {
				i++
			}
			for vs[j] > pivot {
				j--
			}
			if i <= j {
				vs[i], vs[j] = vs[j], vs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return vs[k]
		}
	}
	return vs[k]
}
