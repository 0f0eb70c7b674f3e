package digits

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// gemmRelu sets c (m×n) to max(bias + a·b, 0), a being m×k and b k×n, all
// row-major, bias one value per row of c: the convolutions' kernel on a dense
// matrix, whose taps are its rows and whose runs are its columns eight at a
// time, with plain Go for rows and columns outside whole register tiles.
func gemmRelu(m, n, k int, a, b, bias, c []float32) {
	a, b, c, bias = a[:m*k], b[:k*n], c[:m*n], bias[:m]
	rows, cols := m-m%5, n-n%16
	if k == 0 || cols == 0 {
		rows, cols = 0, 0
	}
	if rows > 0 {
		taps, runs := make([]int, k), make([]int, cols/8)
		for t := range taps {
			taps[t] = t * n
		}
		for g := range runs {
			runs[g] = 8 * g
		}
		for i := 0; i < rows; i += 5 {
			gemm5x16TapsAVX2(&a[i*k], k, &b[0], &taps[0], &runs[0], &c[i*n], n, k, cols/16, &bias[i])
		}
	}
	// The network's shapes are whole tiles; other shapes finish here.
	gemmReluRest(0, rows, cols, n, k, a, b, bias, c)
	gemmReluRest(rows, m, 0, n, k, a, b, bias, c)
}

// gemmReluRest is gemmRelu in plain Go on rows i0 to i1 and columns j0
// onwards.
func gemmReluRest(i0, i1, j0, n, k int, a, b, bias, c []float32) {
	for i := i0; i < i1; i++ {
		for j := j0; j < n; j++ {
			s := bias[i]
			for t := 0; t < k; t++ {
				s += a[i*k+t] * b[t*n+j]
			}
			c[i*n+j] = max(s, 0)
		}
	}
}

// TestGemm checks the convolutions' kernel, on dense matrices, against dot
// products on the network's shapes and on ones that leave rows and columns
// outside whole register tiles.
func TestGemm(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{
		{c1, n1, kk}, {c2, n2, in2},
		{5, 16, 1}, {5, 16, 0}, {1, 1, 1}, {4, 15, 3}, {6, 17, 7}, {7, 40, 9}, {11, 33, 500}, {10, 48, 8},
	} {
		m, n, k := s[0], s[1], s[2]
		a, b, bias := make([]float32, m*k), make([]float32, k*n), make([]float32, m)
		for _, v := range [][]float32{a, b, bias} {
			for i := range v {
				v[i] = rng.Float32()*2 - 1
			}
		}
		// Room after c shows writes past its end.
		c := make([]float32, m*n+1)
		c[m*n] = 42
		gemmRelu(m, n, k, a, b, bias, c[:m*n])
		col := make([]float32, k)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				for t := range col {
					col[t] = b[t*n+j]
				}
				want := max(bias[i]+dot(a[i*k:i*k+k], col), 0)
				if got := c[i*n+j]; math.Abs(float64(got-want)) > 1e-4*math.Sqrt(float64(k)+1) {
					t.Errorf("%dx%dx%d: c[%d,%d] = %v, want %v", m, n, k, i, j, got, want)
				}
			}
		}
		if c[m*n] != 42 {
			t.Errorf("%dx%dx%d: wrote past c", m, n, k)
		}
	}
}

// TestFastConv checks kernels.conv bit for bit against gemmRelu on the
// columns built out, for both layers' shapes: it must change nothing but
// where the columns are read from.
func TestFastConv(t *testing.T) {
	k := fastKernels()
	if k.conv == nil {
		t.Skip("no conv kernel on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		m, maps, side int
		l             *convLayout
	}{{c1, 1, Side, k.conv1}, {c2, c1, q1, k.conv2}} {
		out := c.side - kern + 1
		n, kt := out*out, len(c.l.taps)
		in := make([]float32, c.maps*c.side*c.side)
		for i := range in {
			in[i] = rng.Float32()*2 - 1
		}
		a, bias := make([]float32, c.m*kt), make([]float32, c.m)
		for i := range a {
			a[i] = rng.Float32()*2 - 1
		}
		for i := range bias {
			bias[i] = rng.Float32()*2 - 1
		}
		cols := make([]float32, kt*n)
		for tap := 0; tap < kt; tap++ {
			ch, ky, kx := tap/kk, tap%kk/kern, tap%kern
			for pos := 0; pos < n; pos++ {
				cols[tap*n+pos] = in[ch*c.side*c.side+(pos/out+ky)*c.side+pos%out+kx]
			}
		}
		want, got := make([]float32, c.m*n), make([]float32, c.m*n)
		gemmRelu(c.m, n, kt, a, cols, bias, want)
		k.conv(c.m, a, in, c.l, bias, got)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d maps of %d: output %d is %v, want %v", c.maps, c.side, i, got[i], want[i])
			}
		}
	}
}
