package review

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// Role is what a person does on election night.
type Role string

// Roles.
const (
	// Observer photographs sheets at the ballot box and sees only their uploads.
	Observer Role = "observer"
	// Entry types the figures of sheets.
	Entry Role = "entry"
	// Lawyer reviews flagged sheets of their province.
	Lawyer Role = "lawyer"
	// Legal is the legal team: reviews and sets legal holds.
	Legal Role = "legal"
	// Admin does everything everywhere.
	Admin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case Observer, Entry, Lawyer, Legal, Admin:
		return true
	}
	return false
}

// User is an authenticated person.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Province limits what the user sees and enters; empty means all.
	Province string `json:"province,omitempty"`
}

func (u User) actor() string { return fmt.Sprintf("user:%d:%s", u.ID, u.Name) }

// canSee is the scope rule: observers see their own uploads, others the
// sheets of their province (all when they have none).
func (u User) canSee(sh storage.Sheet) bool {
	switch {
	case u.Role == Admin:
		return true
	case u.Role == Observer, sh.UploadedBy == u.ID:
		// An observer sees their own uploads only; anyone sees theirs, even
		// one the header filed under no box of their province.
		return sh.UploadedBy == u.ID
	case u.Province == "":
		return true
	default:
		return sh.Il == u.Province
	}
}

func (u User) inProvince(il string) bool { return u.Province == "" || il == "" || il == u.Province }

// CanUpload reports whether u may send photos of sheets.
func (u User) CanUpload() bool { return u.can(Observer, Entry, Admin) }

// CanTypeBoxes reports whether u may type a box's figures.
func (u User) CanTypeBoxes() bool { return u.can(Entry, Admin) }

// CanSeeObjections reports whether u may list the objections to file.
func (u User) CanSeeObjections() bool { return u.can(Lawyer, Legal, Admin) }

func (u User) can(roles ...Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// NormalizePlace writes a place name the way it is compared: composed
// (NFC), trimmed, single-spaced, in Turkish upper case ("izmir" → "İZMİR").
// Letters written decomposed, as some keyboards and file names send them
// ("C" and a combining cedilla for "Ç"), are the composed letters, and "i̇"
// ("i" and a combining dot above: "İ" lower-cased outside Turkish, as
// JavaScript's toLowerCase does) is "İ", not "İ" with a second dot.
func NormalizePlace(s string) string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	s = strings.ToUpperSpecial(unicode.TurkishCase, s)
	s = strings.ReplaceAll(s, "İ\u0307", "İ")
	return strings.Join(strings.Fields(s), " ")
}

// argon2id parameters (OWASP's minimum for argon2id: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

func hashSecret(secret string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkSecret(encoded, secret string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewUser is who to create.
type NewUser struct {
	Name     string
	Role     Role
	Province string
	// Password is optional; stored hashed.
	Password string
}

// CreateUser creates a user and an API token for them. The token is shown
// once; only its argon2id hash is kept.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, string, error) {
	var problems []string
	if strings.TrimSpace(nu.Name) == "" {
		problems = append(problems, "name is required")
	}
	if !nu.Role.Valid() {
		problems = append(problems, fmt.Sprintf("role %q: want observer, entry, lawyer, legal or admin", nu.Role))
	}
	// A user bound to a province that does not exist would see nothing.
	province := ocr.CanonicalProvince(NormalizePlace(nu.Province))
	if province != "" && !ocr.IsProvince(province) {
		problems = append(problems, fmt.Sprintf("province %q: not one of the 81 provinces", nu.Province))
	}
	// An admin sees and acts on every sheet; a province would bound only
	// some of what it does (uploads, totals), and read as if it bound all.
	if nu.Role == Admin && province != "" {
		problems = append(problems, "an admin works for the whole country: give a province to a user of another role")
	}
	if len(problems) > 0 {
		return User{}, "", fmt.Errorf("create user: %s", strings.Join(problems, "; "))
	}
	now := s.clock()
	rec := storage.User{Name: strings.TrimSpace(nu.Name), Role: string(nu.Role), Province: province, CreatedAt: now}
	if nu.Password != "" {
		h, err := hashSecret(nu.Password)
		if err != nil {
			return User{}, "", err
		}
		rec.PasswordHash = h
	}
	tokenID := randomHex(8)
	secret := randomToken()
	secretHash, err := hashSecret(secret)
	if err != nil {
		return User{}, "", err
	}
	err = s.db.InTx(ctx, func(tx *storage.Tx) error {
		id, err := tx.CreateUser(ctx, rec)
		if err != nil {
			return err
		}
		rec.ID = id
		return tx.CreateToken(ctx, storage.Token{ID: tokenID, UserID: id, SecretHash: secretHash, CreatedAt: now})
	})
	if err != nil {
		return User{}, "", err
	}
	return userOf(rec), "tt_" + tokenID + "_" + secret, nil
}

func userOf(r storage.User) User {
	return User{ID: r.ID, Name: r.Name, Role: Role(r.Role), Province: r.Province}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenCache remembers verified tokens briefly: argon2id is deliberately
// slow, and a phone uploading sheets sends the same token many times.
type tokenCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cachedToken
}

type cachedToken struct {
	user    User
	expires time.Time
}

// tokenCacheTTL bounds how long a deleted user's token keeps working.
const tokenCacheTTL = time.Minute

// Authenticate returns the user an API token belongs to; ErrUnauthenticated
// for anything else, a browser session's token included: a session is good
// only as a session, within its lifetime (AuthenticateSession).
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if _, ok := sessionID(token); ok {
		return User{}, ErrUnauthenticated
	}
	return s.authenticate(ctx, token)
}

// authenticate checks any token, session or not, against its stored hash.
func (s *Service) authenticate(ctx context.Context, token string) (User, error) {
	key := sha256.Sum256([]byte(token))
	now := s.now()
	s.tokens.mu.Lock()
	c, ok := s.tokens.entries[key]
	s.tokens.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.user, nil
	}
	rest, ok := strings.CutPrefix(token, "tt_")
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || id == "" || secret == "" || !storable(id) {
		return User{}, ErrUnauthenticated
	}
	var u User
	err := s.db.View(ctx, func(tx *storage.Tx) error {
		// An unknown id is refused without the slow check. Timing then tells
		// ids that exist from ids that do not, but ids are 64 random bits
		// and open nothing without their secret; checking every made-up id
		// would hand anyone an argon2id computation per request.
		t, err := tx.TokenByID(ctx, id)
		if err != nil {
			return err
		}
		if !checkSecret(t.SecretHash, secret) {
			return ErrUnauthenticated
		}
		rec, err := tx.UserByID(ctx, t.UserID)
		u = userOf(rec)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, ErrUnauthenticated) {
		return User{}, ErrUnauthenticated
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	s.tokens.mu.Lock()
	if len(s.tokens.entries) > 10_000 {
		clear(s.tokens.entries)
	}
	s.tokens.entries[key] = cachedToken{user: u, expires: now.Add(tokenCacheTTL)}
	s.tokens.mu.Unlock()
	return u, nil
}
