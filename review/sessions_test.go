package review

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// TestSessionLifetime: a browser session opens the pages and the API's
// cookie path only within its lifetime, never as a Bearer token, and is
// deleted when it is found expired.
func TestSessionLifetime(t *testing.T) {
	ctx := context.Background()
	const ttl = time.Hour
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			db, store := b.Open(t, log)
			t.Cleanup(func() { db.Close() })
			svc := NewService(db, store, log)
			now := time.Now()
			svc.now = func() time.Time { return now }
			u, apiToken, err := svc.CreateUser(ctx, NewUser{Name: "avukat", Role: Lawyer, Password: "doğru parola"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.CreateUser(ctx, NewUser{Name: "parolasız", Role: Lawyer}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ name, user, password string }{
				{"wrong password", "avukat", "yanlış"},
				{"empty password", "avukat", ""},
				{"user without a password", "parolasız", ""},
				{"no such user", "kimse", "doğru parola"},
			} {
				if _, _, err := svc.Login(ctx, c.user, c.password); !errors.Is(err, ErrUnauthenticated) {
					t.Fatalf("login, %s: %v, want ErrUnauthenticated", c.name, err)
				}
			}
			_, session, err := svc.Login(ctx, "avukat", "doğru parola")
			if err != nil {
				t.Fatal(err)
			}
			id, _ := sessionID(session)
			steps := []struct {
				name    string
				advance time.Duration
				token   string
				bearer  bool // Authenticate, as the API's Bearer path does
				ok      bool
			}{
				{"fresh session as a session", 0, session, false, true},
				{"fresh session as a Bearer token", 0, session, true, false},
				{"API token as a Bearer token", 0, apiToken, true, true},
				{"session near its end", ttl - time.Minute, session, false, true},
				{"expired session as a Bearer token", 2 * time.Minute, session, true, false},
				{"expired session as a session", 0, session, false, false},
				{"API token after the session's end", 0, apiToken, true, true},
			}
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					now = now.Add(st.advance)
					var got User
					var err error
					if st.bearer {
						got, err = svc.Authenticate(ctx, st.token)
					} else {
						got, err = svc.AuthenticateSession(ctx, st.token, ttl)
					}
					if st.ok && (err != nil || got != u) {
						t.Fatalf("got %+v, %v; want %+v", got, err, u)
					}
					if !st.ok && !errors.Is(err, ErrUnauthenticated) {
						t.Fatalf("got %+v, %v; want ErrUnauthenticated", got, err)
					}
				})
			}
			err = db.View(ctx, func(tx *storage.Tx) error {
				_, err := tx.TokenByID(ctx, id)
				return err
			})
			if !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("expired session still stored: %v", err)
			}

			// Sessions never presented again are swept once expired; live
			// sessions and API tokens stay.
			_, old, err := svc.Login(ctx, "avukat", "doğru parola")
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(ttl / 2)
			_, live, err := svc.Login(ctx, "avukat", "doğru parola")
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(ttl/2 + time.Minute)
			if n, err := svc.SweepSessions(ctx, ttl); err != nil || n != 1 {
				t.Fatalf("swept %d, %v; want 1", n, err)
			}
			for _, c := range []struct {
				name, token string
				stored      bool
			}{{"expired session", old, false}, {"live session", live, true}, {"API token", apiToken, true}} {
				id, _, _ := strings.Cut(strings.TrimPrefix(c.token, "tt_"), "_")
				err := db.View(ctx, func(tx *storage.Tx) error {
					_, err := tx.TokenByID(ctx, id)
					return err
				})
				if stored := err == nil; stored != c.stored || (err != nil && !errors.Is(err, storage.ErrNotFound)) {
					t.Errorf("%s: stored %t (%v), want %t", c.name, stored, err, c.stored)
				}
			}
		})
	}
}

// TestPasswordMatches: every login, whatever is wrong with it, costs one
// slow verification, so the time taken tells no names apart.
func TestPasswordMatches(t *testing.T) {
	hash, err := hashSecret("doğru parola")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, hash, password string
		ok                   bool
	}{
		{"no such user", "", "doğru parola", false},
		{"user without a password", "", "", false},
		{"user without a password, some password", "", "x", false},
		{"empty password", hash, "", false},
		{"wrong password", hash, "yanlış", false},
		{"right password", hash, "doğru parola", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			check := func(encoded, secret string) bool {
				calls++
				return checkSecret(encoded, secret)
			}
			if got := passwordMatches(c.hash, c.password, check); got != c.ok {
				t.Errorf("passwordMatches = %v, want %v", got, c.ok)
			}
			if calls != 1 {
				t.Errorf("%d slow verifications, want 1", calls)
			}
		})
	}
}
