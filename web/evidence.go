package web

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// evidenceRoutes registers the evidence bundle download.
func (s *Server) evidenceRoutes(api *echo.Group) {
	api.GET("/sheets/:id/evidence.zip", s.downloadEvidence)
}

// signingKey publishes the public key evidence bundles are signed with.
func (s *Server) signingKey(c echo.Context) error {
	pub, ok := s.svc.SigningKey()
	if !ok {
		return apiError(http.StatusNotFound, "unsigned", "Kanıt paketleri imzalanmıyor.", "Evidence bundles are not signed.", nil)
	}
	return c.JSON(http.StatusOK, pub)
}

// downloadEvidence sends a sheet's evidence bundle; its export is already
// in the custody log when the first byte leaves.
func (s *Server) downloadEvidence(c echo.Context) error {
	b, err := s.svc.Evidence(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.Itoa(len(b.Data)))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": b.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := c.Response().Write(b.Data); err != nil {
		s.log.ErrorContext(c.Request().Context(), "send evidence", "sheet_id", c.Param("id"), "err", err)
	}
	return nil
}
