// Package storage keeps tutanak's objects and records: the original photos
// and derived images in an object store (local disk or S3 with object lock),
// and sheets, users, typed figures and the custody log in SQLite or
// PostgreSQL, with the River job queue beside them.
package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strings"
	"time"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotFound is returned when an object or record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate is returned when a record with the same identity exists.
	ErrDuplicate = errors.New("duplicate")
	// ErrLocked is returned when an original is under retention or legal hold.
	ErrLocked = errors.New("object locked")
	// ErrDigestMismatch is returned when stored bytes do not hash to their address.
	ErrDigestMismatch = errors.New("sha-256 mismatch")
)

// RetentionMode says how strictly an original is protected from deletion.
type RetentionMode string

// Retention modes, with S3 object-lock meanings.
const (
	// Governance lets a privileged operator lift the lock.
	Governance RetentionMode = "GOVERNANCE"
	// Compliance lets nobody lift the lock until it expires.
	Compliance RetentionMode = "COMPLIANCE"
)

// Retention is the lock applied to every original when it is stored.
type Retention struct {
	// Mode is GOVERNANCE or COMPLIANCE. Defaults to GOVERNANCE.
	Mode RetentionMode
	// Period is how long an original stays locked. Defaults to DefaultRetentionPeriod.
	Period time.Duration
}

// DefaultRetentionPeriod covers the objection and court periods after an
// election with a wide margin.
const DefaultRetentionPeriod = 5 * 365 * 24 * time.Hour

// Validate reports a bad retention setting.
func (r Retention) Validate() error {
	if r.Mode != Governance && r.Mode != Compliance {
		return fmt.Errorf("retention mode %q: want GOVERNANCE or COMPLIANCE", r.Mode)
	}
	if r.Period <= 0 {
		return fmt.Errorf("retention period %s: must be positive", r.Period)
	}
	return nil
}

func (r Retention) withDefaults() Retention {
	if r.Mode == "" {
		r.Mode = Governance
	}
	if r.Period == 0 {
		r.Period = DefaultRetentionPeriod
	}
	return r
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	// Key is the object's name in the store ("ab/abcdef…" for originals).
	Key  string
	Size int64
	// SHA256 is the hex SHA-256 of the bytes; set for originals.
	SHA256      string
	ContentType string
	// RetainUntil is when the retention lock ends; zero when unlocked.
	RetainUntil time.Time
	LegalHold   bool
}

// ObjectStore keeps originals byte-exact under their SHA-256 and derived
// images apart from them. Both implementations satisfy the same conformance
// tests (storage/objects_test.go).
type ObjectStore interface {
	// PutOriginal stores size bytes from r under sum (hex SHA-256), hashing
	// while streaming and refusing the upload with ErrDigestMismatch when
	// the bytes do not match. The original is locked with the store's
	// retention. existed is true when the original was already stored, in
	// which case nothing is written.
	PutOriginal(ctx context.Context, sum string, size int64, contentType string, r io.Reader) (info ObjectInfo, existed bool, err error)
	// OpenOriginal returns the original's bytes; ErrNotFound when absent.
	OpenOriginal(ctx context.Context, sum string) (io.ReadCloser, ObjectInfo, error)
	// StatOriginal describes the original; ErrNotFound when absent.
	StatOriginal(ctx context.Context, sum string) (ObjectInfo, error)
	// RemoveOriginal deletes an original; ErrLocked while it is under
	// retention or legal hold, which is always for a fresh one.
	RemoveOriginal(ctx context.Context, sum string) error
	// SetLegalHold sets or clears the legal hold on an original.
	SetLegalHold(ctx context.Context, sum string, on bool) error
	// PutDerived stores a derived image (rectified page, crop, thumbnail),
	// replacing any previous one with the same key.
	PutDerived(ctx context.Context, key, contentType string, data []byte) error
	// OpenDerived returns a derived image; ErrNotFound when absent.
	OpenDerived(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Check reports whether the store is reachable and usable.
	Check(ctx context.Context) error
}

var (
	sumPattern        = regexp.MustCompile(`^[0-9a-f]{64}$`)
	derivedKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)
)

func checkSum(sum string) error {
	if !sumPattern.MatchString(sum) {
		return fmt.Errorf("bad sha-256 %q: %w", sum, ErrNotFound)
	}
	return nil
}

func checkDerivedKey(key string) error {
	if !derivedKeyPattern.MatchString(key) || len(key) > 512 {
		return fmt.Errorf("bad derived key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("bad derived key %q", key)
		}
	}
	return nil
}

// originalKey spreads originals over 256 prefixes.
func originalKey(sum string) string { return sum[:2] + "/" + sum }

// hashingReader counts and hashes what passes through it.
type hashingReader struct {
	r    io.Reader
	h    hash.Hash
	size int64
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r, h: sha256.New()}
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	if n > 0 {
		hr.h.Write(p[:n])
		hr.size += int64(n)
	}
	return n, err
}

func (hr *hashingReader) sum() string { return hex.EncodeToString(hr.h.Sum(nil)) }
