// Package web is tutanak's HTTP API: echo routes over the review service,
// one JSON error shape, health, readiness and Prometheus metrics.
package web

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
)

// Defaults of Config. The photo limits are the reader's (package ocr): the
// upload must refuse what the OCR worker would, or an observer is told to
// retake a photo that can never be read and fails the same way again.
const (
	DefaultMaxImageBytes     = ocr.DefaultMaxBytes  // 25 MiB
	DefaultMaxPixels         = ocr.DefaultMaxPixels // 50 megapixels
	DefaultMaxParts          = 10
	DefaultMaxFieldBytes     = 64 << 10
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleReadTimeout   = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxJSONBytes      = 1 << 20
)

// Config limits what clients may send.
type Config struct {
	// MaxImageBytes caps one photo. Defaults to DefaultMaxImageBytes (25 MiB).
	// The OCR reader must be given the same (ocr.Config.MaxBytes).
	MaxImageBytes int64
	// MaxPixels caps width×height, checked from the header before any
	// decoding. Defaults to DefaultMaxPixels (50 megapixels). The OCR reader
	// must be given the same (ocr.Config.MaxPixels).
	MaxPixels int64
	// MaxParts caps the parts of an upload. Defaults to DefaultMaxParts.
	MaxParts int
	// MaxFieldBytes caps each non-file part. Defaults to DefaultMaxFieldBytes.
	MaxFieldBytes int64
	// ReadHeaderTimeout cuts off clients that send headers too slowly.
	// Defaults to DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// IdleReadTimeout cuts off an upload only when no byte arrives for this
	// long, so slow mobile uploads that progress are never cut. Defaults to
	// DefaultIdleReadTimeout.
	IdleReadTimeout time.Duration
	// IdleTimeout closes idle keep-alive connections. Defaults to DefaultIdleTimeout.
	IdleTimeout time.Duration
	// TempDir holds uploads while they stream in. Defaults to os.TempDir().
	TempDir string
	// SessionTTL is how long a browser session lasts. Defaults to
	// DefaultSessionTTL (16 hours: one election night).
	SessionTTL time.Duration
	// TrustedProxies are the reverse proxies (a TLS-terminating nginx, a
	// load balancer) whose X-Forwarded-For is believed: a request from one
	// of them is taken to come from the nearest address in that header
	// that is not itself a trusted proxy. Defaults to none: the client is
	// the connection's peer and the header is ignored. Behind a proxy it
	// must be set, or every client has the proxy's address and the login
	// limiter, which keys on the address, slows them all together.
	TrustedProxies []netip.Prefix
}

