package web

import (
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
)

// resultsRoutes registers the totals: JSON, or CSV with ?format=csv.
func (s *Server) resultsRoutes(api *echo.Group) {
	api.GET("/results", s.showResults)
	api.GET("/conflicts", s.listConflicts)
}

// showResults answers the totals of the accepted figures at the level
// asked, with how many boxes are accepted, in conflict, flagged, unreadable
// or missing beside every total.
func (s *Server) showResults(c echo.Context) error {
	q := review.ResultsQuery{Form: c.QueryParam("form"), Level: c.QueryParam("level"), Il: c.QueryParam("il"), Ilce: c.QueryParam("ilce")}
	r, err := s.svc.Results(c.Request().Context(), currentUser(c), q)
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "", "json":
		return c.JSON(http.StatusOK, r)
	case "csv":
		s.writeResultsCSV(c, r)
		return nil
	}
	return apiError(http.StatusBadRequest, "bad_format", "Biçim json ya da csv olmalı.", "The format must be json or csv.", nil)
}

// writeResultsCSV writes one line per row and a last line for the total;
// the box counts follow the figures so a spreadsheet sums them alike.
func (s *Server) writeResultsCSV(c echo.Context, r review.Results) {
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="sonuclar-`+r.Level+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	header := append([]string{"il", "ilce", "muhtarlik", "sandik_no", "state"}, r.Fields...)
	header = append(header, "boxes", "accepted", "conflict", "flagged", "unreadable", "missing")
	line := func(t review.Total) []string {
		rec := []string{t.Il, t.Ilce, t.Muhtarlik, t.SandikNo, string(t.State)}
		for _, f := range r.Fields {
			// A box without accepted figures has none: blank, never 0.
			if v, ok := t.Figures[f]; ok || t.State == "" {
				rec = append(rec, strconv.Itoa(v))
			} else {
				rec = append(rec, "")
			}
		}
		n := t.Counts
		for _, v := range []int{n.Boxes, n.Accepted, n.Conflict, n.Flagged, n.Unreadable, n.Missing} {
			rec = append(rec, strconv.Itoa(v))
		}
		return rec
	}
	// Once the header is sent only the log can hear of a failed write.
	_ = w.Write(header)
	for _, row := range r.Rows {
		_ = w.Write(line(row))
	}
	total := r.Total
	total.Il = "TOPLAM"
	_ = w.Write(line(total))
	w.Flush()
	if err := w.Error(); err != nil {
		s.log.ErrorContext(c.Request().Context(), "send results csv", "level", r.Level, "err", err)
	}
}

// listConflicts lists the boxes whose accepted photos disagree.
func (s *Server) listConflicts(c echo.Context) error {
	list, err := s.svc.Conflicts(c.Request().Context(), currentUser(c), c.QueryParam("form"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"boxes": list})
}

// bar is one bar of an inline SVG chart, in percent of the chart's width.
type bar struct {
	Key  string
	N    int
	X, W float64
	Y    int
}

// resultsPage is what the results page draws: the totals, the box states
// as one stacked bar, and a bar per candidate.
type resultsPage struct {
	Results    review.Results
	States     []bar
	Candidates []bar
	Height     int
}

// showResultsPage draws the totals by province with charts read at a
// glance: how many boxes count, and the candidates' shares.
func (s *Server) showResultsPage(c echo.Context) error {
	r, err := s.svc.Results(c.Request().Context(), currentUser(c), review.ResultsQuery{})
	if err != nil {
		return err
	}
	p := resultsPage{Results: r}
	n := r.Total.Counts
	x := 0.0
	for _, st := range []struct {
		s review.BoxState
		n int
	}{{review.BoxAccepted, n.Accepted}, {review.BoxConflict, n.Conflict}, {review.BoxFlagged, n.Flagged},
		{review.BoxUnreadable, n.Unreadable}, {review.BoxMissing, n.Missing}} {
		w := percent(st.n, n.Boxes)
		p.States = append(p.States, bar{Key: string(st.s), N: st.n, X: x, W: w})
		x += w
	}
	valid := r.Total.Figures["gecerli_oy"]
	for _, f := range r.Fields {
		if !strings.HasPrefix(f, "aday_") {
			continue
		}
		v := r.Total.Figures[f]
		p.Candidates = append(p.Candidates, bar{Key: f, N: v, W: percent(v, valid), Y: 8 * len(p.Candidates)})
	}
	p.Height = 8 * len(p.Candidates)
	return s.render(c, http.StatusOK, "results", "Sonuçlar / Results", p)
}

// percent is n of total in percent, one decimal; 0 of nothing is 0.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(1000*float64(n)/float64(total)) / 10
}
