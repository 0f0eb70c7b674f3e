// Package digits reads handwritten figures: a small convolutional network
// trained on MNIST, written in plain Go, and a number reader that cuts a
// handwritten cell into digits and classifies each one.
package digits

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// Geometry of the network. The layout is fixed in code; the weights file only
// carries numbers, checked against these sizes when loaded.
const (
	// Side is the width and height of a normalised digit image.
	Side = 28
	// Pixels is the number of pixels in a normalised digit image.
	Pixels = Side * Side
	// Classes is the number of digit classes.
	Classes = 10

	// The network has one more output than there are digits: "not one
	// digit" (two touching digits, part of one, a stray mark). The reader
	// needs it to choose where to cut, since a softmax over digits alone is
	// confident about anything.
	outputs = Classes + 1
	reject  = Classes // index of the "not one digit" output

	kern    = 5               // convolution kernel side
	kk      = kern * kern     // taps per kernel and channel
	c1      = 20              // conv1 channels
	s1      = Side - kern + 1 // conv1 output side (24)
	n1      = s1 * s1         // conv1 positions
	q1      = s1 / 2          // pool1 output side (12)
	m1      = q1 * q1         // pool1 positions
	c2      = 50              // conv2 channels
	s2      = q1 - kern + 1   // conv2 output side (8)
	n2      = s2 * s2         // conv2 positions
	q2      = s2 / 2          // pool2 output side (4)
	m2      = q2 * q2         // pool2 positions
	in2     = c1 * kk         // conv2 taps per output
	flat    = c2 * m2         // features into fc1 (800)
	hidden  = 256             // fc1 width
	nParams = c1*kk + c1 + c2*in2 + c2 + hidden*flat + hidden + outputs*hidden + outputs
)

// Offsets of each tensor in the flat parameter vector.
const (
	offW1 = 0
	offB1 = offW1 + c1*kk
	offW2 = offB1 + c1
	offB2 = offW2 + c2*in2
	offW3 = offB2 + c2
	offB3 = offW3 + hidden*flat
	offW4 = offB3 + hidden
	offB4 = offW4 + outputs*hidden
)

// weightsMagic starts a weights file, with a version number.
const weightsMagic = "TDG2"

// ErrBadWeights is returned when a weights file does not fit the network.
var ErrBadWeights = errors.New("bad digit weights")

// The weights are trained by internal/train; `go generate ./ocr/digits`
// reproduces both files bit for bit on 2-worker runs with the defaults.
// They differ only in the seed.
//
//go:generate go run ./internal/train -out weights.bin -seed 1
//go:generate go run ./internal/train -out weights-2.bin -seed 2
//go:embed weights.bin weights-2.bin
var embeddedWeights embed.FS

// embeddedNets are the weight files Load reads, in order.
func embeddedNets() []string { return []string{"weights.bin", "weights-2.bin"} }

// Model is the trained digit classifier: one network, or several trained
// alike from different seeds whose outputs are averaged. It is safe for
// concurrent use.
type Model struct {
	// p is the first network's parameters, the one training updates.
	p []float32
	// more are the other networks of an ensemble. Independently trained
	// networks seldom make the same mistake, so their average is wrong
	// less often than either.
	more    [][]float32
	k       kernels
	scratch sync.Pool
}

// kernels are the vector operations forward runs on.
type kernels struct {
	dot func(a, b []float32) float32
	// rowDots, if set, sets y[j] to a[j*len(x):][:len(x)]·x, for fc1: one
	// load of x then feeds several rows.
	rowDots func(a, x, y []float32)
	// maxPool, if set, pools c maps of side×side like maxPool2 without
	// recording where each maximum came from, which only backward needs.
	maxPool func(in, out []float32, c, side int)
	// conv, if set, sets c (m×n) to max(bias + a·b, 0), a being m×k and b
	// the k×n tap-major columns of a convolution, read in place from its
	// input as l lays them out. forward then runs both convolutions as
	// matrix products: a vector unit reuses each loaded weight and column
	// across a block of outputs, where one dot product per channel and
	// position (as training always did) reloads both, and the columns are
	// never copied out (on the network's small maps the copies cost about a
	// third as much as the products). conv1 and conv2 are the two layers'
	// layouts.
	conv         func(m int, a, in []float32, l *convLayout, bias, c []float32)
	conv1, conv2 *convLayout
}

// convLayout says where a convolution's tap-major columns lie in its input,
// c maps of side×side: row t of the columns, positions 8g to 8g+7, is
// in[taps[t]+runs[g]:][:8]. Each run of eight positions lies on one output
// row, so it is contiguous in the input.
type convLayout struct {
	taps []int
	runs []int
}

