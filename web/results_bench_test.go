package web_test

import (
	"flag"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/review/reviewtest"
	"github.com/tutanak/tutanak/web"
)

// benchBoxes is the size of the election BenchmarkElectionPages seeds. The
// default keeps `make bench` short; the whole country is
//
//	go test ./web -run '^$' -bench ElectionPages -benchtime 3x -timeout 2h -args -boxes 192000
var benchBoxes = flag.Int("boxes", 10_000, "ballot boxes the election benchmarks seed (192000 for the whole country)")

// BenchmarkElectionPages measures the pages the dashboard and the lawyers
// load on an election night (reviewtest.Seed) on each stack, through HTTP
// with a session, as a browser loads them: the results page of the
// country, of İstanbul and of one of its districts (what every open
// dashboard fetches again on each change), the totals as JSON, and the
// lawyers' review queue of a lawyer without a province, which judges the
// boxes of the whole country for their conflicts. "change" loads a page
// after a sheet's verdict was saved again (the write is not timed), as the
// first viewer after a change does; "shared" loads it again with nothing
// changed, as every other viewer does.
func BenchmarkElectionPages(b *testing.B) {
	pages := []struct{ name, path string }{
		{"results/country", "/results"},
		{"results/istanbul", "/results/" + url.PathEscape(reviewtest.Istanbul)},
		{"results/istanbul-kadikoy", "/results/" + url.PathEscape(reviewtest.Istanbul) + "/" + url.PathEscape("KADIKÖY")},
		{"api-results/country-by-il", "/api/v1/results?level=il"},
		{"review-queue/country", "/review"},
	}
	for _, st := range stacks() {
		b.Run(st.Name, func(b *testing.B) {
			a := setup(b, st, web.Config{})
			start := time.Now()
			el := reviewtest.Seed(b, a.svc, a.db, *benchBoxes)
			b.Logf("seeded %d boxes, %d sheets, %d decisions in %s", el.Counts.Boxes, el.Sheets, el.Decisions,
				time.Since(start).Round(time.Second))
			a.user(b, "avukat", review.Lawyer, "", "avukat parola")
			br := newBrowser(b, a.url)
			br.login("avukat", "avukat parola")
			get := func(b *testing.B, path string) int {
				resp, body := br.do(http.MethodGet, path, nil, nil)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
				}
				return len(body)
			}
			for _, p := range pages {
				for _, mode := range []string{"change", "shared"} {
					b.Run(p.name+"/"+mode, func(b *testing.B) {
						b.ReportAllocs()
						size := get(b, p.path) // as a live service has it
						for b.Loop() {
							if mode == "change" {
								b.StopTimer()
								el.Change(b, a.svc)
								b.StartTimer()
							}
							size = get(b, p.path)
						}
						b.ReportMetric(float64(size), "bytes/page")
					})
				}
			}
		})
	}
}
