package digits

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFastDot checks the CPU's dot product against the plain one on every
// length the network uses and the awkward ones around them.
func TestFastDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fd := fastDot()
	for _, n := range []int{0, 1, 7, 8, 9, 25, 31, 32, 33, 255, 256, kk, in2, flat, hidden} {
		a, b := make([]float32, n), make([]float32, n+3)
		for i := range a {
			a[i] = rng.Float32()*2 - 1
		}
		for i := range b {
			b[i] = rng.Float32()*2 - 1
		}
		want, got := dot(a, b), fd(a, b)
		if math.Abs(float64(want-got)) > 1e-4*math.Sqrt(float64(n)+1) {
			t.Errorf("n=%d: fast dot %v, plain dot %v", n, got, want)
		}
	}
}

func benchDot(b *testing.B, f func(a, b []float32) float32) {
	x, y := make([]float32, in2), make([]float32, in2)
	for i := range x {
		x[i], y[i] = float32(i%7), float32(i%5)
	}
	var s float32
	for b.Loop() {
		s += f(x, y)
	}
	_ = s
}

func BenchmarkDotPlain(b *testing.B) { benchDot(b, dot) }
func BenchmarkDotFast(b *testing.B)  { benchDot(b, fastDot()) }

func BenchmarkForwardPlain(b *testing.B) { benchForward(b, dot) }
func BenchmarkForwardFast(b *testing.B)  { benchForward(b, fastDot()) }

func benchForward(b *testing.B, vdot func(a, b []float32) float32) {
	m, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	var x [Pixels]float32
	for i := range x {
		x[i] = float32(i%13) / 13
	}
	a := new(acts)
	for b.Loop() {
		forward(m.p, &x, a, vdot)
	}
}
