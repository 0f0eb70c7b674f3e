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
	fd := fastKernels().dot
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
func BenchmarkDotFast(b *testing.B)  { benchDot(b, fastKernels().dot) }

func BenchmarkForwardPlain(b *testing.B) { benchForward(b, plainKernels()) }
func BenchmarkForwardFast(b *testing.B)  { benchForward(b, fastKernels()) }

func benchForward(b *testing.B, k kernels) {
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
		forward(m.p, &x, a, k)
	}
}

// TestFastKernels checks the vector axpy against the plain one, and the
// network run on the fast kernels against the plain run on MNIST test
// images: the same class, probabilities within rounding.
func TestFastKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fk, pk := fastKernels(), plainKernels()
	for _, n := range []int{0, 1, 7, 8, 31, 33, n1} {
		x, y1 := make([]float32, n), make([]float32, n+2)
		for i := range x {
			x[i] = rng.Float32()
		}
		for i := range y1 {
			y1[i] = rng.Float32()
		}
		y2 := append([]float32(nil), y1...)
		fk.axpy(0.37, x, y1)
		pk.axpy(0.37, x, y2)
		for i := range y1 {
			if math.Abs(float64(y1[i]-y2[i])) > 1e-5 {
				t.Fatalf("n=%d: axpy[%d] %v, plain %v", n, i, y1[i], y2[i])
			}
		}
	}
	m := loadModel(t)
	set := loadTestSplit(t)
	fa, pa := new(acts), new(acts)
	for i := 0; i < 200; i++ {
		var x [Pixels]float32
		for j, v := range set.Image(i) {
			x[j] = float32(v) / 255
		}
		forward(m.p, &x, fa, fk)
		forward(m.p, &x, pa, pk)
		for c := range fa.prob {
			if math.Abs(float64(fa.prob[c]-pa.prob[c])) > 1e-4 {
				t.Fatalf("image %d class %d: fast %v, plain %v", i, c, fa.prob[c], pa.prob[c])
			}
		}
	}
}
