package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// browser is an HTTP client that keeps cookies by hand: the session cookie
// is Secure, and Go's cookie jar does not send those over plain HTTP to
// the test server (Chromium does, to 127.0.0.1).
type browser struct {
	t       testing.TB
	base    string
	cookies map[string]*http.Cookie
}

func newBrowser(t testing.TB, base string) *browser {
	return &browser{t: t, base: base, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in:\n%s", page)
	}
	return m[1]
}

// login signs in through the login page and returns the CSRF token of the
// page it lands on.
func (b *browser) login(name, password string) string {
	b.t.Helper()
	_, page := b.do(http.MethodGet, "/login", nil, nil)
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"csrf": {csrfOf(b.t, page)}, "name": {name}, "password": {password}, "next": {"/"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d", name, resp.StatusCode)
	}
	resp, _ = b.do(http.MethodGet, "/", nil, nil)
	resp, page = b.do(http.MethodGet, resp.Header.Get("Location"), nil, nil)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("home of %s: %d %s", name, resp.StatusCode, page)
	}
	return csrfOf(b.t, page)
}

func (a app) user(t testing.TB, name string, role review.Role, province, password string) {
	t.Helper()
	if _, _, err := a.svc.CreateUser(context.Background(), review.NewUser{Name: name, Role: role, Province: province, Password: password}); err != nil {
		t.Fatal(err)
	}
}

