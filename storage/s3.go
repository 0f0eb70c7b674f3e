package storage

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultPartSize is the multipart part size for uploads to S3. It is set
// explicitly because minio-go allocates about 0.5 GiB per upload when the
// size is unknown and no part size is given; originals smaller than this
// go up in one PUT, whose SHA-256 checksum is the file's own.
const DefaultPartSize = 64 << 20

// S3Config says where the S3 store is and how it locks originals.
type S3Config struct {
	// Endpoint is host:port of the S3 service. Required.
	Endpoint string
	// Secure selects HTTPS. Defaults to false (plain HTTP).
	Secure bool
	// Region is the S3 region. Defaults to empty (the server's default).
	Region string
	// AccessKey and SecretKey authenticate. Required.
	AccessKey string
	SecretKey string
	// Bucket holds the originals; it is created with object lock when missing
	// and must have object lock enabled when it exists. Required.
	Bucket string
	// DerivedBucket holds derived images. Defaults to Bucket + "-derived".
	DerivedBucket string
	// Retention is the lock on every original. Defaults to GOVERNANCE for
	// DefaultRetentionPeriod.
	Retention Retention
	// PartSize is the multipart part size. Defaults to DefaultPartSize.
	PartSize uint64
}

// Validate reports every problem with the configuration at once.
func (c S3Config) Validate() error {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("s3 endpoint is required"))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("s3 bucket is required"))
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		errs = append(errs, errors.New("s3 access key and secret key are required"))
	}
	if c.PartSize != 0 && c.PartSize < 5<<20 {
		errs = append(errs, fmt.Errorf("s3 part size %d: at least 5 MiB", c.PartSize))
	}
	if err := c.Retention.withDefaults().Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// S3Store keeps originals in an object-locked S3 bucket and derived images
// in a second bucket. It uses S3 semantics only, so any S3 service with
// object lock works. Errors that say S3 could not be reached carry
// ErrUnavailable.
type S3Store struct {
	client  *minio.Client
	cfg     S3Config
	now     func() time.Time
	derived string
}

// NewS3Store connects to S3 and makes sure both buckets exist, the
// originals' bucket with object lock.
func NewS3Store(ctx context.Context, cfg S3Config) (*S3Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Retention = cfg.Retention.withDefaults()
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.DerivedBucket == "" {
		cfg.DerivedBucket = cfg.Bucket + "-derived"
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
		// Needed for SHA-256 checksums sent as trailers while streaming.
		TrailingHeaders: true,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	s := &S3Store{client: client, cfg: cfg, now: time.Now, derived: cfg.DerivedBucket}
	if err := s.ensureBucket(ctx, cfg.Bucket, true); err != nil {
		return nil, markUnavailable(err)
	}
	if err := s.ensureBucket(ctx, cfg.DerivedBucket, false); err != nil {
		return nil, markUnavailable(err)
	}
	return s, nil
}

func (s *S3Store) ensureBucket(ctx context.Context, bucket string, locked bool) error {
	ok, err := s.client.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	if !ok {
		err := s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: s.cfg.Region, ObjectLocking: locked})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
	}
	if locked {
		state, _, _, _, err := s.client.GetObjectLockConfig(ctx, bucket)
		if err != nil || state != "Enabled" {
			return fmt.Errorf("bucket %s has no object lock (state %q): %v", bucket, state, err)
		}
	}
	return nil
}

func isCode(err error, code string) bool {
	return minio.ToErrorResponse(err).Code == code
}

func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey" || r.Code == "NoSuchVersion"
}

