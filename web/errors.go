package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/storage"
)

// RetryAfter is what a 503 tells clients to wait before trying again:
// long enough not to hammer a store that is coming back, short enough for
// an observer's phone to finish its upload the same minute.
const RetryAfter = 5 * time.Second

// Error is an API error: a status, a stable code, a message safe to show
// (Turkish, with English) and the cause, which only goes to the log.
type Error struct {
	Status int
	Code   string
	TR     string
	EN     string
	Cause  error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Cause.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Cause }

func apiError(status int, code, tr, en string, cause error) *Error {
	return &Error{Status: status, Code: code, TR: tr, EN: en, Cause: cause}
}

// errorBody is the JSON every error answers with.
type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageEN string `json:"message_en"`
	} `json:"error"`
}

// toAPIError decides what a client may learn about err.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var ie *review.InputError
	if errors.As(err, &ie) {
		return apiError(http.StatusBadRequest, ie.Code, ie.TR, ie.EN, err)
	}
	var ce *review.ConflictError
	if errors.As(err, &ce) {
		return apiError(http.StatusConflict, ce.Code, ce.TR, ce.EN, err)
	}
	var he *echo.HTTPError
	switch {
	case errors.Is(err, review.ErrUnauthenticated):
		return apiError(http.StatusUnauthorized, "unauthenticated", "Geçerli bir anahtar gerekli.", "A valid token is required.", err)
	case errors.Is(err, review.ErrForbidden):
		return apiError(http.StatusForbidden, "forbidden", "Bu işlem için yetkiniz yok.", "You are not allowed to do this.", err)
	case errors.Is(err, review.ErrNotFound):
		return apiError(http.StatusNotFound, "not_found", "Bulunamadı.", "Not found.", err)
	case errors.Is(err, storage.ErrUnavailable):
		return apiError(http.StatusServiceUnavailable, "unavailable",
			"Hizmet geçici olarak kullanılamıyor; lütfen biraz sonra yeniden deneyin.",
			"The service is temporarily unavailable; please try again shortly.", err)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return apiError(he.Code, "not_found", "Bulunamadı.", "Not found.", err)
		case http.StatusMethodNotAllowed:
			return apiError(he.Code, "method_not_allowed", "Bu yöntem desteklenmiyor.", "Method not allowed.", err)
		case http.StatusRequestEntityTooLarge:
			return apiError(he.Code, "too_large", "İstek çok büyük.", "The request is too large.", err)
		case http.StatusUnauthorized:
			return apiError(he.Code, "unauthenticated", "Geçerli bir anahtar gerekli.", "A valid token is required.", err)
		}
		if he.Code < 500 {
			return apiError(he.Code, "bad_request", "Geçersiz istek.", "Bad request.", err)
		}
	}
	return apiError(http.StatusInternalServerError, "internal", "Sunucu hatası; lütfen yeniden deneyin.", "Server error; please try again.", err)
}

// handleError is echo's HTTPErrorHandler: it logs the cause and answers JSON.
func (s *Server) handleError(err error, c echo.Context) {
	ae := toAPIError(err)
	ctx := c.Request().Context()
	attrs := []any{"method", c.Request().Method, "path", c.Path(), "status", ae.Status, "code", ae.Code, "err", err}
	if ae.Status >= 500 {
		s.log.ErrorContext(ctx, "request failed", attrs...)
	} else {
		s.log.InfoContext(ctx, "request refused", attrs...)
	}
	if c.Response().Committed {
		return
	}
	if ae.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
	}
	if isPage(c) {
		s.renderError(c, ae)
		return
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.MessageEN = ae.Code, ae.TR, ae.EN
	if ae.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="tutanak"`)
	}
	if err := c.JSON(ae.Status, body); err != nil {
		s.log.ErrorContext(ctx, "write error response", "err", err)
	}
}

// isPage tells requests of the web app, which get an HTML error page,
// from API calls, which get JSON.
func isPage(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && p != "/healthz" && p != "/readyz" && p != "/metrics"
}

// renderError shows the safe message on a page; a missing session goes to
// the login page instead.
func (s *Server) renderError(c echo.Context, ae *Error) {
	if ae.Status == http.StatusUnauthorized && ae.Code == "unauthenticated" {
		_ = c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	if err := s.render(c, ae.Status, "error", "Hata / Error", ae); err != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "err", err)
		_ = c.String(ae.Status, ae.TR+" / "+ae.EN)
	}
}
