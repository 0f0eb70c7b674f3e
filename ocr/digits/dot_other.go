//go:build !amd64

package digits

// fastKernels returns the plain kernels: only amd64 has vector ones.
func fastKernels() kernels { return plainKernels() }
