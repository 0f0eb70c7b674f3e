package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/review"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Cookie names.
const (
	sessionCookie = "tutanak_session"
	loginCSRF     = "tutanak_login_csrf"
	langCookie    = "tutanak_lang"
)

// DefaultSessionTTL is how long a browser session lasts: one election night.
const DefaultSessionTTL = 16 * time.Hour

// pages is the server-rendered web app: templates parsed once from the
// binary, static files under content-hashed URLs.
type pages struct {
	svc       *review.Service
	ttl       time.Duration
	templates map[string]*template.Template
	// static maps a file name under static/ to its URL with a content hash.
	static map[string]string
	// byHash maps "HASH/NAME" to the file's bytes.
	byHash  map[string][]byte
	limiter *loginLimiter
	// checks bounds the password checks running at once.
	checks *passwordGate
}

func newPages(svc *review.Service, ttl time.Duration) (*pages, error) {
	p := &pages{svc: svc, ttl: ttl, templates: map[string]*template.Template{}, static: map[string]string{},
		byHash: map[string][]byte{}, limiter: newLoginLimiter(), checks: newPasswordGate(maxPasswordChecks, passwordCheckWait)}
	err := fs.WalkDir(staticFiles, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFiles.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel := strings.TrimPrefix(name, "static/")
		h := hex.EncodeToString(sum[:6])
		p.static[rel] = "/static/" + h + "/" + rel
		p.byHash[h+"/"+rel] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	funcs := template.FuncMap{
		"t":      inLang,
		"static": func(name string) string { return p.static[name] },
		"num": func(v *int) string {
			if v == nil {
				return "—"
			}
			return strconv.Itoa(*v)
		},
		"pct":  func(x float64) string { return fmt.Sprintf("%.0f", x*100) },
		"time": func(t time.Time) string { return t.In(review.TurkeyTime).Format("2006-01-02 15:04:05") + " UTC+3" },
		"left": timeLeft,
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
		"reason": func(lang string, r review.Reason) string {
			return inLang(lang, r.TR, r.EN)
		},
		"label": func(lang string, code any) string {
			c := fmt.Sprint(code) // strings and string kinds alike
			tr, en, ok := review.CodeWords(c)
			if !ok {
				return c
			}
			return inLang(lang, tr, en)
		},
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", base, err)
		}
		p.templates[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
}

// pageRoutes registers the web app.
func (s *Server) pageRoutes(e *echo.Echo) {
	p := s.pages
	e.GET("/static/:hash/*", p.serveStatic)
	e.GET("/sw.js", p.serveServiceWorker)
	e.GET("/login", s.showLogin)
	e.POST("/login", s.submitLogin)
	e.GET("/lang/:lang", s.switchLanguage)
	// Middleware per route, not on a group: a group at "" would also catch
	// every unknown path (a browser's /favicon.ico) and send it to login.
	in := s.sessionOnly
	e.POST("/logout", s.submitLogout, in)
	e.GET("/", s.showHome, in)
	e.GET("/capture", s.showCapture, in)
	e.GET("/entry", s.showEntry, in)
	e.GET("/review", s.showReviewQueue, in)
	e.GET("/review/:id", s.showReview, in)
	e.POST("/review/:id/decisions", s.submitDecisionForm, in)
	e.GET("/sheets/:id", s.showSheet, in)
	e.GET("/legal", s.showLegal, in)
	e.GET("/discrepancies", s.showDiscrepancies, in)
	e.GET("/results", s.showResultsPage, in)
	e.GET("/results/:il", s.showResultsPage, in)
	e.GET("/results/:il/:ilce", s.showResultsPage, in)
	e.GET("/official", s.showOfficial, in)
	e.POST("/legal/:id/hold", s.submitLegalHold, in)
	e.POST("/sheets/:id/box", s.submitBox, in)
}

// pageData is what every page template gets.
type pageData struct {
	Lang  string
	User  review.User
	CSRF  string
	Path  string
	Title string
	Data  any
}

func lang(c echo.Context) string {
	if ck, err := c.Cookie(langCookie); err == nil && ck.Value == "en" {
		return "en"
	}
	return "tr"
}

// inLang is tr, or en on an English page.
func inLang(lang, tr, en string) string {
	if lang == "en" {
		return en
	}
	return tr
}

// csrfFor binds a form token to the session: knowing it needs the cookie.
func csrfFor(session string) string {
	sum := sha256.Sum256([]byte("tutanak-csrf\x00" + session))
	return hex.EncodeToString(sum[:16])
}

func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	t, ok := s.pages.templates[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	pd := pageData{Lang: lang(c), Path: c.Request().URL.Path, Title: title, Data: data}
	if u, ok := c.Get(userKey).(review.User); ok {
		pd.User = u
	}
	if tok, ok := c.Get(sessionKey).(string); ok {
		pd.CSRF = csrfFor(tok)
	}
	if v, ok := c.Get("login_csrf").(string); ok {
		pd.CSRF = v
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (p *pages) serveStatic(c echo.Context) error {
	data, ok := p.byHash[c.Param("hash")+"/"+c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	ctype := "application/octet-stream"
	switch path.Ext(c.Param("*")) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, ctype, data)
}

// serveServiceWorker serves the service worker at the root, the only
// place its scope covers the capture page; its URL cannot carry a hash,
// so browsers must check it every time.
func (p *pages) serveServiceWorker(c echo.Context) error {
	data, err := staticFiles.ReadFile("static/sw.js")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", data)
}

const sessionKey = "session"

// sessionOnly admits requests with a live session cookie, checks the CSRF
// token of every unsafe one, and sends others to the login page.
func (s *Server) sessionOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		u, err := s.svc.AuthenticateSession(c.Request().Context(), ck.Value, s.pages.ttl)
		if errors.Is(err, review.ErrUnauthenticated) {
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if err != nil {
			return err
		}
		if err := checkCSRF(c, ck.Value); err != nil {
			return err
		}
		c.Set(userKey, u)
		c.Set(sessionKey, ck.Value)
		return next(c)
	}
}

var errCSRF = &Error{Status: http.StatusForbidden, Code: "csrf", TR: "Oturum doğrulanamadı; sayfayı yenileyip yeniden deneyin.",
	EN: "The form could not be verified; reload the page and try again."}

// checkCSRF requires the session's form token on unsafe methods, from the
// form field or the X-CSRF-Token header (fetch from the pages).
func checkCSRF(c echo.Context, session string) error {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := c.Request().Header.Get("X-CSRF-Token")
	if got == "" && strings.HasPrefix(c.Request().Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = c.FormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfFor(session))) != 1 {
		return errCSRF
	}
	return nil
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// safeNext keeps redirects after login on this site: it lets through only
// a clean absolute path (with its query), and sends anything else to "/".
// Browsers drop tabs and newlines from a URL and read "\\" as "/", so
// "/\t/evil.example" would leave the site: no control character, space or
// backslash may appear and the second character may not be a slash; once
// percent-decoded, for whatever decodes it on the way, it must still start
// with a single slash and hold no control character.
func safeNext(next string) string {
	dec, err := url.PathUnescape(next)
	if err != nil || !cleanPath(next, true) || !cleanPath(dec, false) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

// cleanPath reports whether p starts with a single slash and holds no
// control character nor invalid UTF-8; strict also refuses any space or
// backslash.
func cleanPath(p string, strict bool) bool {
	if len(p) == 0 || p[0] != '/' || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for _, r := range p {
		if r == utf8.RuneError || unicode.IsControl(r) || strict && (r == '\\' || unicode.IsSpace(r)) {
			return false
		}
	}
	return true
}

func (s *Server) showLogin(c echo.Context) error {
	// One token per browser, kept across reloads and other tabs.
	var v string
	if ck, err := c.Cookie(loginCSRF); err == nil && len(ck.Value) == 32 {
		v = ck.Value
	} else {
		tok := make([]byte, 16)
		_, _ = rand.Read(tok)
		v = hex.EncodeToString(tok)
	}
	s.setCookie(c, loginCSRF, v, time.Hour)
	c.Set("login_csrf", v)
	return s.render(c, http.StatusOK, "login", "Giriş / Login", map[string]string{"Next": safeNext(c.QueryParam("next"))})
}

func (s *Server) submitLogin(c echo.Context) error {
	ck, err := c.Cookie(loginCSRF)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.FormValue("csrf"))) != 1 {
		return errCSRF
	}
	name := strings.TrimSpace(c.FormValue("name"))
	key := c.RealIP() + "|" + strings.ToLower(name)
	// The attempt is counted before the password is checked, so guesses
	// sent at once cannot all slip in before the first failure is known.
	if wait := s.pages.limiter.begin(key); wait > 0 {
		secs := int(wait.Seconds()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return &Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts",
			TR: fmt.Sprintf("Çok fazla hatalı deneme; %d saniye sonra yeniden deneyin.", secs),
			EN: fmt.Sprintf("Too many failed attempts; try again in %d seconds.", secs)}
	}
	ctx := c.Request().Context()
	if !s.pages.checks.enter(ctx) {
		s.pages.limiter.cancel(key)
		return errLoginBusy // a 503, with Retry-After
	}
	_, token, err := s.svc.Login(ctx, name, c.FormValue("password"))
	s.pages.checks.leave()
	if errors.Is(err, review.ErrUnauthenticated) {
		s.pages.limiter.fail(key)
		c.Set("login_csrf", ck.Value)
		return s.render(c, http.StatusUnauthorized, "login", "Giriş / Login", map[string]string{
			"Next": safeNext(c.FormValue("next")), "Error": "bad"})
	}
	if err != nil {
		s.pages.limiter.cancel(key)
		return err
	}
	s.pages.limiter.succeed(key)
	// Logins are rare enough to sweep on, and a failed sweep costs nothing
	// but rows: expired sessions open nothing.
	if _, err := s.svc.SweepSessions(ctx, s.pages.ttl); err != nil {
		s.log.WarnContext(ctx, "sweep expired sessions", "err", err)
	}
	s.setCookie(c, sessionCookie, token, s.pages.ttl)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

func (s *Server) submitLogout(c echo.Context) error {
	if err := s.svc.Logout(c.Request().Context(), c.Get(sessionKey).(string)); err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, "", -time.Second)
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) switchLanguage(c echo.Context) error {
	l := "tr"
	if c.Param("lang") == "en" {
		l = "en"
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	back := "/"
	if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host {
		back = safeNext(ref.RequestURI())
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// showHome sends each role to the page it works on.
func (s *Server) showHome(c echo.Context) error {
	to := map[review.Role]string{review.Observer: "/capture", review.Entry: "/entry", review.Lawyer: "/review",
		review.Legal: "/legal", review.Admin: "/review"}[currentUser(c).Role]
	if to == "" {
		to = "/login"
	}
	return c.Redirect(http.StatusSeeOther, to)
}

func (s *Server) showCapture(c echo.Context) error {
	u := currentUser(c)
	if !u.CanUpload() {
		return review.ErrForbidden
	}
	// What this account sent lately, with its verdicts: a reload, or the
	// phone closing the tab, must not lose a RETAKE the observer has not
	// seen yet.
	sent, err := s.svc.Sheets(c.Request().Context(), u, review.SheetQuery{Mine: true, Limit: sentShown})
	if err != nil {
		return err
	}
	// StallMS: the page gives an upload up after as long without progress
	// as the server does (--upload-idle-timeout), and sends it again.
	return s.render(c, http.StatusOK, "capture", "Fotoğraf / Capture", map[string]any{"Forms": ocr.FormIDs(), "Places": ocr.Places(),
		"StallMS": s.cfg.IdleReadTimeout.Milliseconds(), "Sent": sent})
}

// sentShown is how many of an uploader's sheets the capture page lists:
// one polling station's photos, two sheets a box, and then some.
const sentShown = 30

// entryRule is a form rule as the page's checker reads it.
type entryRule struct {
	Text  string     `json:"text"`
	Terms []ocr.Term `json:"terms"`
	Const int        `json:"const"`
	Op    ocr.Op     `json:"op"`
}

func (s *Server) showEntry(c echo.Context) error {
	if !currentUser(c).CanTypeBoxes() {
		return review.ErrForbidden
	}
	form, err := s.svc.Form(review.DefaultForm)
	if err != nil {
		return err
	}
	rules := make([]entryRule, len(form.Rules))
	for i, r := range form.Rules {
		// The typist reads the fields by the labels above the boxes they type in.
		rules[i] = entryRule{Text: r.Words(form.Label), Terms: r.Terms, Const: r.Const, Op: r.Op}
	}
	return s.render(c, http.StatusOK, "entry", "Veri girişi / Data entry", map[string]any{"Form": form, "Rules": rules, "Places": ocr.Places()})
}

// showDiscrepancies is the legal team's list of official figures that
// differ from the accepted ones.
func (s *Server) showDiscrepancies(c echo.Context) error {
	d, err := s.svc.Discrepancies(c.Request().Context(), currentUser(c), "")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "discrepancies", "Tutarsızlıklar / Discrepancies", d)
}

// fieldLabels are the printed labels of form's fields ids.
func fieldLabels(form *ocr.Form, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = form.Label(id)
	}
	return out
}

// photoLink names one sheet of a box by its place among the box's photos,
// oldest first, the same on the queue and on every review screen.
type photoLink struct {
	N  int
	ID string
}

func photoLinks(b review.BoxResult) []photoLink {
	out := make([]photoLink, len(b.SheetIDs))
	for i, id := range b.SheetIDs {
		out[i] = photoLink{N: i + 1, ID: id}
	}
	return out
}

// conflictBox is a box on the queue whose accepted photos disagree.
type conflictBox struct {
	Box review.BoxResult
	// Fields are the labels of the fields the photos disagree on.
	Fields []string
	Photos []photoLink
}

func (s *Server) showReviewQueue(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	list, err := s.svc.ReviewQueue(ctx, u, 200)
	if err != nil {
		return err
	}
	// A box whose photos were each accepted but disagree has no flagged
	// sheet, yet counts in no total until a lawyer decides: it waits here
	// as much as the flagged sheets do.
	var conflicts []conflictBox
	for _, id := range ocr.FormIDs() {
		form, err := s.svc.Form(id)
		if err != nil {
			return err
		}
		boxes, err := s.svc.Conflicts(ctx, u, id)
		if err != nil {
			return err
		}
		for _, b := range boxes {
			conflicts = append(conflicts, conflictBox{Box: b, Fields: fieldLabels(form, b.ConflictFields), Photos: photoLinks(b)})
		}
	}
	return s.render(c, http.StatusOK, "queue", "İnceleme kuyruğu / Review queue", map[string]any{"Sheets": list, "Conflicts": conflicts})
}

// reviewField is one field on the review screen.
type reviewField struct {
	ID, Label string
	Field     review.FieldView
	Flagged   bool
	Decided   *review.Decision
	Reasons   []review.Reason
	// Version is that of the field's latest decision, 0 for none: with the
	// figures shown, what the decision form says its decision was made on.
	Version int
	// Others are the figures the box's other accepted photos have for the
	// field when the photos disagree on it; empty otherwise.
	Others []otherFigure
}

// otherFigure is the figure another photo of the box has for a field.
type otherFigure struct {
	Photo photoLink
	Value *int
}

func (s *Server) showReview(c echo.Context) error { return s.renderReview(c, http.StatusOK, "") }

// renderReview shows the review screen, with the problem of a refused
// decision when there is one.
func (s *Server) renderReview(c echo.Context, status int, problem string) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	v, err := s.svc.Sheet(ctx, u, c.Param("id"))
	if err != nil {
		return err
	}
	d, err := s.svc.Decisions(ctx, u, v.ID)
	if err != nil {
		return err
	}
	form, err := s.svc.Form(v.Form)
	if err != nil {
		return err
	}
	flagged := map[string]bool{}
	for _, f := range d.Flagged {
		flagged[f] = true
	}
	// A verified sheet whose box is in conflict has nothing flagged, yet a
	// decision on it is what brings its box into the totals: its
	// conflicting fields get forms, beside the other photos' figures.
	var box review.BoxResult
	others := map[string][]otherFigure{}
	if u.Role != review.Observer {
		b, ok, err := s.svc.SheetBox(ctx, u, v.ID)
		if err != nil {
			return err
		}
		if ok && b.State == review.BoxConflict {
			box = b
			others = conflictFigures(b, v.ID)
		}
	}
	var fields []reviewField
	for _, f := range form.Fields {
		rf := reviewField{ID: f.ID, Label: f.Label, Field: v.Fields[f.ID], Flagged: flagged[f.ID], Others: others[f.ID]}
		for i := range d.Decisions {
			dec := d.Decisions[i]
			if dec.Field != f.ID {
				continue
			}
			rf.Version = dec.Version
			if dec.Current {
				rf.Decided = &d.Decisions[i]
			}
		}
		for _, r := range v.Reasons {
			if r.Field == f.ID {
				rf.Reasons = append(rf.Reasons, r)
			}
		}
		// A field decided on though no longer flagged (an objection stands
		// after retyping) is shown too, so that its decision can be replaced.
		if rf.Flagged || rf.Decided != nil || len(rf.Others) > 0 {
			fields = append(fields, rf)
		}
	}
	var rules []review.Reason
	for _, r := range v.Reasons {
		if r.Field == "" {
			rules = append(rules, r)
		}
	}
	var conflict []photoLink
	if box.State == review.BoxConflict {
		conflict = photoLinks(box)
	}
	return s.render(c, status, "review", "İnceleme / Review", map[string]any{
		"Sheet": v, "Decisions": d, "Fields": fields, "RuleReasons": rules, "Error": problem, "Conflict": conflict})
}

// conflictFigures returns, for each field the accepted photos of a box in
// conflict disagree on, the figures the photos other than sheet id have.
// It is empty when id is not one of the accepted photos: a decision on
// it would change nothing the totals count.
func conflictFigures(b review.BoxResult, id string) map[string][]otherFigure {
	out := map[string][]otherFigure{}
	if !slices.ContainsFunc(b.Accepted, func(a review.AcceptedSheet) bool { return a.SheetID == id }) {
		return out
	}
	n := map[string]int{}
	for _, p := range photoLinks(b) {
		n[p.ID] = p.N
	}
	for _, f := range b.ConflictFields {
		for _, a := range b.Accepted {
			if a.SheetID == id {
				continue
			}
			of := otherFigure{Photo: photoLink{N: n[a.SheetID], ID: a.SheetID}}
			if v, ok := a.Figures[f]; ok {
				of.Value = &v
			}
			out[f] = append(out[f], of)
		}
	}
	return out
}

func (s *Server) submitDecisionForm(c echo.Context) error {
	in := review.DecisionInput{Field: c.FormValue("field"), Kind: review.DecisionKind(c.FormValue("kind")), Note: c.FormValue("note")}
	// A figure sent with any decision but a correction is refused by Decide,
	// never dropped: the lawyer meant something by it.
	if v := strings.TrimSpace(c.FormValue("value")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &Error{Status: http.StatusBadRequest, Code: "bad_count", TR: "Geçerli bir sayı girin.", EN: "Enter a valid number."}
		}
		in.Value = &n
	}
	seen, err := seenOf(c)
	if err != nil {
		return err
	}
	in.Seen = seen
	d, err := s.svc.Decide(c.Request().Context(), currentUser(c), c.Param("id"), in)
	var ie *review.InputError
	if errors.As(err, &ie) {
		return s.renderReview(c, http.StatusBadRequest, inLang(lang(c), ie.TR, ie.EN))
	}
	var ce *review.ConflictError
	if errors.As(err, &ce) {
		// The screen shows the field as it is now, with why nothing was recorded.
		return s.renderReview(c, http.StatusConflict, inLang(lang(c), ce.TR, ce.EN))
	}
	if err != nil {
		return err
	}
	if d.ReviewState == review.ReviewResolved {
		// A box still in conflict (another field, or the other photo still
		// disagrees) keeps the lawyer on the screen that shows what is left.
		// The decision is recorded: should the box not be judged now, the
		// screen it goes back to says why.
		b, ok, err := s.svc.SheetBox(c.Request().Context(), currentUser(c), c.Param("id"))
		if err == nil && (!ok || b.State != review.BoxConflict) {
			return c.Redirect(http.StatusSeeOther, "/review")
		}
	}
	return c.Redirect(http.StatusSeeOther, "/review/"+c.Param("id"))
}

// seenOf reads what the review screen showed of the decided field, from
// the decision form's hidden inputs; nil when the form sent none.
func seenOf(c echo.Context) (*review.Seen, error) {
	version := c.FormValue("seen_version")
	if version == "" {
		return nil, nil
	}
	bad := &Error{Status: http.StatusBadRequest, Code: "bad_request", TR: "Geçersiz istek.", EN: "Bad request."}
	var seen review.Seen
	var err error
	if seen.Version, err = strconv.Atoi(version); err != nil {
		return nil, bad
	}
	for _, p := range []struct {
		name string
		dst  **int
	}{{"seen_typed", &seen.Typed}, {"seen_read", &seen.Read}} {
		if v := c.FormValue(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, bad
			}
			*p.dst = &n
		}
	}
	return &seen, nil
}

