package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
)

// reviewRoutes registers the lawyers' API: the queue and decisions.
func (s *Server) reviewRoutes(api *echo.Group) {
	api.GET("/review-queue", s.showQueue)
	api.GET("/objections", s.listObjections)
	api.GET("/sheets/:id/decisions", s.listDecisions)
	api.POST("/sheets/:id/decisions", s.submitDecision)
}

// showQueue lists the flagged sheets waiting for a decision in the
// caller's province, the soonest objection deadline first.
func (s *Server) showQueue(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	list, err := s.svc.ReviewQueue(c.Request().Context(), currentUser(c), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sheets": list})
}

// listObjections lists the sheets in the caller's province on which an
// objection stands, the soonest deadline first.
func (s *Server) listObjections(c echo.Context) error {
	list, err := s.svc.Objections(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"objections": list})
}

func (s *Server) listDecisions(c echo.Context) error {
	d, err := s.svc.Decisions(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// submitDecision records one decision as a new version and answers with
// the sheet's review as it now stands.
func (s *Server) submitDecision(c echo.Context) error {
	var in review.DecisionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := s.svc.Decide(c.Request().Context(), currentUser(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}
