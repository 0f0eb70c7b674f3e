package digits

import "golang.org/x/sys/cpu"

// dotAVX2 is dot with AVX2 and FMA, eight lanes at a time. The caller
// guarantees len(b) >= len(a).
//
//go:noescape
func dotAVX2(a, b []float32) float32

// fastDot returns the fastest dot product this CPU runs. Its sums round
// differently from dot's, so training keeps dot: the weights file stays
// reproducible bit for bit on any machine.
func fastDot() func(a, b []float32) float32 {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return func(a, b []float32) float32 { return dotAVX2(a, b[:len(a)]) }
	}
	return dot
}
