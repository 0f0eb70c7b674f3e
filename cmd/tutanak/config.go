package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
	"github.com/tutanak/tutanak/web"
)

// Defaults of the service configuration.
const (
	defaultDataDir         = "./data"
	defaultListen          = ":8080"
	defaultRetentionDays   = 5 * 365
	defaultShutdownTimeout = 30 * time.Second
)

// backendConfig says where records and objects live; every service
// subcommand takes it.
type backendConfig struct {
	// DataDir holds the SQLite database (tutanak.db), the local object store
	// (objects/) and upload spooling (tmp/). Defaults to ./data.
	DataDir string
	// DBURL selects PostgreSQL (postgres://…); empty means SQLite in
	// DataDir. Defaults to $TUTANAK_DB.
	DBURL string
	// S3URL selects an S3 store: http(s)://[KEY:SECRET@]host:port/bucket
	// [?region=…]; empty means the local store. Defaults to $TUTANAK_S3.
	S3URL string
	// S3AccessKey and S3SecretKey authenticate to S3 when the URL has no
	// keys. Default to $TUTANAK_S3_ACCESS_KEY and $TUTANAK_S3_SECRET_KEY.
	S3AccessKey string
	S3SecretKey string
	// RetentionMode locks originals: GOVERNANCE or COMPLIANCE. Defaults to GOVERNANCE.
	RetentionMode string
	// RetentionDays is how long originals stay locked. Defaults to 1825 (5 years).
	RetentionDays int
	// ObjectionWindow is how long after a box's count objections stay
	// open. Defaults to review.DefaultObjectionWindow (48h).
	ObjectionWindow time.Duration
	// BoardDeadlines is a CSV file (il,ilce,deadline in RFC 3339) of times
	// district boards set themselves, overriding ObjectionWindow; empty
	// for none.
	BoardDeadlines string
}

func (c *backendConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", defaultDataDir, "directory of the SQLite database and the local object store")
	secretVar(fs, &c.DBURL, "db", "TUTANAK_DB", "PostgreSQL `URL` (postgres://…); empty for SQLite in --data (env TUTANAK_DB)")
	secretVar(fs, &c.S3URL, "s3", "TUTANAK_S3", "S3 store `URL` http(s)://[KEY:SECRET@]host:port/bucket; empty for the local store (env TUTANAK_S3)")
	fs.StringVar(&c.S3AccessKey, "s3-access-key", os.Getenv("TUTANAK_S3_ACCESS_KEY"), "S3 access key (env TUTANAK_S3_ACCESS_KEY)")
	secretVar(fs, &c.S3SecretKey, "s3-secret-key", "TUTANAK_S3_SECRET_KEY", "S3 secret `key` (env TUTANAK_S3_SECRET_KEY)")
	fs.StringVar(&c.RetentionMode, "retention-mode", string(storage.Governance), "retention of originals: GOVERNANCE or COMPLIANCE")
	fs.IntVar(&c.RetentionDays, "retention-days", defaultRetentionDays, "days originals stay locked")
	fs.DurationVar(&c.ObjectionWindow, "objection-window", review.DefaultObjectionWindow, "how long after a box's count objections stay open")
	fs.StringVar(&c.BoardDeadlines, "board-deadlines", "", "CSV of il,ilce,deadline (RFC 3339) set by district boards; overrides --objection-window")
}

// secretValue is a string flag that never shows its value: the usage a
// mistyped flag prints, or --help, goes to the service's log, and a default
// taken from the environment may hold a password or a key.
type secretValue struct{ p *string }

func (v secretValue) String() string     { return "" }
func (v secretValue) Set(s string) error { *v.p = s; return nil }

// secretVar defines a secret string flag whose default is $envVar.
func secretVar(fs *flag.FlagSet, p *string, name, envVar, usage string) {
	*p = os.Getenv(envVar)
	fs.Var(secretValue{p}, name, usage)
}

