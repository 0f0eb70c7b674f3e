package digits

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvLayout checks both layers' layouts against the columns they
// stand for: row t = (ch, ky, kx) of the columns, at output position
// (y, x), is the input at (ch, y+ky, x+kx).
func TestConvLayout(t *testing.T) {
	for _, c := range []struct{ maps, side int }{{1, Side}, {c1, q1}} {
		l := newConvLayout(c.maps, c.side)
		out := c.side - kern + 1
		if len(l.taps) != c.maps*kk || len(l.runs)*8 != out*out {
			t.Fatalf("%d maps of %d: %d taps, %d runs", c.maps, c.side, len(l.taps), len(l.runs))
		}
		for tap, off := range l.taps {
			ch, ky, kx := tap/kk, tap%kk/kern, tap%kern
			for pos := 0; pos < out*out; pos++ {
				y, x := pos/out, pos%out
				want := ch*c.side*c.side + (y+ky)*c.side + x + kx
				if got := off + l.runs[pos/8] + pos%8; got != want {
					t.Fatalf("%d maps of %d: tap %d position %d at %d, want %d", c.maps, c.side, tap, pos, got, want)
				}
			}
		}
	}
}

// TestFastConv checks kernels.conv bit for bit against kernels.gemm on the
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
		k.gemm(c.m, n, kt, a, cols, bias, want)
		k.conv(c.m, a, in, c.l, bias, got)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d maps of %d: output %d is %v, want %v", c.maps, c.side, i, got[i], want[i])
			}
		}
	}
}
