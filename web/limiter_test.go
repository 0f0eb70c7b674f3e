package web

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a limiter's clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestLimiter() (*loginLimiter, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 5, 14, 21, 0, 0, 0, time.UTC)}
	l := newLoginLimiter()
	l.now = clock.now
	return l, clock
}

// failTimes makes n failed tries of key, each once its wait is over.
func failTimes(t *testing.T, l *loginLimiter, clock *fakeClock, key string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if w := l.begin(key); w > 0 {
			clock.t = clock.t.Add(w)
			if w := l.begin(key); w > 0 {
				t.Fatalf("try %d refused after its wait: %v", i+1, w)
			}
		}
		l.fail(key)
	}
}

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
			l, clock := newTestLimiter()
			failTimes(t, l, clock, c.key, c.fails)
			w := l.begin(c.key)
			if (c.waitMore == 0) != (w <= 0) || w < c.waitMore || w > maxLoginWait {
				t.Fatalf("wait %v after %d failures", w, c.fails)
			}
			if w == 0 {
				l.cancel(c.key)
			}
			// Someone guessing from elsewhere never slows the real user.
			if other := l.begin("10.0.0.2|ayşe"); other > 0 {
				t.Fatalf("another address waits %v", other)
			}
			clock.t = clock.t.Add(w)
			if w := l.begin(c.key); w > 0 {
				t.Fatalf("wait %v after the wait", w)
			}
			l.succeed(c.key)
			if w := l.begin(c.key); w > 0 {
				t.Fatalf("wait %v after a success", w)
			}
		})
	}
}

// TestLoginLimiterParallel sends many guesses for one key at once: only the
// free tries are checked, however many arrive before the first answer.
func TestLoginLimiterParallel(t *testing.T) {
	l, clock := newTestLimiter()
	const key, guesses = "10.0.0.1|ayşe", 50
	// wave begins guesses tries at once and fails every one let through.
	wave := func() int {
		var admitted atomic.Int32
		var begun, done sync.WaitGroup
		start := make(chan struct{})
		begun.Add(guesses)
		done.Add(guesses)
		for i := 0; i < guesses; i++ {
			go func() {
				defer done.Done()
				<-start
				ok := l.begin(key) == 0
				begun.Done()
				begun.Wait() // every guess has begun before any is answered
				if ok {
					admitted.Add(1)
					l.fail(key)
				}
			}()
		}
		close(start)
		done.Wait()
		return int(admitted.Load())
	}
	if n := wave(); n != freeLoginFails {
		t.Fatalf("first wave: %d of %d guesses checked, want %d", n, guesses, freeLoginFails)
	}
	if n := wave(); n != 1 {
		t.Fatalf("second wave: %d guesses checked, want 1", n)
	}
	if n := wave(); n != 0 {
		t.Fatalf("third wave, within the wait: %d guesses checked, want 0", n)
	}
	clock.t = clock.t.Add(time.Second)
	if n := wave(); n != 1 {
		t.Fatalf("after the wait: %d guesses checked, want 1", n)
	}
}

// TestLoginLimiterFlood: a flood of failures for other keys neither unlocks
// a key that must wait nor grows the table past its bound.
func TestLoginLimiterFlood(t *testing.T) {
	l, clock := newTestLimiter()
	l.max = 1000
	const victim = "10.0.0.1|ayşe"
	failTimes(t, l, clock, victim, freeLoginFails+10)
	until := clock.t.Add(l.begin(victim))
	refused := 0
	for i := 0; i < 5*l.max; i++ {
		key := "10.9.9.9|junk" + string(rune('a'+i%26)) + time.Duration(i).String()
		if l.begin(key) > 0 {
			refused++
			continue
		}
		l.fail(key)
	}
	if len(l.m) > l.max {
		t.Errorf("%d keys tracked, bound %d", len(l.m), l.max)
	}
	if refused == 0 {
		t.Errorf("a full table took every new key")
	}
	if w := l.begin(victim); w <= 0 || !clock.t.Add(w).Equal(until) {
		t.Fatalf("victim waits %v after the flood, want until %v", w, until)
	}
	// Once the junk is forgotten there is room again.
	clock.t = clock.t.Add(loginForget + time.Second)
	if w := l.begin("10.0.0.3|yeni"); w > 0 {
		t.Fatalf("a new key waits %v once old failures are forgotten", w)
	}
	if len(l.m) > l.max/2 {
		t.Errorf("%d keys still tracked after the junk is forgotten", len(l.m))
	}
}

