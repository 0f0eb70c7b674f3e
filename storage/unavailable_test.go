package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
)

func TestMarkUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("begin: %w", refused), true},
		{"s3 transport error", &url.Error{Op: "Get", URL: "http://127.0.0.1:9000/b", Err: refused}, true},
		{"postgres shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"postgres connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"postgres deadlock", &pgconn.PgError{Code: "40P01"}, true},
		{"postgres serialization failure", &pgconn.PgError{Code: "40001"}, true},
		{"s3 slow down", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, true},
		{"sqlite busy", errors.New("database is locked (5) (SQLITE_BUSY)"), true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"client went away", fmt.Errorf("query: %w", context.Canceled), false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"s3 access denied", minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}, false},
		{"missing file", &fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT}, false},
		{"disk full", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}, false},
		{"not found", ErrNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := markUnavailable(tt.err)
			if got := errors.Is(err, ErrUnavailable); got != tt.want {
				t.Errorf("markUnavailable(%v) unavailable = %v, want %v", tt.err, got, tt.want)
			}
			if !errors.Is(err, tt.err) && err.Error() != tt.err.Error() {
				t.Errorf("the cause is lost: %v", err)
			}
		})
	}
	if markUnavailable(nil) != nil {
		t.Error("nil became an error")
	}
}
