package web

import (
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	cases := []struct {
		name     string
		fails    int
		key      string
		waitMore time.Duration
	}{
		{"a few mistakes cost nothing", freeLoginFails, "10.0.0.1|ayşe", 0},
		{"then each failure doubles the wait", freeLoginFails + 3, "10.0.0.1|ayşe", 3 * time.Second},
		{"the wait is capped", freeLoginFails + 50, "10.0.0.1|ayşe", maxLoginWait - time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLoginLimiter()
			for i := 0; i < c.fails; i++ {
				l.fail(c.key)
			}
			w := l.wait(c.key)
			if (c.waitMore == 0) != (w <= 0) || w < c.waitMore || w > maxLoginWait {
				t.Fatalf("wait %v after %d failures", w, c.fails)
			}
			// Someone guessing from elsewhere never slows the real user.
			if other := l.wait("10.0.0.2|ayşe"); other > 0 {
				t.Fatalf("another address waits %v", other)
			}
			l.succeed(c.key)
			if w := l.wait(c.key); w > 0 {
				t.Fatalf("wait %v after a success", w)
			}
		})
	}
}