// TestPasswordGate: no more checks run at once than the gate allows, and a
// login that finds none free within the wait is refused, not queued forever.
func TestPasswordGate(t *testing.T) {
	g := newPasswordGate(2, 50*time.Millisecond)
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !g.enter(context.Background()) {
			}
			n := running.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			running.Add(-1)
			g.leave()
		}()
	}
	wg.Wait()
	if m := most.Load(); m > 2 {
		t.Fatalf("%d checks ran at once, want at most 2", m)
	}
	if !g.enter(context.Background()) || !g.enter(context.Background()) {
		t.Fatal("an idle gate refused")
	}
	if g.enter(context.Background()) {
		t.Fatal("a full gate let a third check in")
	}
	g.leave()
	if !g.enter(context.Background()) {
		t.Fatal("a freed slot was not taken")
	}
}

func TestSafeNext(t *testing.T) {
	cases := []struct{ name, next, want string }{
		{"path", "/review", "/review"},
		{"path and query", "/legal?il=%C4%B0zmir&sandik_no=12", "/legal?il=%C4%B0zmir&sandik_no=12"},
		{"turkish path", "/results/%C4%B0ZM%C4%B0R", "/results/%C4%B0ZM%C4%B0R"},
		{"encoded space in the query", "/legal?ilce=sand%C4%B1k%20alan%C4%B1", "/legal?ilce=sand%C4%B1k%20alan%C4%B1"},
		{"root", "/", "/"},
		{"empty", "", "/"},
		{"relative", "review", "/"},
		{"absolute URL", "https://evil.example/pwned", "/"},
		{"scheme-relative", "//evil.example/pwned", "/"},
		{"backslash", "/\\evil.example/pwned", "/"},
		{"backslash later", "/a\\b", "/"},
		{"tab", "/\t/evil.example/pwned", "/"},
		{"carriage return", "/\r/evil.example/pwned", "/"},
		{"line feed", "/\n/evil.example/pwned", "/"},
		{"header injection", "/review\r\nSet-Cookie: x=1", "/"},
		{"space", "/ /evil.example", "/"},
		{"nul", "/\x00/evil.example", "/"},
		{"encoded slash", "/%2F/evil.example", "/"},
		{"encoded backslash", "/%5Cevil.example", "/"},
		{"encoded double slash", "/%2F%2Fevil.example", "/"},
		{"encoded NUL", "/review%00", "/"},
		{"encoded tab", "/%09/evil.example/pwned", "/"},
		{"encoded line feed", "/review%0d%0aSet-Cookie:%20x=1", "/"},
		{"bad escape", "/review%zz", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"not UTF-8", "/\xff", "/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := safeNext(c.next); got != c.want {
				t.Fatalf("safeNext(%q) = %q, want %q", c.next, got, c.want)
			}
		})
	}
}

func TestIPExtractor(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: the peer", nil, "203.0.113.7:4000", "", "203.0.113.7"},
		{"no proxies: a forged header is ignored", nil, "203.0.113.7:4000", "198.51.100.1", "203.0.113.7"},
		{"no proxies: a local peer's header is ignored too", nil, "127.0.0.1:4000", "198.51.100.1", "127.0.0.1"},
		{"trusted proxy: the client it names", proxy, "10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"trusted proxy: a client's own forgery stays to the left", proxy, "10.1.2.3:4000", "192.0.2.66, 198.51.100.1", "198.51.100.1"},
		{"trusted proxy without the header: the proxy", proxy, "10.1.2.3:4000", "", "10.1.2.3"},
		{"untrusted peer: its header is ignored", proxy, "203.0.113.7:4000", "198.51.100.1", "203.0.113.7"},
		{"private peer not listed: its header is ignored", proxy, "192.168.1.5:4000", "198.51.100.1", "192.168.1.5"},
		{"loopback peer not listed: its header is ignored", proxy, "127.0.0.1:4000", "198.51.100.1", "127.0.0.1"},
		{"loopback proxy listed", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "127.0.0.1:4000", "198.51.100.1", "198.51.100.1"},
		{"IPv6 proxy", []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}, "[2001:db8::1]:4000", "2001:db8:ffff::9, 198.51.100.1", "198.51.100.1"},
		{"IPv4 proxy written mapped", []netip.Prefix{netip.MustParsePrefix("::ffff:10.1.0.0/112")}, "10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/login", nil)
			req.RemoteAddr = c.peer
			if c.xff != "" {
				req.Header.Set("X-Forwarded-For", c.xff)
			}
			if got := ipExtractor(c.trusted)(req); got != c.want {
				t.Fatalf("client %q, want %q", got, c.want)
			}
		})
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	cases := []struct {
		name    string
		proxies []netip.Prefix
		ok      bool
	}{
		{"none", nil, true},
		{"a network and a host", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}, true},
		{"every address", []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, false},
		{"every IPv4 address, written mapped", []netip.Prefix{netip.MustParsePrefix("::ffff:0.0.0.0/96")}, false},
		{"zero value", []netip.Prefix{{}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Config{TrustedProxies: c.proxies}.WithDefaults().Validate()
			if (err == nil) != c.ok {
				t.Fatalf("Validate = %v, want ok %v", err, c.ok)
			}
		})
	}
}
