package web

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
)

// MaxOfficialCSV caps an official results upload: about 200,000 boxes of
// short lines fit in a fraction of it.
const MaxOfficialCSV = 64 << 20

// officialRoutes registers official results: the import and the
// discrepancies against accepted figures.
func (s *Server) officialRoutes(api *echo.Group) {
	api.POST("/official", s.importOfficial)
	api.GET("/official", s.listOfficialImports)
	api.GET("/discrepancies", s.listDiscrepancies)
}

// importOfficial stores a CSV body (text/csv) as a new official import;
// ?partial=1 marks every box as still being entered.
func (s *Server) importOfficial(c echo.Context) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, MaxOfficialCSV)
	res, err := s.svc.ImportOfficial(c.Request().Context(), currentUser(c), review.OfficialImport{
		Form: c.QueryParam("form"), Source: c.QueryParam("source"), Partial: c.QueryParam("partial") == "1", CSV: body})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

// listDiscrepancies answers every field where an official figure differs
// from the accepted one, with the sheets that are its evidence.
func (s *Server) listDiscrepancies(c echo.Context) error {
	d, err := s.svc.Discrepancies(c.Request().Context(), currentUser(c), c.QueryParam("form"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// listOfficialImports answers every import of a form, the newest first.
func (s *Server) listOfficialImports(c echo.Context) error {
	list, err := s.svc.OfficialImports(c.Request().Context(), currentUser(c), c.QueryParam("form"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"imports": list})
}

// officialPage is what the legal team's import page shows.
type officialPage struct {
	Form string
	// Header is the CSV header the form expects.
	Header  string
	Imports []review.OfficialImportEntry
}

// showOfficial is the legal team's page to import official results: a
// file and the partial flag, sent by the page's script to POST
// /api/v1/official, and the history of every import.
func (s *Server) showOfficial(c echo.Context) error {
	form := cmp.Or(c.QueryParam("form"), review.DefaultForm)
	list, err := s.svc.OfficialImports(c.Request().Context(), currentUser(c), form)
	if err != nil {
		return err
	}
	// OfficialImports has refused an unknown form already.
	f, err := s.svc.Form(form)
	if err != nil {
		return err
	}
	header := append([]string{"il", "ilce", "sandik_no"}, f.FieldIDs()...)
	return s.render(c, http.StatusOK, "official", "Resmî sonuçlar / Official results",
		officialPage{Form: f.ID, Header: strings.Join(header, ","), Imports: list})
}
