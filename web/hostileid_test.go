package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestHostileIdentifiers: a sheet id, a token or a login name that is not
// text (a NUL, bytes that are not UTF-8) names nothing, and is answered as
// such: 404, 401, the login page again. PostgreSQL refuses such text with
// an error, which must not become a 500 that anyone, without an account,
// can cause at will.
func TestHostileIdentifiers(t *testing.T) {
	for _, st := range stacks() {
		t.Run(st.Name, func(t *testing.T) {
			a := setup(t, st, web.Config{TempDir: t.TempDir()})
			admin := a.token(t, "yönetici", review.Admin, "")
			cases := []struct {
				name, method, path, token string
				status                    int
				code                      string
			}{
				{"sheet id with NUL", http.MethodGet, "/api/v1/sheets/sh_%00", admin, http.StatusNotFound, "not_found"},
				{"sheet id not UTF-8", http.MethodGet, "/api/v1/sheets/sh_%FF", admin, http.StatusNotFound, "not_found"},
				{"original of an id not UTF-8", http.MethodGet, "/api/v1/sheets/sh_%FF/original", admin, http.StatusNotFound, "not_found"},
				{"crop of an id not UTF-8", http.MethodGet, "/api/v1/sheets/sh_%FF/images/page", admin, http.StatusNotFound, "not_found"},
				{"decisions of an id with NUL", http.MethodGet, "/api/v1/sheets/sh_%00/decisions", admin, http.StatusNotFound, "not_found"},
				{"decision on an id with NUL", http.MethodPost, "/api/v1/sheets/sh_%00/decisions", admin, http.StatusNotFound, "not_found"},
				{"evidence of an id not UTF-8", http.MethodGet, "/api/v1/sheets/sh_%FF/evidence.zip", admin, http.StatusNotFound, "not_found"},
				{"token id not UTF-8", http.MethodGet, "/api/v1/me", "tt_\xff_secret", http.StatusUnauthorized, "unauthenticated"},
				{"session token id not UTF-8", http.MethodGet, "/api/v1/me", "tt_s\xff_secret", http.StatusUnauthorized, "unauthenticated"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var body *strings.Reader
					if c.method == http.MethodPost {
						body = strings.NewReader(`{"field":"aday_1","kind":"accept_read"}`)
					}
					var e errJSON
					var resp *http.Response
					if body != nil {
						resp = a.call(t, c.token, c.method, c.path, body, "application/json", &e)
					} else {
						resp = a.call(t, c.token, c.method, c.path, nil, "", &e)
					}
					if resp.StatusCode != c.status || e.Error.Code != c.code {
						t.Fatalf("got %d %+v, want %d %s", resp.StatusCode, e.Error, c.status, c.code)
					}
				})
			}
			t.Run("login name with NUL", func(t *testing.T) {
				b := newBrowser(t, a.url)
				_, page := b.do(http.MethodGet, "/login", nil, nil)
				resp, _ := b.do(http.MethodPost, "/login", url.Values{"csrf": {csrfOf(t, page)}, "name": {"yönetici\x00"}, "password": {"parola-parola"}}, nil)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("got %d, want %d", resp.StatusCode, http.StatusUnauthorized)
				}
			})
		})
	}
}