// deadlines reads the objection deadline policy.
func (c backendConfig) deadlines() (review.DeadlinePolicy, error) {
	p := review.DeadlinePolicy{AfterCount: c.ObjectionWindow, Boards: map[review.Box]time.Time{}}
	if c.BoardDeadlines == "" {
		return p, nil
	}
	f, err := os.Open(c.BoardDeadlines)
	if err != nil {
		return p, fmt.Errorf("--board-deadlines: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return p, fmt.Errorf("--board-deadlines: %w", err)
	}
	seen := map[review.Box]int{} // board -> line
	for i, rec := range recs {
		if i == 0 && len(rec) > 0 && rec[0] == "il" {
			continue // the header
		}
		if len(rec) != 3 {
			return p, fmt.Errorf("--board-deadlines line %d: want il,ilce,deadline", i+1)
		}
		t, err := time.Parse(time.RFC3339, rec[2])
		if err != nil {
			return p, fmt.Errorf("--board-deadlines line %d: %w", i+1, err)
		}
		// A misspelt district would load and never apply: its boxes would
		// quietly get the default window instead of the board's time.
		il := ocr.CanonicalProvince(review.NormalizePlace(rec[0]))
		ilce := ocr.CanonicalDistrict(il, review.NormalizePlace(rec[1]))
		if !ocr.IsDistrict(il, ilce) {
			return p, fmt.Errorf("--board-deadlines line %d: %q is not a district of %q", i+1, rec[1], rec[0])
		}
		board := review.Box{Il: il, Ilce: ilce}
		if line, twice := seen[board]; twice {
			return p, fmt.Errorf("--board-deadlines line %d: %s / %s is on line %d too", i+1, il, ilce, line)
		}
		seen[board] = i + 1
		p.Boards[board] = t
	}
	return p, nil
}

func (c backendConfig) retention() storage.Retention {
	return storage.Retention{Mode: storage.RetentionMode(strings.ToUpper(c.RetentionMode)), Period: time.Duration(c.RetentionDays) * 24 * time.Hour}
}

// s3Config turns the S3 URL and keys into the store's configuration.
func (c backendConfig) s3Config() (storage.S3Config, error) {
	u, err := url.Parse(c.S3URL)
	if err != nil {
		// url.Parse's error quotes the whole URL, keys and all: say what is
		// wrong without it. A key with "/", "%" or "@" must be escaped.
		return storage.S3Config{}, errors.New("--s3: not a URL http(s)://[KEY:SECRET@]host:port/bucket " +
			"(percent-encode a key's /, % and @, or give the keys with --s3-access-key and --s3-secret-key)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return storage.S3Config{}, fmt.Errorf("--s3 %q: scheme must be http or https", u.Redacted())
	}
	cfg := storage.S3Config{
		Endpoint:  u.Host,
		Secure:    u.Scheme == "https",
		Region:    u.Query().Get("region"),
		Bucket:    strings.Trim(u.Path, "/"),
		AccessKey: c.S3AccessKey,
		SecretKey: c.S3SecretKey,
		Retention: c.retention(),
	}
	if u.User != nil {
		cfg.AccessKey = u.User.Username()
		cfg.SecretKey, _ = u.User.Password()
	}
	return cfg, nil
}

// Validate reports every problem at once.
func (c backendConfig) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data is required"))
	}
	if c.DBURL != "" && !strings.HasPrefix(c.DBURL, "postgres://") && !strings.HasPrefix(c.DBURL, "postgresql://") {
		errs = append(errs, errors.New("--db must be a postgres:// URL"))
	}
	if c.ObjectionWindow <= 0 {
		errs = append(errs, errors.New("--objection-window must be positive"))
	}
	if err := c.retention().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--retention-mode/--retention-days: %w", err))
	}
	if c.S3URL != "" {
		s3, err := c.s3Config()
		if err == nil {
			err = s3.Validate()
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c backendConfig) dbPath() string     { return filepath.Join(c.DataDir, "tutanak.db") }
func (c backendConfig) objectsDir() string { return filepath.Join(c.DataDir, "objects") }
func (c backendConfig) tmpDir() string     { return filepath.Join(c.DataDir, "tmp") }

// signingKeyPath is --signing-key, or signing.key in the data directory.
func (c serveConfig) signingKeyPath() string {
	if c.SigningKey != "" {
		return c.SigningKey
	}
	return filepath.Join(c.backend.DataDir, "signing.key")
}

// serveConfig is `tutanak serve` and `tutanak worker`.
type serveConfig struct {
	backend backendConfig
	// Listen is the HTTP address. Defaults to :8080.
	Listen string
	// Workers is how many sheets are read at once. Defaults to storage.DefaultWorkers.
	Workers int
	// RescueAfter is when the job of a worker that died mid-sheet is run
	// again by another. Defaults to storage.DefaultRescueAfter; at least
	// storage.DefaultJobTimeout, or a slow sheet would be read twice.
	RescueAfter time.Duration
	// ShutdownTimeout bounds a graceful shutdown. Defaults to 30s.
	ShutdownTimeout time.Duration
	// SigningKey is the file of the ed25519 key evidence bundles are signed
	// with (serve only), created when missing. Defaults to signing.key in
	// the data directory.
	SigningKey string
	// web is the HTTP API's. Its photo limits, web.MaxImageBytes
	// (--max-image-bytes, defaults to web.DefaultMaxImageBytes: 25 MiB) and
	// web.MaxPixels (--max-pixels, defaults to web.DefaultMaxPixels: 50
	// megapixels), are the OCR reader's too (see sheetReader), for serve
	// and worker alike: the upload refuses what the reader would.
	web web.Config
}

func (c *serveConfig) register(fs *flag.FlagSet, withHTTP bool) {
	c.backend.register(fs)
	fs.IntVar(&c.Workers, "workers", storage.DefaultWorkers, "OCR jobs run at once")
	fs.DurationVar(&c.RescueAfter, "rescue-after", storage.DefaultRescueAfter, "rerun the job of a worker that died mid-sheet after this long")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "how long a graceful shutdown may take")
	fs.Int64Var(&c.web.MaxImageBytes, "max-image-bytes", web.DefaultMaxImageBytes,
		"largest photo, in bytes, the upload accepts and the OCR workers read (give serve and worker the same)")
	fs.Int64Var(&c.web.MaxPixels, "max-pixels", web.DefaultMaxPixels,
		"most pixels (width×height) the upload accepts, checked before decoding, and the OCR workers read (give serve and worker the same)")
	if !withHTTP {
		return
	}
	fs.StringVar(&c.Listen, "listen", defaultListen, "HTTP listen address")
	fs.StringVar(&c.SigningKey, "signing-key", "", "ed25519 key file evidence bundles are signed with, created if missing (default signing.key in --data; give every API node the same)")
	fs.DurationVar(&c.web.ReadHeaderTimeout, "read-header-timeout", web.DefaultReadHeaderTimeout, "time a client has to send request headers")
	fs.DurationVar(&c.web.IdleReadTimeout, "upload-idle-timeout", web.DefaultIdleReadTimeout, "an upload is cut off after this long without a byte")
	fs.DurationVar(&c.web.SessionTTL, "session-ttl", web.DefaultSessionTTL, "how long a browser login lasts")
	fs.Func("trusted-proxy", "address or network (CIDR) of a reverse proxy whose X-Forwarded-For names the client, "+
		"comma-separated or repeated (default none: the connection's peer is the client)", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			p, err := netip.ParsePrefix(f)
			if a, aerr := netip.ParseAddr(f); err != nil && aerr == nil {
				p, err = netip.PrefixFrom(a, a.BitLen()), nil
			}
			if err != nil {
				return fmt.Errorf("want an address or a network like 10.0.0.0/8: %w", err)
			}
			c.web.TrustedProxies = append(c.web.TrustedProxies, p)
		}
		return nil
	})
}

