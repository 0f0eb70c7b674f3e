package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

func parseBackend(t *testing.T, args ...string) backendConfig {
	t.Helper()
	var cfg backendConfig
	fs := newFlagSet("test", env{stderr: io.Discard})
	cfg.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// writeTemp writes body to a new file and returns its path.
func writeTemp(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBackendConfig(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr []string
		check   func(t *testing.T, c backendConfig)
	}{
		{"defaults", nil, nil, func(t *testing.T, c backendConfig) {
			if c.DataDir != "./data" || c.retention().Mode != storage.Governance || c.retention().Period != 1825*24*time.Hour {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{"s3 with keys in the url", []string{"--s3", "https://AK:SK@s3.example:9000/originals?region=tr-1"}, nil, func(t *testing.T, c backendConfig) {
			s3, err := c.s3Config()
			if err != nil {
				t.Fatal(err)
			}
			want := storage.S3Config{Endpoint: "s3.example:9000", Secure: true, Region: "tr-1", Bucket: "originals", AccessKey: "AK", SecretKey: "SK", Retention: c.retention()}
			if s3 != want {
				t.Errorf("s3 = %+v, want %+v", s3, want)
			}
		}},
		{"s3 keys from flags", []string{"--s3", "http://127.0.0.1:9000/b", "--s3-access-key", "a", "--s3-secret-key", "s"}, nil, func(t *testing.T, c backendConfig) {
			s3, _ := c.s3Config()
			if s3.AccessKey != "a" || s3.SecretKey != "s" || s3.Secure {
				t.Errorf("s3 = %+v", s3)
			}
		}},
		{"every problem at once", []string{"--db", "mysql://x", "--retention-mode", "LOOSE", "--s3", "ftp://h/b"},
			[]string{"--db must be a postgres", "retention mode", "scheme must be http"}, nil},
		{"objection deadlines", []string{"--objection-window", "24h", "--board-deadlines", writeTemp(t, "il,ilce,deadline\nİzmir,Buca,2026-05-16T12:00:00+03:00\n")}, nil,
			func(t *testing.T, c backendConfig) {
				p, err := c.deadlines()
				if err != nil {
					t.Fatal(err)
				}
				counted := time.Date(2026, 5, 14, 21, 0, 0, 0, time.UTC)
				if d := p.Deadline(review.Box{Il: "İZMİR", Ilce: "GAZİEMİR", SandikNo: "1"}, counted); !d.Equal(counted.Add(24 * time.Hour)) {
					t.Errorf("window deadline %v", d)
				}
				// Boxes reach the policy normalised, as the file's names now are.
				if d := p.Deadline(review.Box{Il: "İZMİR", Ilce: "BUCA", SandikNo: "9"}, counted); !d.Equal(time.Date(2026, 5, 16, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("board deadline %v", d)
				}
			}},
		{"bad objection window", []string{"--objection-window", "0s"}, []string{"--objection-window must be positive"}, nil},
		{"s3 without keys or bucket", []string{"--s3", "http://127.0.0.1:9000", "--s3-access-key", "", "--s3-secret-key", ""},
			[]string{"bucket is required", "access key"}, nil},
		{"board deadlines typed without Turkish letters", []string{"--board-deadlines", writeTemp(t, "Izmir,Karsiyaka,2026-05-16T12:00:00+03:00\n")}, nil,
			func(t *testing.T, c backendConfig) {
				p, err := c.deadlines()
				if err != nil {
					t.Fatal(err)
				}
				if d := p.Deadline(review.Box{Il: "İZMİR", Ilce: "KARŞIYAKA", SandikNo: "9"}, time.Time{}); !d.Equal(time.Date(2026, 5, 16, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("board deadline %v", d)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseBackend(t, c.args...)
			err := cfg.Validate()
			if len(c.wantErr) == 0 && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, w := range c.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate = %v, want it to mention %q", err, w)
				}
			}
			if c.check != nil {
				c.check(t, cfg)
			}
		})
	}
}

// TestBoardDeadlinesRefused checks that a board-deadline file that would
// load and never apply stops the service from starting.
func TestBoardDeadlinesRefused(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"a misspelt district", "il,ilce,deadline\nİzmir,Karşıyka,2026-05-16T12:00:00+03:00\n", `"Karşıyka" is not a district of "İzmir"`},
		{"no district", "İzmir,,2026-05-16T12:00:00+03:00\n", "is not a district"},
		{"a district of another province", "İzmir,Çankaya,2026-05-16T12:00:00+03:00\n", "is not a district"},
		{"one board twice", "İzmir,Buca,2026-05-16T12:00:00+03:00\nizmir,BUCA,2026-05-17T12:00:00+03:00\n", "İZMİR / BUCA is on line 1 too"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseBackend(t, "--board-deadlines", writeTemp(t, c.file))
			if _, err := cfg.deadlines(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("deadlines: %v, want %q", err, c.want)
			}
		})
	}
}

func TestServeConfig(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"rescue after an hour", []string{"--rescue-after", "1h"}, ""},
		{"rescue before a job may time out", []string{"--rescue-after", "1m"}, "--rescue-after must be at least"},
		{"no workers", []string{"--workers", "0"}, "--workers must be at least 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg serveConfig
			fs := newFlagSet("test", env{stderr: io.Discard})
			cfg.register(fs, true)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := cfg.Validate()
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("Validate = %v, want %q", err, c.wantErr)
			}
			if c.wantErr == "" && len(c.args) == 0 && cfg.RescueAfter != storage.DefaultRescueAfter {
				t.Errorf("rescue after %s by default, want %s", cfg.RescueAfter, storage.DefaultRescueAfter)
			}
		})
	}
}

