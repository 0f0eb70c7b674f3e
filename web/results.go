package web

import (
	"encoding/csv"
	"math"
	"net/http"
	"net/url"
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

// cell keeps text a spreadsheet would run as a formula from running: the
// neighbourhood comes from the photo's print and a box typed by hand is
// kept as typed, so either may start with "=" (OWASP's CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
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
		rec := []string{cell(t.Il), cell(t.Ilce), cell(t.Muhtarlik), cell(t.SandikNo), string(t.State)}
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
	Key   string
	Label string
	N     int
	X, W  float64
	Y     int
}

// crumb is one step of the way down from the whole country.
type crumb struct {
	Name, Href string
}

// turnout is the share of registered voters who voted, over the boxes
// whose figures are accepted: both figures come from the same boxes.
type turnout struct {
	Voted, Registered int
	Pct               float64
	Known             bool
}

// Form fields turnout is read from.
const (
	fieldRegistered = "kayitli_secmen"
	fieldVoted      = "oy_kullanan_toplam"
	fieldValid      = "gecerli_oy"
)

func turnoutOf(figures map[string]int) turnout {
	reg, voted := figures[fieldRegistered], figures[fieldVoted]
	return turnout{Voted: voted, Registered: reg, Pct: percent(voted, reg), Known: reg > 0}
}

// resultsRow is one place of the table: its totals, where clicking it
// leads, and the small bars drawn beside it.
type resultsRow struct {
	Total      review.Total
	Name       string
	Href       string
	States     []bar
	Turnout    turnout
	Candidates []bar
	Leader     *bar
}

// resultsPage is what the results page draws: the totals, the box states
// as one stacked bar, a bar per candidate, the turnout, and a row per
// place one level down from where the reader stands.
type resultsPage struct {
	Results    review.Results
	Level      string
	Il, Ilce   string
	Crumbs     []crumb
	States     []bar
	Candidates []bar
	Height     int
	Turnout    turnout
	Rows       []resultsRow
	// Candidate ids in form order, for the table's legend.
	Keys []bar
	// CSV downloads the boxes of the place shown.
	CSV string
}

// showResultsPage draws the totals with charts read at a glance: how many
// boxes count, the candidates' shares and the turnout. /results has a row
// per province; /results/:il a row per district of it; /results/:il/:ilce
// a row per ballot box. Paths, not queries, so that the live redraw
// (which fetches location.pathname) keeps the place.
func (s *Server) showResultsPage(c echo.Context) error {
	il, ilce := placeParam(c, "il"), placeParam(c, "ilce")
	q := review.ResultsQuery{Level: review.LevelIl}
	switch {
	case ilce != "":
		q.Level, q.Il, q.Ilce = review.LevelSandik, il, ilce
	case il != "":
		q.Level, q.Il = review.LevelIlce, il
	}
	r, err := s.svc.Results(c.Request().Context(), currentUser(c), q)
	if err != nil {
		return err
	}
	form, err := s.svc.Form(r.Form)
	if err != nil {
		return err
	}
	p := resultsPage{Results: r, Level: r.Level, Il: review.NormalizePlace(il), Ilce: review.NormalizePlace(ilce),
		States: stateBars(r.Total.Counts), Turnout: turnoutOf(r.Total.Figures)}
	csvQuery := url.Values{"level": {review.LevelSandik}, "format": {"csv"}}
	if p.Il != "" {
		csvQuery.Set("il", p.Il)
	}
	if p.Ilce != "" {
		csvQuery.Set("ilce", p.Ilce)
	}
	p.CSV = "/api/v1/results?" + csvQuery.Encode()
	p.Crumbs = []crumb{{Name: "Türkiye", Href: "/results"}}
	if p.Il != "" {
		p.Crumbs = append(p.Crumbs, crumb{Name: p.Il, Href: "/results/" + url.PathEscape(p.Il)})
	}
	if p.Ilce != "" {
		p.Crumbs = append(p.Crumbs, crumb{Name: p.Ilce, Href: "/results/" + url.PathEscape(p.Il) + "/" + url.PathEscape(p.Ilce)})
	}
	p.Candidates = candidateBars(r.Fields, r.Total.Figures, form.Label)
	for i := range p.Candidates {
		p.Candidates[i].Y = 8 * i
	}
	p.Height = 8 * len(p.Candidates)
	p.Keys = p.Candidates
	for _, t := range r.Rows {
		row := resultsRow{Total: t, States: stateBars(t.Counts), Turnout: turnoutOf(t.Figures),
			Candidates: candidateBars(r.Fields, t.Figures, form.Label)}
		x := 0.0
		for i := range row.Candidates {
			c := &row.Candidates[i]
			c.X, x = x, x+c.W
			if c.N > 0 && (row.Leader == nil || c.N > row.Leader.N) {
				row.Leader = c
			}
		}
		switch r.Level {
		case review.LevelIl:
			row.Name, row.Href = t.Il, "/results/"+url.PathEscape(t.Il)
		case review.LevelIlce:
			row.Name, row.Href = t.Ilce, "/results/"+url.PathEscape(t.Il)+"/"+url.PathEscape(t.Ilce)
		default:
			// A box leads to its sheets, the evidence behind its figures.
			row.Name = t.SandikNo
			row.Href = "/legal?" + url.Values{"il": {t.Il}, "ilce": {t.Ilce}, "sandik_no": {t.SandikNo}}.Encode()
		}
		p.Rows = append(p.Rows, row)
	}
	title := "Sonuçlar / Results"
	if len(p.Crumbs) > 1 {
		title = p.Crumbs[len(p.Crumbs)-1].Name + " · " + title
	}
	return s.render(c, http.StatusOK, "results", title, p)
}

// placeParam is a place name from the path, unescaped where the router
// left it escaped.
func placeParam(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
	}
	return strings.TrimSpace(v)
}

// stateBars stacks the boxes by state, in percent of all boxes.
func stateBars(n review.BoxCounts) []bar {
	var out []bar
	x := 0.0
	for _, st := range []struct {
		s review.BoxState
		n int
	}{{review.BoxAccepted, n.Accepted}, {review.BoxConflict, n.Conflict}, {review.BoxFlagged, n.Flagged},
		{review.BoxUnreadable, n.Unreadable}, {review.BoxMissing, n.Missing}} {
		w := percent(st.n, n.Boxes)
		out = append(out, bar{Key: string(st.s), N: st.n, X: x, W: w})
		x += w
	}
	return out
}

// candidateBars is a bar per candidate, in percent of the valid votes.
func candidateBars(fields []string, figures map[string]int, labelOf func(string) string) []bar {
	valid := figures[fieldValid]
	var out []bar
	for _, f := range fields {
		if !strings.HasPrefix(f, "aday_") {
			continue
		}
		v := figures[f]
		out = append(out, bar{Key: f, Label: labelOf(f), N: v, W: percent(v, valid)})
	}
	return out
}

// percent is n of total in percent, one decimal; 0 of nothing is 0.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(1000*float64(n)/float64(total)) / 10
}
