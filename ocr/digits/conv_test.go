package digits

import "testing"

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
