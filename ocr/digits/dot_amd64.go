package digits

import "golang.org/x/sys/cpu"

// dotAVX2 is dot with AVX2 and FMA, eight lanes at a time. The caller
// guarantees len(b) >= len(a).
//
//go:noescape
func dotAVX2(a, b []float32) float32

// gemm5x16TapsAVX2 is convAVX2 on five rows and tiles*16 columns. taps has
// k entries and runs two per tile.
//
//go:noescape
func gemm5x16TapsAVX2(a *float32, lda int, b *float32, taps, runs *int, c *float32, ldc int, k, tiles int, bias *float32)

// dots4AVX2 is rowDotsAVX2 for len(y) a multiple of 4. The caller guarantees
// len(a) >= len(y)*len(x).
//
//go:noescape
func dots4AVX2(a, x, y []float32)

// maxPool2AVX2 is maxPoolAVX2 for side a multiple of 8. The caller
// guarantees len(in)%(2*side) == 0 and len(out) >= len(in)/4.
//
//go:noescape
func maxPool2AVX2(in, out []float32, side int)

// fastKernels returns the fastest vector kernels this CPU runs. Their sums
// round differently from the plain ones, so training keeps plainKernels:
// the weights file stays reproducible bit for bit on any machine.
func fastKernels() kernels {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return kernels{
			dot:     func(a, b []float32) float32 { return dotAVX2(a, b[:len(a)]) },
			rowDots: rowDotsAVX2,
			maxPool: maxPoolAVX2,
			conv:    convAVX2,
			conv1:   newConvLayout(1, Side),
			conv2:   newConvLayout(c1, q1),
		}
	}
	return plainKernels()
}

// rowDotsAVX2 is kernels.rowDots: y[j] = a[j*len(x):][:len(x)]·x.
func rowDotsAVX2(a, x, y []float32) {
	n := len(x)
	a = a[:len(y)*n]
	r := len(y) &^ 3
	dots4AVX2(a, x, y[:r])
	for j := r; j < len(y); j++ {
		y[j] = dotAVX2(x, a[j*n:j*n+n])
	}
}

// maxPoolAVX2 is kernels.maxPool.
func maxPoolAVX2(in, out []float32, c, side int) {
	half := side / 2
	in, out = in[:c*side*side], out[:c*half*half]
	if side%8 == 0 {
		maxPool2AVX2(in, out, side)
		return
	}
	for ch := 0; ch < c; ch++ {
		for y := 0; y < half; y++ {
			for x := 0; x < half; x++ {
				i := ch*side*side + 2*y*side + 2*x
				out[ch*half*half+y*half+x] = max(in[i], in[i+1], in[i+side], in[i+side+1])
			}
		}
	}
}

// convAVX2 is kernels.conv: c (m×n) = max(bias + a·b, 0), a being m×k and
// b the k×n columns l lays out in in. m must be a multiple of 5 and n of 16,
// as in the network, and neither empty.
func convAVX2(m int, a, in []float32, l *convLayout, bias, c []float32) {
	k, n := len(l.taps), 8*len(l.runs)
	if m%5 != 0 || n%16 != 0 || k == 0 || n == 0 {
		panic("digits: convolution shape not whole register tiles")
	}
	a, c, bias = a[:m*k], c[:m*n], bias[:m]
	// The kernel reads in without bounds checks: its furthest run must fit.
	_ = in[l.taps[k-1]+l.runs[len(l.runs)-1]+7]
	for i := 0; i < m; i += 5 {
		gemm5x16TapsAVX2(&a[i*k], k, &in[0], &l.taps[0], &l.runs[0], &c[i*n], n, k, n/16, &bias[i])
	}
}
