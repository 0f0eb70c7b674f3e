package review

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tutanak/tutanak/storage"
)

// sessionPrefix starts the token id of a browser session; API token ids
// are hex and never start with it.
const sessionPrefix = "s"

// dummyHash is checked against when the user does not exist or has no
// password, so every failed login costs one argon2id verification.
var dummyHash, _ = hashSecret("tutanak-no-such-user")

// passwordMatches reports whether password opens hash, spending exactly one
// verification with check whatever the outcome: an unknown name (hash ""),
// a user without a password (hash "") and an empty password take as long
// as a wrong password, so timing tells no names apart.
func passwordMatches(hash, password string, check func(encoded, secret string) bool) bool {
	if hash == "" {
		check(dummyHash, password)
		return false
	}
	ok := check(hash, password)
	return ok && password != ""
}

// Login checks a name and password and opens a browser session: a token
// like an API token, whose id marks it as a session. ErrUnauthenticated
// for a wrong name or password, the same for both.
func (s *Service) Login(ctx context.Context, name, password string) (User, string, error) {
	var rec storage.User
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		name := strings.TrimSpace(name)
		if !storable(name) {
			return storage.ErrNotFound // no user has such a name
		}
		rec, err = tx.UserByName(ctx, name)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		rec = storage.User{} // no hash: checked against dummyHash
	} else if err != nil {
		return User{}, "", fmt.Errorf("login: %w", err)
	}
	if !passwordMatches(rec.PasswordHash, password, checkSecret) {
		return User{}, "", ErrUnauthenticated
	}
	id := sessionPrefix + randomHex(8)
	secret := randomToken()
	h, err := hashSecret(secret)
	if err != nil {
		return User{}, "", err
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		return tx.CreateToken(ctx, storage.Token{ID: id, UserID: rec.ID, SecretHash: h, CreatedAt: s.clock()})
	})
	if err != nil {
		return User{}, "", fmt.Errorf("open session: %w", err)
	}
	s.log.InfoContext(ctx, "login", "user_id", rec.ID)
	return userOf(rec), "tt_" + id + "_" + secret, nil
}

// AuthenticateSession returns the user of a browser session opened less
// than ttl ago; ErrUnauthenticated for anything else. A session found
// expired is deleted. Sessions are good only here: Authenticate (the API's
// Bearer tokens) refuses them.
func (s *Service) AuthenticateSession(ctx context.Context, token string, ttl time.Duration) (User, error) {
	id, ok := sessionID(token)
	if !ok {
		return User{}, ErrUnauthenticated
	}
	var t storage.Token
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		t, err = tx.TokenByID(ctx, id)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return User{}, ErrUnauthenticated // logged out
	}
	if err != nil {
		return User{}, fmt.Errorf("session: %w", err)
	}
	if s.now().Sub(t.CreatedAt) > ttl {
		// Whoever holds the id of an expired session may see it removed:
		// it opens nothing any more.
		s.forgetToken(token)
		if err := s.db.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteToken(ctx, id) }); err != nil {
			s.log.WarnContext(ctx, "delete expired session", "err", err)
		}
		return User{}, ErrUnauthenticated
	}
	return s.authenticate(ctx, token)
}

// SweepSessions deletes the browser sessions opened more than ttl ago,
// which open nothing any more, and returns how many. A session is deleted
// when it is presented expired; this removes those never presented again,
// so that the table holds live sessions only.
func (s *Service) SweepSessions(ctx context.Context, ttl time.Duration) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		n, err = tx.DeleteTokensBefore(ctx, sessionPrefix, s.now().Add(-ttl))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	return n, nil
}

// Logout ends a browser session.
func (s *Service) Logout(ctx context.Context, token string) error {
	id, ok := sessionID(token)
	if !ok {
		return nil
	}
	s.forgetToken(token)
	return s.db.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteToken(ctx, id) })
}

// forgetToken drops a token from the cache of verified tokens.
func (s *Service) forgetToken(token string) {
	key := sha256.Sum256([]byte(token))
	s.tokens.mu.Lock()
	delete(s.tokens.entries, key)
	s.tokens.mu.Unlock()
}

func sessionID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, "tt_")
	id, _, ok2 := strings.Cut(rest, "_")
	return id, ok && ok2 && strings.HasPrefix(id, sessionPrefix) && storable(id)
}