// WithDefaults fills zero fields with their defaults.
func (c Config) WithDefaults() Config {
	if c.MaxImageBytes == 0 {
		c.MaxImageBytes = DefaultMaxImageBytes
	}
	if c.MaxPixels == 0 {
		c.MaxPixels = DefaultMaxPixels
	}
	if c.MaxParts == 0 {
		c.MaxParts = DefaultMaxParts
	}
	if c.MaxFieldBytes == 0 {
		c.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.IdleReadTimeout == 0 {
		c.IdleReadTimeout = DefaultIdleReadTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	return c
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.MaxImageBytes < 0 || c.MaxPixels < 0 || c.MaxParts < 0 || c.MaxFieldBytes < 0 {
		errs = append(errs, errors.New("upload limits must not be negative"))
	}
	if c.ReadHeaderTimeout < 0 || c.IdleReadTimeout < 0 || c.IdleTimeout < 0 || c.SessionTTL < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	for _, p := range c.TrustedProxies {
		switch {
		case !p.IsValid():
			errs = append(errs, fmt.Errorf("trusted proxy %s: not a network", p))
		case proxyNet(p).Bits() == 0:
			// Every address would be a proxy: anyone could name their own.
			errs = append(errs, fmt.Errorf("trusted proxy %s: trusts every address", p))
		}
	}
	return errors.Join(errs...)
}

// maxBody is the whole request's limit: the photo, the other parts and
// multipart framing.
func (c Config) maxBody() int64 {
	return c.MaxImageBytes + int64(c.MaxParts)*(c.MaxFieldBytes+4096)
}

// Server is the HTTP API.
type Server struct {
	svc      *review.Service
	cfg      Config
	log      *slog.Logger
	metrics  *Metrics
	gatherer prometheus.Gatherer
	echo     *echo.Echo
	pages    *pages
}

// New returns the API. reg receives the HTTP metrics and gather serves /metrics.
func New(svc *review.Service, cfg Config, log *slog.Logger, reg prometheus.Registerer, gather prometheus.Gatherer) *Server {
	s := &Server{svc: svc, cfg: cfg.WithDefaults(), log: log, metrics: NewMetrics(reg)}
	p, err := newPages(svc, s.cfg.SessionTTL)
	if err != nil {
		// The templates are in the binary: this is a build defect, caught by every test.
		panic(err)
	}
	s.pages = p
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(s.cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	e.Use(s.recover, s.metrics.middleware)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(gather, promhttp.HandlerOpts{})))
	// Public: whoever checks a bundle (a board, the other side) needs the key.
	e.GET("/api/v1/signing-key", s.signingKey)

	api := e.Group("/api/v1", noStore, s.authenticate)
	api.GET("/me", s.me)
	api.POST("/sheets", s.upload)
	api.GET("/sheets", s.listSheets)
	api.GET("/sheets/:id", s.sheet)
	api.PUT("/sheets/:id/typed", s.putSheetTyped)
	api.GET("/sheets/:id/original", s.original)
	api.PUT("/sheets/:id/legal-hold", s.putLegalHold)
	api.PUT("/sheets/:id/box", s.putSheetBox)
	api.GET("/sheets/:id/images/*", s.image)
	api.PUT("/typed", s.putBoxTyped)
	s.reviewRoutes(api)
	s.evidenceRoutes(api)
	s.resultsRoutes(api)
	s.officialRoutes(api)
	s.eventRoutes(api)
	s.pageRoutes(e)
	s.echo = e
	return s
}

// ipExtractor says who the client is. The login limiter keys on it, so a
// client-sent header counts only when the peer is a trusted proxy: without
// any, the peer's address; with some, the nearest X-Forwarded-For address
// that is not a trusted proxy, when the peer is one (echo's defaults,
// which trust every private and loopback address, are turned off).
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		p = proxyNet(p)
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// proxyNet is p as the extractor matches it: an IPv4 network written as
// IPv4-mapped IPv6 (::ffff:10.0.0.0/104) becomes the IPv4 one.
func proxyNet(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked()
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// HTTPServer returns an http.Server for the API with the slow-client
// protections: a header timeout, but no whole-request read timeout (uploads
// use a per-read idle deadline instead) and no write timeout (downloads of
// originals to slow phones must finish).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// noStore keeps the API's answers out of caches: they are one user's view
// of their province, and phones at a school are shared.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

const userKey = "user"

func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, session, err := s.credential(c)
		if err != nil {
			return err
		}
		// The pages call the API with their session cookie and CSRF token.
		if session != "" {
			if err := checkCSRF(c, session); err != nil {
				return err
			}
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// credential is the user of the request's Bearer token or, without one,
// of its session cookie within the session's lifetime; session is the
// cookie's value when the session was used.
func (s *Server) credential(c echo.Context) (u review.User, session string, err error) {
	ctx := c.Request().Context()
	if token, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer "); ok && token != "" {
		u, err = s.svc.Authenticate(ctx, strings.TrimSpace(token))
		return u, "", err
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return review.User{}, "", review.ErrUnauthenticated
	}
	u, err = s.svc.AuthenticateSession(ctx, ck.Value, s.cfg.SessionTTL)
	return u, ck.Value, err
}

func currentUser(c echo.Context) review.User { return c.Get(userKey).(review.User) }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if err := s.svc.Ready(c.Request().Context()); err != nil {
		return apiError(http.StatusServiceUnavailable, "not_ready", "Hizmet hazır değil.", "The service is not ready.", err)
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) me(c echo.Context) error { return c.JSON(http.StatusOK, currentUser(c)) }

func (s *Server) sheet(c echo.Context) error {
	v, err := s.svc.Sheet(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) listSheets(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := review.SheetQuery{Box: review.Box{Il: c.QueryParam("il"), Ilce: c.QueryParam("ilce"), SandikNo: c.QueryParam("sandik_no")},
		Status: c.QueryParam("status"), Limit: limit, Mine: c.QueryParam("mine") == "1"}
	list, err := s.svc.Sheets(c.Request().Context(), currentUser(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sheets": list})
}

// decodeJSON reads a small JSON body into v.
func decodeJSON(c echo.Context, v any) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, DefaultMaxJSONBytes)
	if err := json.NewDecoder(body).Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apiError(http.StatusRequestEntityTooLarge, "too_large", "İstek çok büyük.", "The request is too large.", err)
		}
		return apiError(http.StatusBadRequest, "bad_json", "Geçersiz JSON.", "Invalid JSON.", err)
	}
	return nil
}

func (s *Server) putSheetTyped(c echo.Context) error {
	var body review.TypedFigures
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	v, err := s.svc.SetTyped(c.Request().Context(), currentUser(c), c.Param("id"), body.Counts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// boxTypedBody is typed figures by box identity.
type boxTypedBody struct {
	Form     string             `json:"form"`
	Il       string             `json:"il"`
	Ilce     string             `json:"ilce"`
	SandikNo string             `json:"sandik_no"`
	Counts   review.TypedCounts `json:"counts"`
}

func (s *Server) putBoxTyped(c echo.Context) error {
	var body boxTypedBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ids, err := s.svc.SetBoxTyped(c.Request().Context(), currentUser(c), review.BoxTyped{Form: body.Form,
		Box: review.Box{Il: body.Il, Ilce: body.Ilce, SandikNo: body.SandikNo}, Counts: body.Counts})
	if err != nil {
		return err
	}
	if ids == nil {
		ids = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{"sheets": ids})
}

func (s *Server) putLegalHold(c echo.Context) error {
	var body struct {
		On *bool `json:"on"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.On == nil {
		return apiError(http.StatusBadRequest, "bad_json", `"on" alanı gerekli.`, `The "on" field is required.`, nil)
	}
	v, err := s.svc.SetLegalHold(c.Request().Context(), currentUser(c), c.Param("id"), *body.On)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) putSheetBox(c echo.Context) error {
	var body review.BoxChange
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	v, err := s.svc.SetBox(c.Request().Context(), currentUser(c), c.Param("id"), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// original streams the exact bytes with their digest, so a client can
// check what it got against the custody log.
func (s *Server) original(c echo.Context) error {
	rc, info, err := s.svc.Original(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	raw, err := hex.DecodeString(info.SHA256)
	if err != nil {
		return fmt.Errorf("stored digest %q: %w", info.SHA256, err)
	}
	b64 := base64.StdEncoding.EncodeToString(raw)
	h := c.Response().Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("Repr-Digest", "sha-256=:"+b64+":")
	h.Set("Digest", "sha-256="+b64)
	h.Set("ETag", `"`+info.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), rc); err != nil {
		// Headers are gone; the client sees a short body and the log the cause.
		s.log.ErrorContext(c.Request().Context(), "stream original", "sheet_id", c.Param("id"), "sha256", info.SHA256, "err", err)
	}
	return nil
}

// image serves a derived image: the rectified page, its thumbnail or a crop.
func (s *Server) image(c echo.Context) error {
	rc, info, err := s.svc.Image(c.Request().Context(), currentUser(c), c.Param("id"), c.Param("*"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), rc); err != nil {
		s.log.ErrorContext(c.Request().Context(), "stream image", "sheet_id", c.Param("id"), "err", err)
	}
	return nil
}
