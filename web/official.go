package web

import (
	"net/http"

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
