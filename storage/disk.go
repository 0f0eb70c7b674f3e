package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DiskStore keeps objects in a directory: originals/ and derived/ apart,
// each original read-only with a small lock record beside it. It is the
// embedded default for a single machine; it enforces retention through its
// own API only, since anyone with the disk can delete files.
type DiskStore struct {
	dir       string
	retention Retention
	now       func() time.Time
	mu        sync.Mutex // serialises lock-record updates
}

// diskLock is the lock record kept next to an original as <sum>.lock.
type diskLock struct {
	Mode        RetentionMode `json:"mode"`
	RetainUntil time.Time     `json:"retain_until"`
	LegalHold   bool          `json:"legal_hold"`
	ContentType string        `json:"content_type"`
}

// NewDiskStore returns a store rooted at dir, creating it when needed.
func NewDiskStore(dir string, retention Retention) (*DiskStore, error) {
	retention = retention.withDefaults()
	if err := retention.Validate(); err != nil {
		return nil, err
	}
	for _, sub := range []string{"originals", "derived", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return nil, fmt.Errorf("create object dir: %w", err)
		}
	}
	return &DiskStore{dir: dir, retention: retention, now: time.Now}, nil
}

func (s *DiskStore) originalPath(sum string) string {
	return filepath.Join(s.dir, "originals", filepath.FromSlash(originalKey(sum)))
}

// PutOriginal implements ObjectStore.
func (s *DiskStore) PutOriginal(ctx context.Context, sum string, size int64, contentType string, r io.Reader) (ObjectInfo, bool, error) {
	if err := checkSum(sum); err != nil {
		return ObjectInfo{}, false, err
	}
	if info, err := s.StatOriginal(ctx, sum); err == nil {
		return info, true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return ObjectInfo{}, false, err
	}
	path := s.originalPath(sum)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return ObjectInfo{}, false, fmt.Errorf("create original dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "original-*")
	if err != nil {
		return ObjectInfo{}, false, fmt.Errorf("create temp original: %w", err)
	}
	defer os.Remove(tmp.Name())
	hr := newHashingReader(r)
	_, err = io.Copy(tmp, hr)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ObjectInfo{}, false, fmt.Errorf("write original: %w", err)
	}
	if hr.sum() != sum || hr.size != size {
		return ObjectInfo{}, false, fmt.Errorf("original %s (%d bytes, got %s, %d bytes): %w", sum, size, hr.sum(), hr.size, ErrDigestMismatch)
	}
	if err := os.Chmod(tmp.Name(), 0o440); err != nil {
		return ObjectInfo{}, false, fmt.Errorf("protect original: %w", err)
	}
	// Commit under the lock: two uploads of the same bytes may race here,
	// and the first one's original and lock record must stay as they are.
	s.mu.Lock()
	defer s.mu.Unlock()
	if info, err := s.StatOriginal(ctx, sum); err == nil {
		return info, true, nil
	}
	lock := diskLock{Mode: s.retention.Mode, RetainUntil: s.now().Add(s.retention.Period).UTC(), ContentType: contentType}
	if err := s.writeLock(sum, lock); err != nil {
		return ObjectInfo{}, false, err
	}
	// Link, not rename: link never replaces a stored original.
	if err := os.Link(tmp.Name(), path); err != nil {
		return ObjectInfo{}, false, fmt.Errorf("commit original: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return ObjectInfo{}, false, err
	}
	info, err := s.StatOriginal(ctx, sum)
	return info, false, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}

func (s *DiskStore) readLock(sum string) (diskLock, error) {
	data, err := os.ReadFile(s.originalPath(sum) + ".lock")
	if errors.Is(err, fs.ErrNotExist) {
		return diskLock{}, nil
	}
	if err != nil {
		return diskLock{}, fmt.Errorf("read lock record: %w", err)
	}
	var l diskLock
	if err := json.Unmarshal(data, &l); err != nil {
		return diskLock{}, fmt.Errorf("decode lock record: %w", err)
	}
	return l, nil
}

func (s *DiskStore) writeLock(sum string, l diskLock) error {
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode lock record: %w", err)
	}
	path := s.originalPath(sum) + ".lock"
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "lock-*")
	if err != nil {
		return fmt.Errorf("write lock record: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write lock record: %w", err)
	}
	return nil
}

// StatOriginal implements ObjectStore.
func (s *DiskStore) StatOriginal(ctx context.Context, sum string) (ObjectInfo, error) {
	if err := checkSum(sum); err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(s.originalPath(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return ObjectInfo{}, fmt.Errorf("original %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat original: %w", err)
	}
	l, err := s.readLock(sum)
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Key: originalKey(sum), Size: fi.Size(), SHA256: sum, ContentType: l.ContentType, RetainUntil: l.RetainUntil, LegalHold: l.LegalHold}, nil
}

// OpenOriginal implements ObjectStore.
func (s *DiskStore) OpenOriginal(ctx context.Context, sum string) (io.ReadCloser, ObjectInfo, error) {
	info, err := s.StatOriginal(ctx, sum)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	f, err := os.Open(s.originalPath(sum))
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("open original: %w", err)
	}
	return f, info, nil
}

// RemoveOriginal implements ObjectStore.
func (s *DiskStore) RemoveOriginal(ctx context.Context, sum string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, err := s.StatOriginal(ctx, sum)
	if err != nil {
		return err
	}
	if info.LegalHold || s.now().Before(info.RetainUntil) {
		return fmt.Errorf("remove original %s: %w", sum, ErrLocked)
	}
	if err := os.Remove(s.originalPath(sum)); err != nil {
		return fmt.Errorf("remove original: %w", err)
	}
	if err := os.Remove(s.originalPath(sum) + ".lock"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove lock record: %w", err)
	}
	return nil
}

// SetLegalHold implements ObjectStore.
func (s *DiskStore) SetLegalHold(ctx context.Context, sum string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.StatOriginal(ctx, sum); err != nil {
		return err
	}
	l, err := s.readLock(sum)
	if err != nil {
		return err
	}
	l.LegalHold = on
	return s.writeLock(sum, l)
}

// PutDerived implements ObjectStore.
func (s *DiskStore) PutDerived(ctx context.Context, key, contentType string, data []byte) error {
	if err := checkDerivedKey(key); err != nil {
		return err
	}
	path := filepath.Join(s.dir, "derived", filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create derived dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "derived-*")
	if err != nil {
		return fmt.Errorf("create temp derived: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write derived: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("commit derived: %w", err)
	}
	return nil
}

// OpenDerived implements ObjectStore.
func (s *DiskStore) OpenDerived(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	if err := checkDerivedKey(key); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("%w: %w", err, ErrNotFound)
	}
	f, err := os.Open(filepath.Join(s.dir, "derived", filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ObjectInfo{}, fmt.Errorf("derived %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("open derived: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("stat derived: %w", err)
	}
	return f, ObjectInfo{Key: key, Size: fi.Size()}, nil
}

// Check implements ObjectStore: the directory must be writable.
func (s *DiskStore) Check(ctx context.Context) error {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "check-*")
	if err != nil {
		return fmt.Errorf("object dir not writable: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}