func (s *Server) showSheet(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := s.svc.Sheet(ctx, currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	d, err := s.svc.Decisions(ctx, currentUser(c), v.ID)
	if err != nil {
		return err
	}
	form, err := s.svc.Form(v.Form)
	if err != nil {
		return err
	}
	// The form gives the figures' order and printed labels, as the sheet has them.
	return s.render(c, http.StatusOK, "sheet", "Tutanak / Sheet", map[string]any{"Sheet": v, "Decisions": d, "Form": form})
}

func (s *Server) showLegal(c echo.Context) error {
	q := review.SheetQuery{Box: review.Box{Il: c.QueryParam("il"), Ilce: c.QueryParam("ilce"), SandikNo: c.QueryParam("sandik_no")},
		Status: c.QueryParam("status"), Limit: 200}
	ctx := c.Request().Context()
	u := currentUser(c)
	list, err := s.svc.Sheets(ctx, u, q)
	if err != nil {
		return err
	}
	// What the legal team must file first: the sheets a lawyer objected to,
	// soonest deadline first, above the search. In the search, a sheet with
	// a standing objection reads "objection", not "resolved".
	var objections []legalObjection
	objected := map[string]bool{}
	if u.CanSeeObjections() {
		list, err := s.svc.Objections(ctx, u)
		if err != nil {
			return err
		}
		for _, o := range list {
			objected[o.Sheet.ID] = true
			lo := legalObjection{Objection: o}
			if form, err := s.svc.Form(o.Sheet.Form); err == nil {
				lo.Labels = fieldLabels(form, o.Fields)
			}
			objections = append(objections, lo)
		}
	}
	return s.render(c, http.StatusOK, "legal", "Hukuk / Legal", map[string]any{"Sheets": list, "Query": q,
		"Objections": objections, "Objected": objected,
		"Statuses": []string{string(review.Verified), string(review.Flagged), string(review.Unreadable), review.StatusQueued}})
}

// legalObjection is a standing objection on the legal page, its fields by
// their labels.
type legalObjection struct {
	review.Objection
	Labels []string
}

func (s *Server) submitLegalHold(c echo.Context) error {
	on := c.FormValue("on") == "1"
	if _, err := s.svc.SetLegalHold(c.Request().Context(), currentUser(c), c.Param("id"), on); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/sheets/"+c.Param("id"))
}

func (s *Server) submitBox(c echo.Context) error {
	box := review.Box{Il: c.FormValue("il"), Ilce: c.FormValue("ilce"), SandikNo: c.FormValue("sandik_no")}
	if _, err := s.svc.SetBox(c.Request().Context(), currentUser(c), c.Param("id"), review.BoxChange{Box: box, Note: c.FormValue("note")}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/sheets/"+c.Param("id"))
}

// loginLimiter slows password guessing per source address and account:
// each failure doubles the wait before the next try from that address for
// that name, up to maxLoginWait. Nothing is locked: the real user, from
// their own address, is never slowed by someone else's guesses, and a
// success clears the count.
//
// A try is counted when it begins (begin), before the slow password check:
// beyond the free tries only one check per key runs at a time, so guesses
// sent at once are refused rather than all checked. A count is forgotten
// loginForget after its last failure once its wait is over; when the
// table is full, only such forgotten entries make room, never a key that
// must still wait, and new keys are refused until there is room.
type loginLimiter struct {
	mu  sync.Mutex
	m   map[[32]byte]loginAttempts
	now func() time.Time
	// max is how many keys are tracked; maxLimiterTrack.
	max int
	// swept is when the full table was last searched for forgotten entries.
	swept time.Time
}

type loginAttempts struct {
	fails    int
	inFlight int       // tries begun and not yet reported
	until    time.Time // no try before this
	last     time.Time // the last failure
}

// Login limiter bounds.
const (
	maxLoginWait    = 5 * time.Minute
	freeLoginFails  = 3
	maxLimiterTrack = 100_000
	// loginForget is how long after its last failure a count is dropped
	// (once its wait is over): waiting it out gives a guesser fewer tries
	// than waiting out the doubled waits.
	loginForget = time.Hour
	// loginFullWait is what a new key waits while the table is full.
	loginFullWait = time.Minute
	// loginBusyWait is what a try waits while another try of its key,
	// beyond the free ones, is being checked.
	loginBusyWait = time.Second
)

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{m: map[[32]byte]loginAttempts{}, now: time.Now, max: maxLimiterTrack}
}

// forgotten reports whether an entry holds nothing worth keeping.
func (a loginAttempts) forgotten(now time.Time) bool {
	return a.inFlight == 0 && !now.Before(a.until) && now.Sub(a.last) >= loginForget
}

// begin reserves a password check for key. It returns zero when the check
// may go ahead, to be reported with fail, succeed or cancel; otherwise how
// long to wait before trying again.
func (l *loginLimiter) begin(key string) time.Duration {
	k := sha256.Sum256([]byte(key))
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	a, ok := l.m[k]
	if ok && a.forgotten(now) {
		a = loginAttempts{}
	}
	if !ok && len(l.m) >= l.max && !l.sweep(now) {
		return loginFullWait
	}
	if w := a.until.Sub(now); w > 0 {
		return w
	}
	if a.inFlight > 0 && a.fails+a.inFlight >= freeLoginFails {
		return loginBusyWait
	}
	a.inFlight++
	l.m[k] = a
	return 0
}

// sweep drops forgotten entries, at most once a second, and reports
// whether there is room for another key.
func (l *loginLimiter) sweep(now time.Time) bool {
	if now.Sub(l.swept) >= time.Second {
		l.swept = now
		for k, a := range l.m {
			if a.forgotten(now) {
				delete(l.m, k)
			}
		}
	}
	return len(l.m) < l.max
}

// fail reports a begun try whose password was wrong.
func (l *loginLimiter) fail(key string) {
	k := sha256.Sum256([]byte(key))
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	a := l.m[k]
	a.inFlight = max(a.inFlight-1, 0)
	a.fails++
	a.last = now
	if a.fails > freeLoginFails {
		d := time.Second << min(a.fails-freeLoginFails-1, 9)
		a.until = now.Add(min(d, maxLoginWait))
	}
	l.m[k] = a
}

// succeed reports a begun try whose password was right: the count is cleared.
func (l *loginLimiter) succeed(key string) {
	k := sha256.Sum256([]byte(key))
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, k)
}

