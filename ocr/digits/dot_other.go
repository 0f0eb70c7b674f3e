//go:build !amd64

package digits

// fastDot returns dot: only amd64 has a vector version.
func fastDot() func(a, b []float32) float32 { return dot }