// newConvLayout returns the layout of a kern×kern convolution over c maps
// of side×side, for an output side that is a multiple of 8.
func newConvLayout(c, side int) *convLayout {
	out := side - kern + 1
	l := &convLayout{taps: make([]int, 0, c*kk), runs: make([]int, 0, out*out/8)}
	for ch := 0; ch < c; ch++ {
		for ky := 0; ky < kern; ky++ {
			for kx := 0; kx < kern; kx++ {
				l.taps = append(l.taps, ch*side*side+ky*side+kx)
			}
		}
	}
	for pos := 0; pos < out*out; pos += 8 {
		l.runs = append(l.runs, pos/out*side+pos%out)
	}
	return l
}

// plainKernels are portable Go, used for training on every machine.
func plainKernels() kernels { return kernels{dot: dot} }

func newModel(p []float32) *Model {
	m := &Model{p: p, k: fastKernels()}
	m.scratch.New = func() any { return new(acts) }
	return m
}

// Load returns the model whose weights are embedded in the package: the
// ensemble of every embedded network.
func Load() (*Model, error) {
	var nets []*Model
	for _, name := range embeddedNets() {
		b, err := embeddedWeights.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("load embedded digit model: %w", err)
		}
		m, err := ReadModel(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("load embedded digit model %s: %w", name, err)
		}
		nets = append(nets, m)
	}
	return Ensemble(nets...)
}

// Ensemble returns a model averaging the outputs of the given models.
func Ensemble(ms ...*Model) (*Model, error) {
	if len(ms) == 0 {
		return nil, fmt.Errorf("empty ensemble: %w", ErrBadWeights)
	}
	e := newModel(ms[0].p)
	e.more = append(e.more, ms[0].more...)
	for _, m := range ms[1:] {
		e.more = append(e.more, m.p)
		e.more = append(e.more, m.more...)
	}
	return e, nil
}

// First returns the model's first network alone, for measuring what the
// others add (eval --digits cnn-first).
func (m *Model) First() *Model { return newModel(m.p) }

// Size is the number of networks whose outputs the model averages.
func (m *Model) Size() int { return 1 + len(m.more) }

// ReadModel reads weights written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if string(hdr[:4]) != weightsMagic {
		return nil, fmt.Errorf("magic %q: %w", hdr[:4], ErrBadWeights)
	}
	if n := binary.LittleEndian.Uint32(hdr[4:]); n != nParams {
		return nil, fmt.Errorf("%d parameters, want %d: %w", n, nParams, ErrBadWeights)
	}
	buf := make([]byte, 4*nParams)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("read parameters: %w", err)
	}
	p := make([]float32, nParams)
	for i := range p {
		p[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		if f := float64(p[i]); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("parameter %d is %v: %w", i, f, ErrBadWeights)
		}
	}
	return newModel(p), nil
}

// ErrEnsemble is returned when writing a model of several networks: a
// weights file holds one.
var ErrEnsemble = errors.New("digit model is an ensemble")

// WriteTo writes the weights as a small header and float32 little-endian
// values. Only a single network can be written.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	if len(m.more) > 0 {
		return 0, fmt.Errorf("write digit weights: %w", ErrEnsemble)
	}
	buf := make([]byte, 8+4*len(m.p))
	copy(buf, weightsMagic)
	binary.LittleEndian.PutUint32(buf[4:], uint32(len(m.p)))
	for i, v := range m.p {
		binary.LittleEndian.PutUint32(buf[8+4*i:], math.Float32bits(v))
	}
	n, err := w.Write(buf)
	if err != nil {
		return int64(n), fmt.Errorf("write digit weights: %w", err)
	}
	return int64(n), nil
}

// Probs returns the digit probabilities of one normalised digit image
// (white ink on black, values 0–1, see Normalize), given that it is a digit.
func (m *Model) Probs(x *[Pixels]float32) [Classes]float32 {
	p, _ := m.classify(x)
	return p
}

// classify returns the digit probabilities given that x is one digit, and the
// probability that it is not one digit.
func (m *Model) classify(x *[Pixels]float32) (digits [Classes]float32, rejected float32) {
	a := m.scratch.Get().(*acts)
	forward(m.p, x, a, m.k)
	prob := a.prob
	for _, p := range m.more {
		forward(p, x, a, m.k)
		for k := range prob {
			prob[k] += a.prob[k]
		}
	}
	m.scratch.Put(a)
	rejected = prob[reject] / float32(m.Size())
	var sum float32
	for k := range digits {
		digits[k] = prob[k]
		sum += prob[k]
	}
	if sum <= 0 {
		return digits, 1
	}
	for k := range digits {
		digits[k] /= sum
	}
	return digits, rejected
}

