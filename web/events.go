package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
)

// EventPollInterval is how often a live stream checks for changes. The
// database is polled, not an in-process bus, because verdicts come from
// worker processes too; the check is one small query.
const EventPollInterval = time.Second

// eventRoutes registers the server-sent events of the live dashboard.
func (s *Server) eventRoutes(api *echo.Group) {
	api.GET("/events", s.streamEvents)
}

// streamEvents sends the totals (as GET /api/v1/results, same query) as a
// "results" event at once and again whenever a verdict, a decision or an
// official import changes anything, until the client goes away or its
// credential no longer holds: the session or token is checked again at
// every poll, and the stream ends when it has been logged out, has expired
// or now belongs to someone else (another role or province).
func (s *Server) streamEvents(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	q := review.ResultsQuery{Form: c.QueryParam("form"), Level: c.QueryParam("level"), Il: c.QueryParam("il"), Ilce: c.QueryParam("ilce")}
	// Refusals are answered as errors before the stream starts.
	first, err := s.svc.Results(ctx, u, q)
	if err != nil {
		return err
	}
	mark, err := s.svc.ChangeMark(ctx)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a proxy must not hold events back
	c.Response().WriteHeader(http.StatusOK)
	send := func(r review.Results) error {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if _, err := fmt.Fprintf(c.Response(), "event: results\ndata: %s\n\n", b); err != nil {
			return err
		}
		c.Response().Flush()
		return nil
	}
	if err := send(first); err != nil {
		return nil // the client went away
	}
	tick := time.NewTicker(EventPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// Checked again as the API's authentication did when it began.
		again, _, err := s.credential(c)
		if errors.Is(err, review.ErrUnauthenticated) || err == nil && again != u {
			return nil // EventSource reconnects, and is refused
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "event stream authentication", "err", err)
			}
			continue
		}
		now, err := s.svc.ChangeMark(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "event stream", "err", err)
			}
			continue
		}
		if now == mark {
			continue
		}
		r, err := s.svc.Results(ctx, u, q)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "event stream results", "err", err)
			}
			continue
		}
		mark = now
		if err := send(r); err != nil {
			return nil
		}
	}
}