// PutOriginal implements ObjectStore. The object goes up in one stream with
// a SHA-256 trailer that the server checks; the hash computed here while
// streaming must match sum before the retention lock is applied, so a bad
// upload can still be removed.
func (s *S3Store) PutOriginal(ctx context.Context, sum string, size int64, contentType string, r io.Reader) (_ ObjectInfo, _ bool, err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkSum(sum); err != nil {
		return ObjectInfo{}, false, err
	}
	for attempt := 0; ; attempt++ {
		oi, err := s.lockedVersion(ctx, sum)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if attempt == 3 {
			return ObjectInfo{}, false, fmt.Errorf("original %s: foreign objects keep appearing under its key: %w", sum, ErrDigestMismatch)
		}
		if err != nil {
			return ObjectInfo{}, false, err
		}
		info := s.info(sum, oi)
		if !info.RetainUntil.IsZero() {
			return info, true, nil
		}
		// Unlocked: a crash between upload and lock, or bytes someone with
		// write access put there first. Lock it only if it is this original.
		got, err := s.versionSum(ctx, originalKey(sum), oi.VersionID)
		if err != nil {
			return ObjectInfo{}, false, err
		}
		if got == sum {
			if err := s.lock(ctx, sum, oi.VersionID); err != nil {
				return ObjectInfo{}, false, err
			}
			info, err = s.StatOriginal(ctx, sum)
			return info, true, err
		}
		if err := s.client.RemoveObject(ctx, s.cfg.Bucket, originalKey(sum), minio.RemoveObjectOptions{VersionID: oi.VersionID}); err != nil {
			return ObjectInfo{}, false, fmt.Errorf("remove foreign object under original %s: %w", sum, err)
		}
	}
	key := originalKey(sum)
	hr := newHashingReader(r)
	up, err := s.client.PutObject(ctx, s.cfg.Bucket, key, hr, size, minio.PutObjectOptions{
		ContentType: contentType,
		Checksum:    minio.ChecksumSHA256,
		PartSize:    s.cfg.PartSize,
	})
	if err != nil {
		return ObjectInfo{}, false, fmt.Errorf("put original: %w", err)
	}
	want, _ := hex.DecodeString(sum)
	serverSum := up.ChecksumSHA256
	mismatch := hr.sum() != sum || hr.size != size
	// A multipart checksum ("…-N") is a hash of part hashes, not the file's.
	if serverSum != "" && !strings.Contains(serverSum, "-") && serverSum != base64.StdEncoding.EncodeToString(want) {
		mismatch = true
	}
	if mismatch {
		if err := s.client.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{VersionID: up.VersionID}); err != nil {
			return ObjectInfo{}, false, fmt.Errorf("remove mismatched original: %w", err)
		}
		return ObjectInfo{}, false, fmt.Errorf("original %s (got %s, %d bytes): %w", sum, hr.sum(), hr.size, ErrDigestMismatch)
	}
	if err := s.lock(ctx, sum, up.VersionID); err != nil {
		return ObjectInfo{}, false, err
	}
	info, err := s.StatOriginal(ctx, sum)
	return info, false, err
}

// versionSum hashes one stored version of an object under originals/.
func (s *S3Store) versionSum(ctx context.Context, key, versionID string) (string, error) {
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{VersionID: versionID})
	if err != nil {
		return "", fmt.Errorf("read stored original: %w", err)
	}
	defer obj.Close()
	hr := newHashingReader(obj)
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return "", fmt.Errorf("hash stored original: %w", err)
	}
	return hr.sum(), nil
}

func (s *S3Store) lock(ctx context.Context, sum, versionID string) error {
	mode := minio.RetentionMode(s.cfg.Retention.Mode)
	until := s.now().Add(s.cfg.Retention.Period).UTC()
	err := s.client.PutObjectRetention(ctx, s.cfg.Bucket, originalKey(sum), minio.PutObjectRetentionOptions{
		Mode: &mode, RetainUntilDate: &until, VersionID: versionID,
	})
	if err != nil {
		// A concurrent upload of the same bytes may have locked this
		// version first; S3 then refuses to set the lock again.
		m, until, gerr := s.client.GetObjectRetention(ctx, s.cfg.Bucket, originalKey(sum), versionID)
		if gerr == nil && m != nil && until != nil && until.After(s.now()) {
			return nil
		}
		return fmt.Errorf("lock original: %w", err)
	}
	return nil
}

// StatOriginal implements ObjectStore.
func (s *S3Store) StatOriginal(ctx context.Context, sum string) (_ ObjectInfo, err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkSum(sum); err != nil {
		return ObjectInfo{}, err
	}
	oi, err := s.lockedVersion(ctx, sum)
	if err != nil {
		return ObjectInfo{}, err
	}
	return s.info(sum, oi), nil
}

// lockedVersion describes the first version stored under an original's
// key: the one PutOriginal wrote and locked. Object lock keeps that
// version, but anyone allowed to write may still put a newer version on
// the key or a delete marker over it; reading the first version means
// neither can replace or hide the original.
func (s *S3Store) lockedVersion(ctx context.Context, sum string) (minio.ObjectInfo, error) {
	key := originalKey(sum)
	var first minio.ObjectInfo
	found := false
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine on an early return
	// Versions of a key are listed newest first.
	for v := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if v.Err != nil {
			if isNotFound(v.Err) {
				break
			}
			return minio.ObjectInfo{}, fmt.Errorf("list versions of original: %w", v.Err)
		}
		if v.Key != key || v.IsDeleteMarker {
			continue
		}
		if !found || !v.LastModified.After(first.LastModified) {
			first, found = v, true
		}
	}
	if !found {
		return minio.ObjectInfo{}, fmt.Errorf("original %s: %w", sum, ErrNotFound)
	}
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{VersionID: first.VersionID})
	if isNotFound(err) {
		return minio.ObjectInfo{}, fmt.Errorf("original %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return minio.ObjectInfo{}, fmt.Errorf("stat original: %w", err)
	}
	return oi, nil
}