// The upload and the OCR reader take photos by one limit: the reader must
// never refuse a photo the upload took, in serve or in a separate worker.
func TestServePhotoLimits(t *testing.T) {
	cases := []struct {
		name       string
		withHTTP   bool // serve; worker without
		args       []string
		wantErr    string
		wantBytes  int64
		wantPixels int64
	}{
		{"serve defaults are the reader's", true, nil, "", ocr.DefaultMaxBytes, ocr.DefaultMaxPixels},
		{"worker defaults are the reader's", false, nil, "", ocr.DefaultMaxBytes, ocr.DefaultMaxPixels},
		{"serve passes its limits to the reader", true, []string{"--max-pixels", "20000000", "--max-image-bytes", "1048576"}, "", 1 << 20, 20_000_000},
		{"worker takes the same flags", false, []string{"--max-pixels", "60000000", "--max-image-bytes", "31457280"}, "", 30 << 20, 60_000_000},
		{"no pixel limit", true, []string{"--max-pixels", "0"}, "--max-pixels must be positive", 0, 0},
		{"negative pixel limit", false, []string{"--max-pixels", "-1"}, "--max-pixels must be positive", 0, 0},
		{"no byte limit", true, []string{"--max-image-bytes", "0"}, "--max-image-bytes must be positive", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg serveConfig
			fs := newFlagSet("test", env{stderr: io.Discard})
			cfg.register(fs, c.withHTTP)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := cfg.Validate()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Validate = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			rf := cfg.sheetReader()
			if cfg.web.MaxImageBytes != c.wantBytes || cfg.web.MaxPixels != c.wantPixels {
				t.Errorf("upload limits %d bytes, %d pixels, want %d, %d", cfg.web.MaxImageBytes, cfg.web.MaxPixels, c.wantBytes, c.wantPixels)
			}
			if rf.maxBytes != c.wantBytes || int64(rf.maxPixels) != c.wantPixels {
				t.Errorf("reader limits %d bytes, %d pixels, want %d, %d", rf.maxBytes, rf.maxPixels, c.wantBytes, c.wantPixels)
			}
		})
	}
}

