package digits

import "golang.org/x/sys/cpu"

// dotAVX2 is dot with AVX2 and FMA, eight lanes at a time. The caller
// guarantees len(b) >= len(a).
//
//go:noescape
func dotAVX2(a, b []float32) float32

// axpyAVX2 is axpy with AVX2 and FMA. The caller guarantees len(y) >= len(x).
//
//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

// fastKernels returns the fastest vector kernels this CPU runs. Their sums
// round differently from the plain ones, so training keeps plainKernels:
// the weights file stays reproducible bit for bit on any machine.
func fastKernels() kernels {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return kernels{
			dot:  func(a, b []float32) float32 { return dotAVX2(a, b[:len(a)]) },
			axpy: func(alpha float32, x, y []float32) { axpyAVX2(alpha, x, y[:len(x)]) },
			rows: true,
		}
	}
	return plainKernels()
}