func (s *S3Store) info(sum string, oi minio.ObjectInfo) ObjectInfo {
	info := ObjectInfo{Key: oi.Key, Size: oi.Size, SHA256: sum, ContentType: oi.ContentType}
	// The object-lock state comes back as standard S3 response headers.
	if t, err := time.Parse(time.RFC3339, oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date")); err == nil {
		info.RetainUntil = t
	}
	info.LegalHold = oi.Metadata.Get("X-Amz-Object-Lock-Legal-Hold") == "ON"
	return info
}

// OpenOriginal implements ObjectStore.
func (s *S3Store) OpenOriginal(ctx context.Context, sum string) (_ io.ReadCloser, _ ObjectInfo, err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkSum(sum); err != nil {
		return nil, ObjectInfo{}, err
	}
	oi, err := s.lockedVersion(ctx, sum)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, originalKey(sum), minio.GetObjectOptions{VersionID: oi.VersionID})
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get original: %w", err)
	}
	return &s3Body{obj: obj, sum: sum}, s.info(sum, oi), nil
}

// s3Body is an original's body. GetObject sends no request: S3 answers, or
// fails, on the first Read, after OpenOriginal has returned. Read's errors
// are told apart as OpenOriginal's are: an original gone meanwhile is
// ErrNotFound, an S3 that cannot be reached or is overloaded ErrUnavailable.
type s3Body struct {
	obj *minio.Object
	sum string
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.obj.Read(p)
	switch {
	case err == nil, err == io.EOF:
		return n, err
	case isNotFound(err):
		return n, fmt.Errorf("read original %s (%v): %w", b.sum, err, ErrNotFound)
	}
	return n, markUnavailable(fmt.Errorf("read original: %w", err))
}

func (b *s3Body) Close() error { return b.obj.Close() }

// RemoveOriginal implements ObjectStore. It deletes the stored version
// itself (a plain delete would only add a delete marker) and lets S3's
// object lock refuse it.
func (s *S3Store) RemoveOriginal(ctx context.Context, sum string) (err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkSum(sum); err != nil {
		return err
	}
	oi, err := s.lockedVersion(ctx, sum)
	if err != nil {
		return err
	}
	err = s.client.RemoveObject(ctx, s.cfg.Bucket, originalKey(sum), minio.RemoveObjectOptions{VersionID: oi.VersionID})
	if err != nil {
		// S3 services differ in the code they answer a WORM refusal with;
		// the object's own lock state says why it was refused.
		if info := s.info(sum, oi); info.LegalHold || s.now().Before(info.RetainUntil) {
			return fmt.Errorf("remove original %s: %w (%v)", sum, ErrLocked, err)
		}
		return fmt.Errorf("remove original: %w", err)
	}
	return nil
}

// SetLegalHold implements ObjectStore.
func (s *S3Store) SetLegalHold(ctx context.Context, sum string, on bool) (err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkSum(sum); err != nil {
		return err
	}
	oi, err := s.lockedVersion(ctx, sum)
	if err != nil {
		return err
	}
	status := minio.LegalHoldDisabled
	if on {
		status = minio.LegalHoldEnabled
	}
	err = s.client.PutObjectLegalHold(ctx, s.cfg.Bucket, originalKey(sum), minio.PutObjectLegalHoldOptions{Status: &status, VersionID: oi.VersionID})
	if err != nil {
		return fmt.Errorf("set legal hold: %w", err)
	}
	return nil
}

// PutDerived implements ObjectStore.
func (s *S3Store) PutDerived(ctx context.Context, key, contentType string, data []byte) (err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkDerivedKey(key); err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, s.derived, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    s.cfg.PartSize,
	})
	if err != nil {
		return fmt.Errorf("put derived: %w", err)
	}
	return nil
}

// OpenDerived implements ObjectStore.
func (s *S3Store) OpenDerived(ctx context.Context, key string) (_ io.ReadCloser, _ ObjectInfo, err error) {
	defer func() { err = markUnavailable(err) }()
	if err := checkDerivedKey(key); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("%w: %w", err, ErrNotFound)
	}
	oi, err := s.client.StatObject(ctx, s.derived, key, minio.StatObjectOptions{})
	if isNotFound(err) {
		return nil, ObjectInfo{}, fmt.Errorf("derived %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("stat derived: %w", err)
	}
	obj, err := s.client.GetObject(ctx, s.derived, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get derived: %w", err)
	}
	return obj, ObjectInfo{Key: key, Size: oi.Size, ContentType: oi.ContentType}, nil
}

// Check implements ObjectStore: the originals' bucket must answer.
func (s *S3Store) Check(ctx context.Context) (err error) {
	defer func() { err = markUnavailable(err) }()
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("s3 not reachable: %w", err)
	}
	if !ok {
		// A store without its bucket holds no original: that is the store
		// failing, not every sheet's original lost.
		return Unavailable(fmt.Errorf("s3 bucket %q does not exist", s.cfg.Bucket))
	}
	return nil
}

// Client returns the underlying S3 client, for tests that go around the
// store to prove the bucket itself refuses changes.
func (s *S3Store) Client() *minio.Client { return s.client }
