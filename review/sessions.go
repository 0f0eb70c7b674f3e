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

// dummyHash is checked against when the user does not exist, so a wrong
// name takes as long as a wrong password.
var dummyHash, _ = hashSecret("tutanak-no-such-user")

// Login checks a name and password and opens a browser session: a token
// like an API token, whose id marks it as a session. ErrUnauthenticated
// for a wrong name or password, the same for both.
func (s *Service) Login(ctx context.Context, name, password string) (User, string, error) {
	var rec storage.User
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		var err error
		rec, err = tx.UserByName(ctx, strings.TrimSpace(name))
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		checkSecret(dummyHash, password)
		return User{}, "", ErrUnauthenticated
	}
	if err != nil {
		return User{}, "", fmt.Errorf("login: %w", err)
	}
	if rec.PasswordHash == "" || password == "" || !checkSecret(rec.PasswordHash, password) {
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
// than ttl ago; ErrUnauthenticated for anything else.
func (s *Service) AuthenticateSession(ctx context.Context, token string, ttl time.Duration) (User, error) {
	id, ok := sessionID(token)
	if !ok {
		return User{}, ErrUnauthenticated
	}
	u, err := s.Authenticate(ctx, token)
	if err != nil {
		return User{}, err
	}
	var t storage.Token
	err = s.db.View(ctx, func(tx *storage.Tx) error {
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
		return User{}, ErrUnauthenticated
	}
	return u, nil
}

// Logout ends a browser session.
func (s *Service) Logout(ctx context.Context, token string) error {
	id, ok := sessionID(token)
	if !ok {
		return nil
	}
	key := sha256.Sum256([]byte(token))
	s.tokens.mu.Lock()
	delete(s.tokens.entries, key)
	s.tokens.mu.Unlock()
	return s.db.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteToken(ctx, id) })
}

func sessionID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, "tt_")
	id, _, ok2 := strings.Cut(rest, "_")
	return id, ok && ok2 && strings.HasPrefix(id, sessionPrefix)
}