// Validate reports every problem at once.
func (c serveConfig) Validate() error {
	errs := []error{c.backend.Validate(), c.web.Validate()}
	if c.Workers < 1 {
		errs = append(errs, errors.New("--workers must be at least 1"))
	}
	if c.RescueAfter < storage.DefaultJobTimeout {
		errs = append(errs, fmt.Errorf("--rescue-after must be at least the job timeout (%s)", storage.DefaultJobTimeout))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be positive"))
	}
	// Zero is "the default" to web.Config and ocr.Config, never "no limit".
	if c.web.MaxImageBytes <= 0 {
		errs = append(errs, errors.New("--max-image-bytes must be positive"))
	}
	if c.web.MaxPixels <= 0 || c.web.MaxPixels > math.MaxInt {
		errs = append(errs, errors.New("--max-pixels must be positive"))
	}
	return errors.Join(errs...)
}

// sheetReader is the reader the OCR workers share: the trained digit model,
// one Tesseract handle per worker so that workers never wait for each
// other, and the upload's photo limits, so that the reader never refuses a
// photo the upload took.
func (c serveConfig) sheetReader() readerFlags {
	return readerFlags{digits: "cnn", handles: max(1, c.Workers), maxBytes: c.web.MaxImageBytes, maxPixels: int(c.web.MaxPixels)}
}
