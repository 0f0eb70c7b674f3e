package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestPagesTurkeyTime: a lawyer reads the objection deadline a district
// board set at 17:00 Turkey time as 17:00, marked UTC+3, on the review
// queue and on the legal team's list of sheets to object to; never as the
// 14:00 UTC it is stored as, three hours before a Turkish clock's.
func TestPagesTurkeyTime(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	board := time.Date(2030, 5, 16, 17, 0, 0, 0, time.FixedZone("TRT", 3*60*60))
	a.svc.SetDeadlines(review.DeadlinePolicy{Boards: map[review.Box]time.Time{{Il: "İzmir", Ilce: "Gaziemir"}: board}})
	observer := a.token(t, "gözlemci", review.Observer, "")
	a.user(t, "avukat", review.Lawyer, "İzmir", "avukat parola")
	waiting := flaggedSheet(t, a, observer, "41")
	objected := flaggedSheet(t, a, observer, "42")

	b := newBrowser(t, a.url)
	b.login("avukat", "avukat parola")
	_, page := b.do(http.MethodGet, "/review/"+objected, nil, nil)
	form := with(decideForm(t, page, "aday_1"), "kind", "object", "note", "ıslak imzalı tutanakta 48")
	if resp, page := b.do(http.MethodPost, "/review/"+objected+"/decisions", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("objection: %d\n%s", resp.StatusCode, page)
	}

	tests := []struct {
		name, path, row string
	}{
		{"review queue", "/review", "/review/" + waiting},
		{"sheets to object to", "/legal", "/api/v1/sheets/" + objected + "/evidence.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, page := b.do(http.MethodGet, tt.path, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", tt.path, resp.StatusCode)
			}
			at := strings.Index(page, tt.row)
			if at < 0 {
				t.Fatalf("%s lists no row with %q:\n%s", tt.path, tt.row, page)
			}
			row := html.UnescapeString(page[strings.LastIndex(page[:at], "<tr>"):at])
			if !strings.Contains(row, "2030-05-16 17:00:00 UTC+3") {
				t.Errorf("%s gives the deadline otherwise than 2030-05-16 17:00:00 UTC+3: %s", tt.path, row)
			}
			if strings.Contains(row, "14:00:00") {
				t.Errorf("%s gives the deadline in UTC: %s", tt.path, row)
			}
		})
	}
}
