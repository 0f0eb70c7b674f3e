package review

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/storage"
)

// Sentinel errors of the domain, checked with errors.Is.
var (
	// ErrNotFound: no such sheet, user or token (or one the actor may not see).
	ErrNotFound = storage.ErrNotFound
	// ErrForbidden: the actor's role or province does not allow the action.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no valid token.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// InputError is a request the domain refuses, with a stable code and a
// message safe to show, Turkish first.
type InputError struct {
	Code string
	TR   string
	EN   string
}

func (e *InputError) Error() string { return e.Code + ": " + e.EN }

func inputErr(code, tr, en string) error { return &InputError{Code: code, TR: tr, EN: en} }

// storable reports whether s can be looked up as text in every database
// the service runs on: PostgreSQL refuses a NUL and bytes that are not
// UTF-8 with an error, where SQLite finds nothing. An id or a name that is
// not storable names nothing, and is answered as one that does not exist.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// isName reports whether s is a name as a person types it: storable, with
// no control character but spaces (tabs and line breaks are spaces in a
// name) and no format character (zero-width, bidirectional overrides).
func isName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// ConflictError is a request that clashes with what is already stored, with
// a stable code and a message safe to show, Turkish first. Sending it again
// as it is cannot succeed.
type ConflictError struct {
	Code string
	TR   string
	EN   string
}

func (e *ConflictError) Error() string { return e.Code + ": " + e.EN }

// Service is tutanak's domain: sheets, typed figures, verdicts, users and
// the custody log, over a database and an object store.
type Service struct {
	db    *storage.DB
	store storage.ObjectStore
	log   *slog.Logger
	now   func() time.Time
	// deadlines says when objections about a box close.
	deadlines DeadlinePolicy
	// signer signs evidence bundles; nil leaves them unsigned.
	signer ed25519.PrivateKey

	tokens tokenCache
	forms  sync.Map // form id -> *ocr.Form
	// counted and shared keep what the totals decoded and computed
	// (counted.go), country the country's judged boxes (country.go).
	counted countedCache
	shared  sharedTotals
	country countryBoxes
}

// NewService returns the domain service.
func NewService(db *storage.DB, store storage.ObjectStore, log *slog.Logger) *Service {
	return &Service{db: db, store: store, log: log, now: time.Now, tokens: tokenCache{entries: map[[32]byte]cachedToken{}}}
}

// Ready checks the database and the object store.
func (s *Service) Ready(ctx context.Context) error {
	return errors.Join(s.db.Ping(ctx), s.store.Check(ctx))
}

// DefaultForm is the form meant by a request that names none: the
// presidential result sheet, the only form the service carries so far.
const DefaultForm = "cb-2023"

// Form returns the form with id, parsed once and kept: pages ask for it on
// every view. An unknown id is an *InputError.
func (s *Service) Form(id string) (*ocr.Form, error) { return s.form(id) }

func (s *Service) form(id string) (*ocr.Form, error) {
	if f, ok := s.forms.Load(id); ok {
		return f.(*ocr.Form), nil
	}
	f, err := ocr.LoadForm(id)
	if errors.Is(err, ocr.ErrUnknownForm) {
		return nil, inputErr("unknown_form", fmt.Sprintf("Bilinmeyen form: %q.", id), fmt.Sprintf("Unknown form %q.", id))
	}
	if err != nil {
		return nil, err
	}
	s.forms.Store(id, f)
	return f, nil
}

// clock returns now in the precision both databases keep, so what is
// hashed into the custody log is what is stored.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