// acts holds one sample's activations, kept for the backward pass. The fast
// kernels leave it unfit for backward: with kernels.conv set, forward leaves
// col1 and col2 alone, and with kernels.maxPool set arg1 and arg2.
type acts struct {
	x    [Pixels]float32 // the input, when kernels.conv reads it
	col1 [n1 * kk]float32
	a1   [c1 * n1]float32 // after relu
	p1   [c1 * m1]float32
	arg1 [c1 * m1]int32
	col2 [n2 * in2]float32
	a2   [c2 * n2]float32
	p2   [flat]float32
	arg2 [flat]int32
	h    [hidden]float32
	prob [outputs]float32
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds alpha*x to y.
func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// maxPool2 pools a c×side×side map by 2×2, recording where each maximum came from.
func maxPool2(in []float32, out []float32, arg []int32, c, side int) {
	half := side / 2
	for ch := 0; ch < c; ch++ {
		base := ch * side * side
		for y := 0; y < half; y++ {
			for x := 0; x < half; x++ {
				i := base + 2*y*side + 2*x
				best, bi := in[i], i
				if v := in[i+1]; v > best {
					best, bi = v, i+1
				}
				if v := in[i+side]; v > best {
					best, bi = v, i+side
				}
				if v := in[i+side+1]; v > best {
					best, bi = v, i+side+1
				}
				o := ch*half*half + y*half + x
				out[o], arg[o] = best, int32(bi)
			}
		}
	}
}

// forward runs the network on x with the given kernels (plainKernels for
// training, the CPU's fastest for inference).
func forward(p []float32, x *[Pixels]float32, a *acts, k kernels) {
	vdot := k.dot
	w1, b1 := p[offW1:offB1], p[offB1:offW2]
	if k.conv != nil {
		// Through a copy: handing x itself to a kernel called through a
		// func value would move every caller's image to the heap.
		a.x = *x
		k.conv(c1, w1, a.x[:], k.conv1, b1, a.a1[:])
	} else {
		// conv1 as im2col then one dot product per channel and position.
		for y := 0; y < s1; y++ {
			for xx := 0; xx < s1; xx++ {
				c := a.col1[(y*s1+xx)*kk:]
				for ky := 0; ky < kern; ky++ {
					copy(c[ky*kern:ky*kern+kern], x[(y+ky)*Side+xx:])
				}
			}
		}
		for ch := 0; ch < c1; ch++ {
			w := w1[ch*kk : ch*kk+kk]
			out := a.a1[ch*n1 : ch*n1+n1]
			for pos := range out {
				v := b1[ch] + vdot(w, a.col1[pos*kk:pos*kk+kk])
				out[pos] = max(v, 0)
			}
		}
	}
	if k.maxPool != nil {
		k.maxPool(a.a1[:], a.p1[:], c1, s1)
	} else {
		maxPool2(a.a1[:], a.p1[:], a.arg1[:], c1, s1)
	}

	w2, b2 := p[offW2:offB2], p[offB2:offW3]
	if k.conv != nil {
		k.conv(c2, w2, a.p1[:], k.conv2, b2, a.a2[:])
	} else {
		for y := 0; y < s2; y++ {
			for xx := 0; xx < s2; xx++ {
				c := a.col2[(y*s2+xx)*in2:]
				for ch := 0; ch < c1; ch++ {
					for ky := 0; ky < kern; ky++ {
						copy(c[ch*kk+ky*kern:ch*kk+ky*kern+kern], a.p1[ch*m1+(y+ky)*q1+xx:])
					}
				}
			}
		}
		for ch := 0; ch < c2; ch++ {
			w := w2[ch*in2 : ch*in2+in2]
			out := a.a2[ch*n2 : ch*n2+n2]
			for pos := range out {
				v := b2[ch] + vdot(w, a.col2[pos*in2:pos*in2+in2])
				out[pos] = max(v, 0)
			}
		}
	}
	if k.maxPool != nil {
		k.maxPool(a.a2[:], a.p2[:], c2, s2)
	} else {
		maxPool2(a.a2[:], a.p2[:], a.arg2[:], c2, s2)
	}

	w3, b3 := p[offW3:offB3], p[offB3:offW4]
	if k.rowDots != nil {
		k.rowDots(w3, a.p2[:], a.h[:])
		for j := range a.h {
			a.h[j] = max(b3[j]+a.h[j], 0)
		}
	} else {
		for j := 0; j < hidden; j++ {
			a.h[j] = max(b3[j]+vdot(w3[j*flat:j*flat+flat], a.p2[:]), 0)
		}
	}
	w4, b4 := p[offW4:offB4], p[offB4:nParams]
	var logits [outputs]float32
	top := float32(math.Inf(-1))
	for k := 0; k < outputs; k++ {
		logits[k] = b4[k] + vdot(w4[k*hidden:k*hidden+hidden], a.h[:])
		top = max(top, logits[k])
	}
	var sum float32
	for k := range logits {
		e := float32(math.Exp(float64(logits[k] - top)))
		a.prob[k] = e
		sum += e
	}
	for k := range a.prob {
		a.prob[k] /= sum
	}
}

// grads holds the backward pass's scratch buffers for one worker.
type grads struct {
	g    []float32 // gradient, laid out like the parameters
	dh   [hidden]float32
	dp2  [flat]float32
	da2  [c2 * n2]float32
	dc2  [n2 * in2]float32
	dp1  [c1 * m1]float32
	da1  [c1 * n1]float32
	loss float64
}

// backward adds the cross-entropy gradient of one sample (forwarded into a)
// with the given label to gr.g.
func backward(p []float32, a *acts, label int, gr *grads) {
	g := gr.g
	gr.loss -= math.Log(math.Max(float64(a.prob[label]), 1e-12))
	var dout [outputs]float32
	for k := range dout {
		dout[k] = a.prob[k]
	}
	dout[label] -= 1

	w4 := p[offW4:offB4]
	clear(gr.dh[:])
	for k := 0; k < outputs; k++ {
		axpy(dout[k], a.h[:], g[offW4+k*hidden:offW4+k*hidden+hidden])
		g[offB4+k] += dout[k]
		axpy(dout[k], w4[k*hidden:k*hidden+hidden], gr.dh[:])
	}

	w3 := p[offW3:offB3]
	clear(gr.dp2[:])
	for j := 0; j < hidden; j++ {
		if a.h[j] <= 0 {
			continue
		}
		d := gr.dh[j]
		axpy(d, a.p2[:], g[offW3+j*flat:offW3+j*flat+flat])
		g[offB3+j] += d
		axpy(d, w3[j*flat:j*flat+flat], gr.dp2[:])
	}

	clear(gr.da2[:])
	for i, d := range gr.dp2 {
		k := a.arg2[i]
		if a.a2[k] > 0 {
			gr.da2[k] += d
		}
	}
	w2 := p[offW2:offB2]
	clear(gr.dc2[:])
	for ch := 0; ch < c2; ch++ {
		gw := g[offW2+ch*in2 : offW2+ch*in2+in2]
		w := w2[ch*in2 : ch*in2+in2]
		var bsum float32
		for pos := 0; pos < n2; pos++ {
			d := gr.da2[ch*n2+pos]
			if d == 0 {
				continue
			}
			bsum += d
			axpy(d, a.col2[pos*in2:pos*in2+in2], gw)
			axpy(d, w, gr.dc2[pos*in2:pos*in2+in2])
		}
		g[offB2+ch] += bsum
	}
	// col2im back onto the pooled conv1 map.
	clear(gr.dp1[:])
	for y := 0; y < s2; y++ {
		for xx := 0; xx < s2; xx++ {
			c := gr.dc2[(y*s2+xx)*in2:]
			for ch := 0; ch < c1; ch++ {
				for ky := 0; ky < kern; ky++ {
					row := gr.dp1[ch*m1+(y+ky)*q1+xx : ch*m1+(y+ky)*q1+xx+kern]
					src := c[ch*kk+ky*kern : ch*kk+ky*kern+kern]
					for i := range row {
						row[i] += src[i]
					}
				}
			}
		}
	}
	clear(gr.da1[:])
	for i, d := range gr.dp1 {
		k := a.arg1[i]
		if a.a1[k] > 0 {
			gr.da1[k] += d
		}
	}
	for ch := 0; ch < c1; ch++ {
		gw := g[offW1+ch*kk : offW1+ch*kk+kk]
		var bsum float32
		for pos := 0; pos < n1; pos++ {
			d := gr.da1[ch*n1+pos]
			if d == 0 {
				continue
			}
			bsum += d
			axpy(d, a.col1[pos*kk:pos*kk+kk], gw)
		}
		g[offB1+ch] += bsum
	}
}