// cancel reports a begun try that checked no password (the server was
// busy, or failed): it does not count.
func (l *loginLimiter) cancel(key string) {
	k := sha256.Sum256([]byte(key))
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.m[k]
	if !ok {
		return
	}
	a.inFlight = max(a.inFlight-1, 0)
	if a.inFlight == 0 && a.fails == 0 {
		delete(l.m, k)
		return
	}
	l.m[k] = a
}

// Bounds of the password checks running at once. Each argon2id check
// holds 19 MiB and a core for tens of milliseconds; a flood of logins must
// not take the memory and the cores the uploads need.
const (
	maxPasswordChecks = 4
	// passwordCheckWait is how long a login waits for a free check before
	// it is answered 503 with Retry-After.
	passwordCheckWait = 3 * time.Second
)

var errLoginBusy = &Error{Status: http.StatusServiceUnavailable, Code: "login_busy",
	TR: "Şu anda çok sayıda giriş deneniyor; birkaç saniye sonra yeniden deneyin.",
	EN: "Too many logins are being checked right now; try again in a few seconds."}

// passwordGate bounds the password checks running at once, server-wide.
type passwordGate struct {
	slots chan struct{}
	wait  time.Duration
}

func newPasswordGate(n int, wait time.Duration) *passwordGate {
	return &passwordGate{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a slot, waiting at most the gate's wait; false when none
// came free or ctx ended. A true enter is followed by leave.
func (g *passwordGate) enter(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (g *passwordGate) leave() { <-g.slots }

// timeLeft says how long until an objection deadline, in hours and
// minutes, as of rendering.
func timeLeft(lang string, deadline *time.Time) string {
	if deadline == nil {
		return "—"
	}
	d := time.Until(*deadline)
	if d <= 0 {
		return inLang(lang, "süre doldu", "expired")
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if lang == "en" {
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d sa %d dk", h, m)
}
