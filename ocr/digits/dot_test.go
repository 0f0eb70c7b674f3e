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

// TestRowDots checks the CPU's matrix–vector product against dot products
// on fc1's shape and on row counts and lengths off its vector widths.
func TestRowDots(t *testing.T) {
	rowDots := fastKernels().rowDots
	if rowDots == nil {
		t.Skip("no vector matrix-vector product on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][2]int{
		{hidden, flat}, {outputs, hidden},
		{4, 0}, {4, 1}, {4, 7}, {4, 8}, {4, 9}, {4, 15}, {4, 16}, {4, 17}, {4, 23}, {8, 24}, {3, 5}, {5, 31}, {7, 500},
	} {
		rows, n := s[0], s[1]
		a, x := make([]float32, rows*n), make([]float32, n)
		for _, v := range [][]float32{a, x} {
			for i := range v {
				v[i] = rng.Float32()*2 - 1
			}
		}
		y := make([]float32, rows+1)
		y[rows] = 42
		rowDots(a, x, y[:rows])
		for j := 0; j < rows; j++ {
			want := dot(a[j*n:j*n+n], x)
			if math.Abs(float64(y[j]-want)) > 1e-4*math.Sqrt(float64(n)+1) {
				t.Errorf("%dx%d: y[%d] = %v, want %v", rows, n, j, y[j], want)
			}
		}
		if y[rows] != 42 {
			t.Errorf("%dx%d: wrote past y", rows, n)
		}
	}
}

// TestMaxPool checks the CPU's pooling against maxPool2 on the network's
// maps and on sides that are not whole vectors.
func TestMaxPool(t *testing.T) {
	pool := fastKernels().maxPool
	if pool == nil {
		t.Skip("no vector pooling on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range [][2]int{{c1, s1}, {c2, s2}, {1, 8}, {3, 16}, {2, 6}, {2, 7}, {1, 1}} {
		c, side := s[0], s[1]
		half := side / 2
		in := make([]float32, c*side*side)
		for i := range in {
			in[i] = rng.Float32()*2 - 1
		}
		want, got := make([]float32, c*half*half), make([]float32, c*half*half+1)
		got[len(want)] = 42
		maxPool2(in, want, make([]int32, len(want)), c, side)
		pool(in, got[:len(want)], c, side)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%d maps of %d: out[%d] = %v, want %v", c, side, i, got[i], want[i])
			}
		}
		if got[len(want)] != 42 {
			t.Errorf("%d maps of %d: wrote past out", c, side)
		}
	}
}

// TestFastKernels checks the network run on the fast kernels against the
// plain run, on MNIST test images and on noise: probabilities within
// rounding.
func TestFastKernels(t *testing.T) {
	m := loadModel(t)
	set := loadTestSplit(t)
	rng := rand.New(rand.NewPCG(5, 6))
	fk, pk := fastKernels(), plainKernels()
	fa, pa := new(acts), new(acts)
	for i := 0; i < 300; i++ {
		var x [Pixels]float32
		if i < 250 {
			for j, v := range set.Image(i) {
				x[j] = float32(v) / 255
			}
		} else {
			for j := range x {
				x[j] = rng.Float32()
			}
		}
		for _, p := range append([][]float32{m.p}, m.more...) {
			forward(p, &x, fa, fk)
			forward(p, &x, pa, pk)
			for c := range fa.prob {
				if math.Abs(float64(fa.prob[c]-pa.prob[c])) > 1e-5 {
					t.Fatalf("image %d class %d: fast %v, plain %v", i, c, fa.prob[c], pa.prob[c])
				}
			}
		}
	}
}
