package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestEvents follows the live stream: the totals come at once, and again
// when a new verdict lands, without asking.
func TestEvents(t *testing.T) {
	right := correctFigures()
	a := setupWith(t, stacks()[0], web.Config{}, figuresReader{values: right})
	observer := a.token(t, "gözlemci", review.Observer, "")
	legal := a.token(t, "hukuk", review.Legal, "")

	if resp := a.call(t, observer, http.MethodGet, "/api/v1/events", nil, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("observer stream: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+legal)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := bufio.NewScanner(resp.Body)
	events.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() review.Results {
		t.Helper()
		for events.Scan() {
			if data, ok := strings.CutPrefix(events.Text(), "data: "); ok {
				var r review.Results
				if err := json.Unmarshal([]byte(data), &r); err != nil {
					t.Fatal(err)
				}
				return r
			}
		}
		t.Fatalf("stream ended: %v", events.Err())
		return review.Results{}
	}
	if r := next(); r.Total.Counts.Boxes != 0 {
		t.Fatalf("first event: %+v", r.Total.Counts)
	}
	a.uploadBox(t, observer, 1, "Gaziemir", "1", right)
	// Events may come for the upload and the read; wait for the verdict.
	for {
		r := next()
		if r.Total.Counts.Accepted == 1 {
			if r.Total.Figures["aday_1"] != 104 {
				t.Fatalf("event totals: %+v", r.Total)
			}
			break
		}
	}
}

// TestEventsEndWithTheSession: a stream opened with a session ends when the
// session does, by logout or by age, instead of streaming on.
func TestEventsEndWithTheSession(t *testing.T) {
	cases := []struct {
		name   string
		ttl    time.Duration
		logout bool
	}{
		{"logout", 0, true},
		{"session expiry", 6 * time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := setup(t, stacks()[0], web.Config{SessionTTL: c.ttl})
			a.user(t, "hukuk", review.Legal, "", "hukuk parola")
			b := newBrowser(t, a.url)
			csrf := b.login("hukuk", "hukuk parola")
			// Bounds a hang only: the stream is checked every second.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/api/v1/events", nil)
			if err != nil {
				t.Fatal(err)
			}
			ck := b.cookies["tutanak_session"]
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("stream: %d", resp.StatusCode)
			}
			events := bufio.NewScanner(resp.Body)
			events.Buffer(make([]byte, 1<<20), 1<<20)
			for events.Scan() && !strings.HasPrefix(events.Text(), "data: ") {
			}
			if c.logout {
				if resp, _ := b.do(http.MethodPost, "/logout", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("logout: %d", resp.StatusCode)
				}
			}
			for events.Scan() {
			}
			if err := events.Err(); err != nil {
				t.Fatalf("stream did not end with the session: %v", err)
			}
		})
	}
}
