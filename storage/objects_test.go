package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/storage/storagetest"
)

// objectStores returns each implementation under the same conformance tests.
func objectStores(t *testing.T) map[string]func(t *testing.T) storage.ObjectStore {
	return map[string]func(t *testing.T) storage.ObjectStore{
		"disk": func(t *testing.T) storage.ObjectStore {
			s, err := storage.NewDiskStore(t.TempDir(), storage.Retention{Period: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"s3": func(t *testing.T) storage.ObjectStore {
			s, err := storage.NewS3Store(context.Background(), storagetest.S3(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestObjectStore(t *testing.T) {
	ctx := context.Background()
	for name, open := range objectStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("RoundTripByteExact", func(t *testing.T) {
				s := open(t)
				data := bytes.Repeat([]byte{0xff, 0xd8, 0x00, 0x7f}, 300_000)
				sum := digest(data)
				info, existed, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/jpeg", bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if existed || info.SHA256 != sum || info.Size != int64(len(data)) {
					t.Fatalf("put: existed=%v info=%+v", existed, info)
				}
				if info.RetainUntil.Before(time.Now().Add(50 * time.Minute)) {
					t.Errorf("retain until %v, want about an hour ahead", info.RetainUntil)
				}
				rc, got, err := s.OpenOriginal(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				if b := readAll(t, rc); !bytes.Equal(b, data) {
					t.Fatalf("read %d bytes, differ from the %d stored", len(b), len(data))
				}
				if got.ContentType != "image/jpeg" {
					t.Errorf("content type %q", got.ContentType)
				}
			})
			t.Run("SameBytesTwice", func(t *testing.T) {
				s := open(t)
				data := []byte("same bytes")
				sum := digest(data)
				if _, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				_, existed, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data))
				if err != nil || !existed {
					t.Fatalf("second put: existed=%v err=%v", existed, err)
				}
			})
			t.Run("ConcurrentSameBytes", func(t *testing.T) {
				s := open(t)
				data := bytes.Repeat([]byte("race"), 50_000)
				sum := digest(data)
				errs := make(chan error, 4)
				for range 4 {
					go func() {
						_, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data))
						errs <- err
					}()
				}
				for range 4 {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
				rc, info, err := s.OpenOriginal(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				if b := readAll(t, rc); !bytes.Equal(b, data) || info.RetainUntil.IsZero() {
					t.Fatalf("after racing puts: %d bytes, retain until %v", len(b), info.RetainUntil)
				}
			})
			t.Run("DigestMismatchStoresNothing", func(t *testing.T) {
				s := open(t)
				data := []byte("these bytes")
				wrong := digest([]byte("other bytes"))
				_, _, err := s.PutOriginal(ctx, wrong, int64(len(data)), "image/png", bytes.NewReader(data))
				if !errors.Is(err, storage.ErrDigestMismatch) {
					t.Fatalf("err = %v, want ErrDigestMismatch", err)
				}
				if _, err := s.StatOriginal(ctx, wrong); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("stat after mismatch: %v, want ErrNotFound", err)
				}
			})
			t.Run("LockedCannotBeRemovedOrOverwritten", func(t *testing.T) {
				s := open(t)
				data := []byte("evidence")
				sum := digest(data)
				if _, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				if err := s.RemoveOriginal(ctx, sum); !errors.Is(err, storage.ErrLocked) {
					t.Fatalf("remove: %v, want ErrLocked", err)
				}
				other := []byte("forgery")
				_, _, err := s.PutOriginal(ctx, sum, int64(len(other)), "image/png", bytes.NewReader(other))
				if err != nil && !errors.Is(err, storage.ErrDigestMismatch) {
					t.Fatalf("overwrite attempt: %v", err)
				}
				rc, _, err := s.OpenOriginal(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				if b := readAll(t, rc); !bytes.Equal(b, data) {
					t.Fatalf("original changed to %q", b)
				}
			})
			t.Run("LegalHold", func(t *testing.T) {
				s := open(t)
				data := []byte("held")
				sum := digest(data)
				if _, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				if err := s.SetLegalHold(ctx, sum, true); err != nil {
					t.Fatal(err)
				}
				info, err := s.StatOriginal(ctx, sum)
				if err != nil || !info.LegalHold {
					t.Fatalf("stat: %+v %v, want legal hold", info, err)
				}
				if err := s.RemoveOriginal(ctx, sum); !errors.Is(err, storage.ErrLocked) {
					t.Fatalf("remove: %v, want ErrLocked", err)
				}
				if err := s.SetLegalHold(ctx, sum, false); err != nil {
					t.Fatal(err)
				}
				if info, _ := s.StatOriginal(ctx, sum); info.LegalHold {
					t.Fatal("legal hold still set")
				}
			})
			t.Run("Derived", func(t *testing.T) {
				s := open(t)
				if err := s.PutDerived(ctx, "sheet-1/page.png", "image/png", []byte("v1")); err != nil {
					t.Fatal(err)
				}
				if err := s.PutDerived(ctx, "sheet-1/page.png", "image/png", []byte("v2")); err != nil {
					t.Fatal(err)
				}
				rc, _, err := s.OpenDerived(ctx, "sheet-1/page.png")
				if err != nil {
					t.Fatal(err)
				}
				if b := readAll(t, rc); string(b) != "v2" {
					t.Fatalf("derived = %q, want v2", b)
				}
				if _, _, err := s.OpenDerived(ctx, "sheet-1/missing.png"); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("missing derived: %v", err)
				}
				if err := s.PutDerived(ctx, "../escape", "image/png", nil); err == nil {
					t.Fatal("put derived outside its area succeeded")
				}
			})
			t.Run("NotFound", func(t *testing.T) {
				s := open(t)
				if _, _, err := s.OpenOriginal(ctx, digest([]byte("never"))); !errors.Is(err, storage.ErrNotFound) {
					t.Fatalf("err = %v", err)
				}
				if err := s.Check(ctx); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestS3BucketRefusesChanges goes around the store: the bucket itself, not
// just our code, must refuse to delete or replace a locked original.
func TestS3BucketRefusesChanges(t *testing.T) {
	ctx := context.Background()
	cfg := storagetest.S3(t)
	s, err := storage.NewS3Store(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("locked evidence")
	sum := digest(data)
	info, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	oi, err := c.StatObject(ctx, cfg.Bucket, info.Key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, cfg.Bucket, info.Key, minio.RemoveObjectOptions{VersionID: oi.VersionID}); err == nil {
		t.Fatal("deleting the locked version succeeded")
	}
	// A PUT on the same key makes a new version; the locked one stays.
	if _, err := c.PutObject(ctx, cfg.Bucket, info.Key, strings.NewReader("forged"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(ctx, cfg.Bucket, info.Key, minio.GetObjectOptions{VersionID: oi.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, obj); !bytes.Equal(b, data) {
		t.Fatalf("locked version reads %q", b)
	}
}

// TestS3ServesLockedVersion uses the service's own credentials the way an
// insider could: a delete marker and a forged version on the original's
// key. The store must go on serving, and refusing to remove, the locked
// first version.
func TestS3ServesLockedVersion(t *testing.T) {
	ctx := context.Background()
	cfg := storagetest.S3(t)
	s, err := storage.NewS3Store(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("the sheet as photographed")
	sum := digest(data)
	info, _, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	tampers := []struct {
		name string
		do   func() error
	}{
		{"delete marker", func() error {
			return c.RemoveObject(ctx, cfg.Bucket, info.Key, minio.RemoveObjectOptions{})
		}},
		{"forged version", func() error {
			_, err := c.PutObject(ctx, cfg.Bucket, info.Key, strings.NewReader("forged"), 6, minio.PutObjectOptions{ContentType: "image/png"})
			return err
		}},
		{"second delete marker", func() error {
			return c.RemoveObject(ctx, cfg.Bucket, info.Key, minio.RemoveObjectOptions{})
		}},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Logf("refused by the bucket: %v", err)
			}
			rc, got, err := s.OpenOriginal(ctx, sum)
			if err != nil {
				t.Fatalf("open after tampering: %v", err)
			}
			if b := readAll(t, rc); !bytes.Equal(b, data) || got.Size != int64(len(data)) || got.RetainUntil.IsZero() {
				t.Fatalf("serves %q (%+v), want the locked original", b, got)
			}
			if _, existed, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data)); err != nil || !existed {
				t.Fatalf("re-upload: existed %v, %v", existed, err)
			}
			if err := s.RemoveOriginal(ctx, sum); !errors.Is(err, storage.ErrLocked) {
				t.Fatalf("remove: %v, want ErrLocked", err)
			}
		})
	}
}

// TestUnavailable checks that an unreachable store and database are told
// apart from refusals, so the API can answer 503 and the worker wait.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	dead := deadAddr(t)
	tests := []struct {
		name string
		call func() error
		want bool
	}{
		{"s3 stat, nothing listening", func() error {
			s, err := storage.NewS3Store(ctx, storage.S3Config{Endpoint: dead, AccessKey: "a", SecretKey: "b", Bucket: "originals"})
			if err == nil {
				_, err = s.StatOriginal(ctx, digest([]byte("x")))
			}
			return err
		}, true},
		{"postgres, nothing listening", func() error {
			_, err := storage.OpenPostgres(ctx, "postgres://postgres@"+dead+"/test?sslmode=disable&connect_timeout=5", slogDiscard())
			return err
		}, true},
		{"disk store, absent original", func() error {
			s, err := storage.NewDiskStore(t.TempDir(), storage.Retention{Period: time.Hour})
			if err != nil {
				return err
			}
			_, err = s.StatOriginal(ctx, digest([]byte("x")))
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, storage.ErrUnavailable); got != tt.want {
				t.Fatalf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

// TestS3CheckBucketGone: a bucket removed under the service (a mistyped
// bucket, an operator's cleanup) is an outage, not a store that lost
// every original: Check fails, so /readyz says not ready and the worker
// waits instead of recording each sheet's original as missing.
func TestS3CheckBucketGone(t *testing.T) {
	ctx := context.Background()
	cfg := storagetest.S3(t)
	s, err := storage.NewS3Store(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("check with the bucket there: %v", err)
	}
	if err := s.Client().RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("check with the bucket gone: %v, want ErrUnavailable", err)
	}
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestS3RefusesPlantedOriginal: bytes put under an original's key before
// the real upload (by anyone with write access) must not be adopted and
// locked as the original.
func TestS3RefusesPlantedOriginal(t *testing.T) {
	ctx := context.Background()
	cfg := storagetest.S3(t)
	s, err := storage.NewS3Store(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("the sheet as photographed, uploaded second")
	sum := digest(data)
	key := sum[:2] + "/" + sum // where the store keeps originals
	if _, err := s.Client().PutObject(ctx, cfg.Bucket, key, strings.NewReader("planted"), 7, minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	info, existed, err := s.PutOriginal(ctx, sum, int64(len(data)), "image/png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if existed || info.Key != key || info.RetainUntil.IsZero() {
		t.Fatalf("put: existed %v, %+v; want a new locked original at %s", existed, info, key)
	}
	rc, _, err := s.OpenOriginal(ctx, sum)
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, rc); !bytes.Equal(b, data) {
		t.Fatalf("serves %q, want the uploaded original", b)
	}
}
