package digits

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGradient compares the backward pass with finite differences on a few
// parameters of every layer.
func TestGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := initParams(rng)
	var x [Pixels]float32
	for i := range x {
		if rng.Float64() < 0.3 {
			x[i] = float32(rng.Float64())
		}
	}
	const label = 7
	a := new(acts)
	gr := &grads{g: make([]float32, nParams)}
	forward(p, &x, a, plainKernels())
	backward(p, a, label, gr)

	// pattern captures which relus fire and which pool inputs win: finite
	// differences only hold where it does not change.
	type pattern struct {
		arg1 [c1 * m1]int32
		arg2 [flat]int32
		h    [hidden]bool
	}
	loss := func() (float64, pattern) {
		forward(p, &x, a, plainKernels())
		var pt pattern
		pt.arg1, pt.arg2 = a.arg1, a.arg2
		for j, v := range a.h {
			pt.h[j] = v > 0
		}
		return -math.Log(float64(a.prob[label])), pt
	}
	layers := []struct {
		name   string
		lo, hi int
	}{
		{"conv1", offW1, offW2},
		{"conv2", offW2, offW3},
		{"fc1", offW3, offW4},
		{"fc2", offW4, nParams},
	}
	for _, l := range layers {
		t.Run(l.name, func(t *testing.T) {
			checked := 0
			for tries := 0; tries < 2000 && checked < 8; tries++ {
				i := l.lo + rng.IntN(l.hi-l.lo)
				if gr.g[i] == 0 {
					continue
				}
				const h = 1e-2
				old := p[i]
				p[i] = old + h
				up, ptUp := loss()
				p[i] = old - h
				down, ptDown := loss()
				p[i] = old
				if ptUp != ptDown {
					continue // a kink lies between the two probes
				}
				checked++
				num := (up - down) / (2 * h)
				if diff := math.Abs(num - float64(gr.g[i])); diff > 1e-2*math.Max(1, math.Abs(num)) {
					t.Errorf("param %d: analytic %g, numeric %g", i, gr.g[i], num)
				}
			}
			if checked == 0 {
				t.Fatalf("no parameter with a gradient in %s", l.name)
			}
		})
	}
}