// A reverse proxy's X-Forwarded-For is believed only from the proxies
// named with --trusted-proxy; by default from none.
func TestServeTrustedProxies(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		want     []string
		parseErr string
		wantErr  string
	}{
		{"none by default", nil, nil, "", ""},
		{"a comma list of networks and addresses", []string{"--trusted-proxy", "10.0.0.0/8, 192.0.2.1"}, []string{"10.0.0.0/8", "192.0.2.1/32"}, "", ""},
		{"repeated", []string{"--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "2001:db8::/32"}, []string{"127.0.0.1/32", "2001:db8::/32"}, "", ""},
		{"a name", []string{"--trusted-proxy", "proxy.example"}, nil, "want an address or a network", ""},
		{"an empty entry", []string{"--trusted-proxy", "10.0.0.1,"}, nil, "want an address or a network", ""},
		{"every address", []string{"--trusted-proxy", "0.0.0.0/0"}, nil, "", "trusts every address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg serveConfig
			fs := newFlagSet("test", env{stderr: io.Discard})
			cfg.register(fs, true)
			err := fs.Parse(c.args)
			if c.parseErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.parseErr) {
					t.Fatalf("Parse = %v, want %q", err, c.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Validate = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var got []string
			for _, p := range cfg.web.TrustedProxies {
				got = append(got, p.String())
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("trusted proxies %v, want %v", got, c.want)
			}
		})
	}
}

// A mistyped flag prints the usage, into the service's log: the database
// password, the S3 secret and API tokens taken from the environment must
// not be in it, nor in --help.
func TestSecretsNotPrinted(t *testing.T) {
	t.Setenv("TUTANAK_DB", "postgres://tutanak:pg-secret-1@db/tutanak")
	t.Setenv("TUTANAK_S3", "http://AKIA:s3-secret-2@minio:9000/originals")
	t.Setenv("TUTANAK_S3_SECRET_KEY", "s3-secret-3")
	t.Setenv("TUTANAK_TOKEN", "tok.token-secret-4")
	for _, args := range [][]string{{"serve", "--wokers", "4"}, {"worker", "--help"}, {"users", "add", "--nme", "x"},
		{"custody", "verify", "--bogus"}, {"official", "import", "--bogus"}, {"upload", "--bogus"}, {"loadgen", "--bogus"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out strings.Builder
			if code := run(context.Background(), args, &out, &out); code == 0 {
				t.Fatalf("exit 0:\n%s", out.String())
			}
			if !strings.Contains(out.String(), "-") {
				t.Fatalf("no usage printed:\n%s", out.String())
			}
			for _, s := range []string{"pg-secret-1", "s3-secret-2", "s3-secret-3", "token-secret-4"} {
				if strings.Contains(out.String(), s) {
					t.Errorf("%q printed:\n%s", s, out.String())
				}
			}
		})
	}
	// The environment still gives the values.
	cfg := parseBackend(t)
	if cfg.DBURL != "postgres://tutanak:pg-secret-1@db/tutanak" || cfg.S3URL != "http://AKIA:s3-secret-2@minio:9000/originals" || cfg.S3SecretKey != "s3-secret-3" {
		t.Errorf("from the environment: %+v", cfg)
	}
	cfg = parseBackend(t, "--db", "postgres://other@db/x", "--s3-secret-key", "flag")
	if cfg.DBURL != "postgres://other@db/x" || cfg.S3SecretKey != "flag" {
		t.Errorf("flags over the environment: %+v", cfg)
	}
}

// An S3 URL that does not parse must not be echoed: its secret is in it,
// and AWS secrets hold "/", which breaks the URL.
func TestS3URLErrorHidesSecret(t *testing.T) {
	cfg := parseBackend(t, "--s3", "http://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY@minio:9000/originals")
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate: nil, want an error")
	}
	for _, s := range []string{"wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("Validate = %v: shows the secret", err)
		}
	}
	if !strings.Contains(err.Error(), "--s3") {
		t.Errorf("Validate = %v, want it to name --s3", err)
	}
}
