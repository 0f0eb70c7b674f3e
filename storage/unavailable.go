package storage

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
)

// ErrUnavailable is returned when the database or the object store cannot
// be reached or refuses work for now: nothing was changed by the failed
// call and the same request may succeed later.
var ErrUnavailable = errors.New("storage unavailable")

// unavailableError keeps the cause's message and adds ErrUnavailable to
// its chain.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.err, ErrUnavailable} }

// markUnavailable adds ErrUnavailable to err when err says the service
// could not be reached; other errors pass unchanged.
func markUnavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || !unreachable(err) {
		return err
	}
	return &unavailableError{err: err}
}

// Unavailable adds ErrUnavailable to err, keeping its message, for a caller
// that knows the failure is the store's whatever its cause: the body of an
// original that stops while being read, after the store opened it. nil
// stays nil.
func Unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return &unavailableError{err: err}
}

// retryableSQLStates are PostgreSQL's codes for a server that is going
// away, starting or full, and for a transaction it ended so that another
// could go on, which the same request run again completes: class 08
// (connection exception) is matched by prefix.
var retryableSQLStates = map[string]bool{
	"57P01": true, // admin_shutdown
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now
	"53300": true, // too_many_connections
	"40P01": true, // deadlock_detected
	"40001": true, // serialization_failure
}

// unreachable tells a service that is down or overloaded from a request it
// refused: connection errors of any layer, PostgreSQL's shutdown codes and
// a deadlock it broke, S3's 503s and a SQLite database locked past its busy
// timeout.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the client went away; nothing is wrong with storage
	}
	var (
		opErr      *net.OpError
		dnsErr     *net.DNSError
		urlErr     *url.Error
		connectErr *pgconn.ConnectError
		pgErr      *pgconn.PgError
		s3Err      minio.ErrorResponse
	)
	switch {
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || retryableSQLStates[pgErr.Code]
	case errors.As(err, &s3Err):
		return s3Err.StatusCode == http.StatusServiceUnavailable || s3Err.Code == "SlowDown" ||
			s3Err.Code == "XMinioServerNotInitialized" || s3Err.Code == "ServiceUnavailable"
	// Not net.Error: syscall.Errno implements it, so any failed file
	// operation would match.
	case errors.As(err, &connectErr), errors.As(err, &opErr), errors.As(err, &dnsErr), errors.As(err, &urlErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded),
		pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "conn closed") || strings.Contains(msg, "unexpected EOF")
}