func TestPages(t *testing.T) {
	st := stacks()[0] // sqlite+disk; the pages sit on the service both stacks pass
	a := setup(t, st, web.Config{})
	observer := a.token(t, "gözlemci", review.Observer, "")
	a.user(t, "avukat", review.Lawyer, "İzmir", "doğru parola")
	a.user(t, "avukat-ankara", review.Lawyer, "Ankara", "ankara parola")
	a.user(t, "hukuk", review.Legal, "", "hukuk parola")

	s := drawnSample(t)
	typed, _ := json.Marshal(map[string]any{"counts": s.typed})
	var up struct{ ID string }
	a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")}, {name: "il", data: []byte("İzmir")},
		{name: "ilce", data: []byte("Gaziemir")}, {name: "sandik_no", data: []byte("12")}, {name: "typed", data: typed},
		{name: "image", filename: s.name, data: s.data}}, &up)
	a.waitVerdict(t, observer, up.ID)

	t.Run("LoginCookies", func(t *testing.T) {
		b := newBrowser(t, a.url)
		resp, page := b.do(http.MethodGet, "/login", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Giriş") || !strings.Contains(page, `lang="tr"`) {
			t.Fatalf("login page: %d", resp.StatusCode)
		}
		csrf := csrfOf(t, page)
		cases := []struct {
			name   string
			form   url.Values
			status int
		}{
			{"no CSRF token", url.Values{"name": {"avukat"}, "password": {"doğru parola"}}, http.StatusForbidden},
			{"wrong password", url.Values{"csrf": {csrf}, "name": {"avukat"}, "password": {"yanlış"}}, http.StatusUnauthorized},
			{"no such user", url.Values{"csrf": {csrf}, "name": {"kimse"}, "password": {"x"}}, http.StatusUnauthorized},
			{"right password", url.Values{"csrf": {csrf}, "name": {"avukat"}, "password": {"doğru parola"}, "next": {"/review"}}, http.StatusSeeOther},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp, _ := b.do(http.MethodPost, "/login", c.form, nil)
				if resp.StatusCode != c.status {
					t.Fatalf("%d, want %d", resp.StatusCode, c.status)
				}
			})
		}
		ck := b.cookies["tutanak_session"]
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
			t.Fatalf("session cookie %+v: want Secure, HttpOnly, SameSite=Strict", ck)
		}
		// The session opens the pages and the API's cookie path, never the
		// API as a Bearer token: there it would outlive the session.
		if resp := a.call(t, ck.Value, http.MethodGet, "/api/v1/me", nil, "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("session as a Bearer token: %d, want 401", resp.StatusCode)
		}
		resp, page = b.do(http.MethodGet, "/review", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "/review/"+up.ID) {
			t.Fatalf("queue: %d\n%s", resp.StatusCode, page)
		}
		// The default 48-hour window has just begun: the time left shows.
		if !strings.Contains(page, "İtiraz süresi") || !regexp.MustCompile(`<td class="left">4[67] sa \d+ dk</td>`).MatchString(page) {
			t.Fatalf("queue without the objection deadline:\n%s", page)
		}
		csrf = csrfOf(t, page)
		if resp, _ := b.do(http.MethodPost, "/logout", url.Values{"csrf": {csrf}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if resp, _ := b.do(http.MethodGet, "/review", nil, nil); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("after logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("LawyerDecidesThroughTheForm", func(t *testing.T) {
		b := newBrowser(t, a.url)
		b.login("avukat", "doğru parola")
		resp, page := b.do(http.MethodGet, "/review/"+up.ID, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("review screen: %d", resp.StatusCode)
		}
		for _, want := range []string{`/api/v1/sheets/` + up.ID + `/images/field/`, `value="confirm_typed"`, `value="accept_read"`,
			`value="correct"`, `value="object"`, "Girilen", "Okunan"} {
			if !strings.Contains(page, want) {
				t.Errorf("review screen lacks %q", want)
			}
		}
		csrf := csrfOf(t, page)
		d, err := a.svc.Decisions(context.Background(), review.User{Role: review.Admin}, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		field := d.Undecided[0]
		if resp, _ := b.do(http.MethodPost, "/review/"+up.ID+"/decisions", url.Values{"field": {field}, "kind": {"object"}, "note": {"x"}}, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("decision without CSRF token: %d", resp.StatusCode)
		}
		resp, page = b.do(http.MethodPost, "/review/"+up.ID+"/decisions", url.Values{"csrf": {csrf}, "field": {field}, "kind": {"object"}}, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "not gerekli") {
			t.Fatalf("objection without note: %d", resp.StatusCode)
		}
		resp, _ = b.do(http.MethodPost, "/review/"+up.ID+"/decisions", url.Values{"csrf": {csrf}, "field": {field}, "kind": {"correct"},
			"value": {"85"}, "note": {"fotoğrafta 85"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("decision: %d", resp.StatusCode)
		}
		d, _ = a.svc.Decisions(context.Background(), review.User{Role: review.Admin}, up.ID)
		if d.Accepted[field] != 85 {
			t.Fatalf("accepted = %v", d.Accepted)
		}
		resp, page = b.do(http.MethodGet, "/sheets/"+up.ID, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "fotoğrafta 85") || !strings.Contains(page, "inceleme kararı") ||
			!strings.Contains(page, "/evidence.zip") {
			t.Fatalf("sheet detail: %d", resp.StatusCode)
		}
		// The API answers the session too, but its unsafe calls need the token.
		if resp, _ := b.do(http.MethodGet, "/api/v1/me", nil, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("API with the session: %d", resp.StatusCode)
		}
		body := url.Values{"field": {field}, "kind": {"object"}, "note": {"x"}}
		if resp, _ := b.do(http.MethodPost, "/api/v1/sheets/"+up.ID+"/decisions", body, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("API decision with the session and no CSRF token: %d", resp.StatusCode)
		}
	})

	t.Run("OtherProvinceDenied", func(t *testing.T) {
		b := newBrowser(t, a.url)
		b.login("avukat-ankara", "ankara parola")
		for _, p := range []string{"/review/" + up.ID, "/sheets/" + up.ID, "/api/v1/sheets/" + up.ID + "/evidence.zip"} {
			resp, page := b.do(http.MethodGet, p, nil, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, resp.StatusCode)
			}
			if !strings.HasPrefix(p, "/api/") && !strings.Contains(page, "Bulunamadı") {
				t.Errorf("%s: no safe error page:\n%s", p, page)
			}
		}
		if _, page := b.do(http.MethodGet, "/review", nil, nil); strings.Contains(page, up.ID) {
			t.Errorf("Ankara's queue lists İzmir's sheet")
		}
	})

	t.Run("IncompleteBoxSaysSo", func(t *testing.T) {
		// A photo filed under no box, whose header names none either (the
		// drawn sample has none), counts in no total: the page says so.
		partial := drawnSample(t)
		partial.data = append(append([]byte(nil), partial.data...), "a second photo"...)
		var other struct{ ID string }
		a.upload(t, observer, []part{{name: "form", data: []byte("cb-2023")},
			{name: "image", filename: partial.name, data: partial.data}}, &other)
		a.waitVerdict(t, observer, other.ID)
		b := newBrowser(t, a.url)
		b.login("hukuk", "hukuk parola")
		const warning = "Sandık kimliği eksik"
		for _, c := range []struct {
			name, id, title string
			warned          bool
		}{
			{"whole box", up.ID, "İZMİR / GAZİEMİR / Sandık 12", false},
			{"no box", other.ID, "? / ? / Sandık ?", true},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, page := b.do(http.MethodGet, "/sheets/"+c.id, nil, nil)
				if resp.StatusCode != http.StatusOK || !strings.Contains(page, c.title) {
					t.Fatalf("sheet page: %d, want title %q\n%s", resp.StatusCode, c.title, page)
				}
				if got := strings.Contains(page, warning); got != c.warned {
					t.Errorf("incomplete-box warning shown: %v, want %v", got, c.warned)
				}
			})
		}
	})

	t.Run("LegalHoldAndEnglish", func(t *testing.T) {
		b := newBrowser(t, a.url)
		b.login("hukuk", "hukuk parola")
		resp, _ := b.do(http.MethodGet, "/lang/en", nil, map[string]string{"Referer": a.url + "/legal"})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/legal" {
			t.Fatalf("language switch: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, page := b.do(http.MethodGet, "/legal?il=izmir&sandik_no=12", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Legal: find sheets") || !strings.Contains(page, "/sheets/"+up.ID) {
			t.Fatalf("legal search: %d\n%s", resp.StatusCode, page)
		}
		if _, page := b.do(http.MethodGet, "/legal?il=ankara", nil, nil); strings.Contains(page, up.ID) {
			t.Fatalf("search for Ankara lists İzmir's sheet")
		}
		resp, _ = b.do(http.MethodPost, "/legal/"+up.ID+"/hold", url.Values{"csrf": {csrfOf(t, page)}, "on": {"1"}}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("legal hold: %d", resp.StatusCode)
		}
		v, err := a.svc.Sheet(context.Background(), review.User{Role: review.Admin}, up.ID)
		if err != nil || !v.LegalHold {
			t.Fatalf("legal hold not set: %v", err)
		}
	})

	t.Run("StaticHashed", func(t *testing.T) {
		b := newBrowser(t, a.url)
		_, page := b.do(http.MethodGet, "/login", nil, nil)
		m := regexp.MustCompile(`src="(/static/[0-9a-f]+/vendor/htmx.min.js)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no hashed htmx URL in the page")
		}
		resp, body := b.do(http.MethodGet, m[1], nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "htmx") {
			t.Fatalf("htmx: %d %v", resp.StatusCode, resp.Header)
		}
		if resp, _ := b.do(http.MethodGet, "/static/000000000000/vendor/htmx.min.js", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("stale hash: %d", resp.StatusCode)
		}
	})

	t.Run("CaptureAndEntryPages", func(t *testing.T) {
		a.user(t, "veri", review.Entry, "", "veri parola")
		b := newBrowser(t, a.url)
		b.login("veri", "veri parola")
		_, page := b.do(http.MethodGet, "/capture", nil, nil)
		if !strings.Contains(page, `accept="image/*" capture="environment"`) {
			t.Errorf("capture page has no camera input")
		}
		_, page = b.do(http.MethodGet, "/entry", nil, nil)
		if !strings.Contains(page, `id="form-rules"`) || !strings.Contains(page, `"op":"=="`) {
			t.Errorf("entry page has no rules:\n%s", page)
		}

		// Each page only for those who may send what it sends: a form
		// that every press of its button refuses is no page to show.
		a.user(t, "gözlemci-sayfa", review.Observer, "", "gözlemci parola")
		a.user(t, "avukat-sayfa", review.Lawyer, "", "avukat parola")
		cases := []struct {
			name, password string
			capture, entry int
		}{
			{"gözlemci-sayfa", "gözlemci parola", http.StatusOK, http.StatusForbidden},
			{"avukat-sayfa", "avukat parola", http.StatusForbidden, http.StatusForbidden},
			{"veri", "veri parola", http.StatusOK, http.StatusOK},
		}
		for _, c := range cases {
			b := newBrowser(t, a.url)
			b.login(c.name, c.password)
			for path, want := range map[string]int{"/capture": c.capture, "/entry": c.entry} {
				if resp, _ := b.do(http.MethodGet, path, nil, nil); resp.StatusCode != want {
					t.Errorf("%s: GET %s: %d, want %d", c.name, path, resp.StatusCode, want)
				}
			}
		}
	})
}

// TestPagesLoginParallel sends many wrong passwords for one name at once:
// the limiter counts each try before its password is checked, so only the
// free tries (and one more per wait that has passed) are checked; the rest
// are refused with Retry-After.
func TestPagesLoginParallel(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{})
	a.user(t, "avukat", review.Lawyer, "", "doğru parola")
	b := newBrowser(t, a.url)
	_, page := b.do(http.MethodGet, "/login", nil, nil)
	csrf, cookie := csrfOf(t, page), b.cookies["tutanak_login_csrf"]
	const guesses = 20
	codes := make(chan *http.Response, guesses)
	start := make(chan struct{})
	began := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < guesses; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"csrf": {csrf}, "name": {"avukat"}, "password": {fmt.Sprintf("tahmin %d", i)}}
			req, err := http.NewRequest(http.MethodPost, a.url+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp
		}()
	}
	close(start)
	wg.Wait()
	close(codes)
	elapsed := time.Since(began)
	// Beyond the free tries, the k-th check needs the waits before it,
	// 1 s, 2 s, 4 s …, to have passed.
	allowed := 3 + 1
	for w, sum := time.Second, time.Second; sum <= elapsed; w, sum = 2*w, sum+2*w {
		allowed++
	}
	checked := 0
	for resp := range codes {
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		default:
			t.Errorf("guess answered %d", resp.StatusCode)
		}
	}
	if checked > allowed {
		t.Fatalf("%d of %d parallel guesses checked in %v, want at most %d", checked, guesses, elapsed, allowed)
	}
}
