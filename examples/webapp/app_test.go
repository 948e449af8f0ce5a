package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seed3bbca6c1/scs"
)

// startApp serves the application on 127.0.0.1 with the default store, a
// SQLite file in a temporary folder.
func startApp(t *testing.T) (*httptest.Server, *app) {
	t.Helper()
	return startAppWith(t, storeConfig{kind: "sqlite3", dbPath: filepath.Join(t.TempDir(), "sessions.db")})
}

func startAppWith(t *testing.T, c storeConfig) (*httptest.Server, *app) {
	t.Helper()
	sm := scs.New()
	closeStore, err := openStore(sm, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	a := newApp(sm, demoUsers())
	srv := httptest.NewServer(a.routes())
	t.Cleanup(srv.Close)
	return srv, a
}

// visitor is one browser, as far as cookies go.
type visitor struct {
	t    *testing.T
	base string
	c    *http.Client
	ua   string // the User-Agent header, if set
}

func newVisitor(t *testing.T, base string) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: base, c: &http.Client{
		Jar: jar,
		// Stop at redirects, so that tests see where they point.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (v *visitor) do(method, path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, v.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if v.ua != "" {
		req.Header.Set("User-Agent", v.ua)
	}
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the CSRF token from the form on path.
func (v *visitor) csrf(path string) string {
	v.t.Helper()
	_, body := v.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		v.t.Fatalf("no CSRF token on %s:\n%s", path, body)
	}
	return m[1]
}

func (v *visitor) cookie() string {
	u, _ := url.Parse(v.base)
	for _, c := range v.c.Jar.Cookies(u) {
		if c.Name == "webapp_session" {
			return c.Value
		}
	}
	return ""
}

func (v *visitor) login(name, password string) {
	v.t.Helper()
	resp, _ := v.do("POST", "/login", url.Values{"csrf_token": {v.csrf("/login")}, "username": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		v.t.Fatalf("login as %s: %d to %q", name, resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginRenewsTheTokenAndPrivatePagesAreNotStored(t *testing.T) {
	srv, _ := startApp(t)
	v := newVisitor(t, srv.URL)
	v.csrf("/login")
	before := v.cookie()
	v.login("alice", "wonderland")
	if after := v.cookie(); after == "" || after == before {
		t.Errorf("session token %q after login, %q before: want a new one", after, before)
	}
	resp, body := v.do("GET", "/account", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Account of alice") {
		t.Fatalf("/account: %d\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Values("Cache-Control"); len(cc) == 0 || cc[0] != "no-store" {
		t.Errorf("/account Cache-Control %q, want no-store", cc)
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	srv, _ := startApp(t)
	v := newVisitor(t, srv.URL)
	resp, body := v.do("POST", "/login", url.Values{"csrf_token": {v.csrf("/login")}, "username": {"alice"}, "password": {"queen"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong password") {
		t.Errorf("%d\n%s", resp.StatusCode, body)
	}
	if resp, _ := v.do("GET", "/account", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("/account after a failed login: %d", resp.StatusCode)
	}
}

// TestPostWithoutTheCSRFTokenIsRefused sends the session cookie, as a
// same-site attacker or an old browser would, but not the token.
func TestPostWithoutTheCSRFTokenIsRefused(t *testing.T) {
	srv, _ := startApp(t)
	v := newVisitor(t, srv.URL)
	v.login("alice", "wonderland")
	for _, token := range []string{"", "forged"} {
		resp, _ := v.do("POST", "/account/note", url.Values{"csrf_token": {token}, "note": {"pwned"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("token %q: status %d, want 403", token, resp.StatusCode)
		}
	}
	if _, body := v.do("GET", "/account", nil); strings.Contains(body, "pwned") {
		t.Error("the forged note was saved")
	}
	resp, _ := v.do("POST", "/account/note", url.Values{"csrf_token": {v.csrf("/account")}, "note": {"mine"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("with the token: status %d", resp.StatusCode)
	}
	if _, body := v.do("GET", "/account", nil); !strings.Contains(body, `<span id="note">mine</span>`) {
		t.Errorf("note not saved:\n%s", body)
	}
}

func TestFlashShowsOnce(t *testing.T) {
	srv, _ := startApp(t)
	v := newVisitor(t, srv.URL)
	v.login("alice", "wonderland")
	if _, body := v.do("GET", "/account", nil); !strings.Contains(body, "Welcome back, alice!") {
		t.Errorf("no flash after login:\n%s", body)
	}
	if _, body := v.do("GET", "/account", nil); strings.Contains(body, "Welcome back") {
		t.Error("the flash showed twice")
	}
}

// TestLogoutEverywhereEndsTheUsersOtherSessionsOnly logs alice in on two
// devices and bob on one; alice's "log out everywhere" ends both of hers,
// through Iterate over a store of hashed tokens.
func TestLogoutEverywhereEndsTheUsersOtherSessionsOnly(t *testing.T) {
	srv, a := startApp(t)
	if !a.sessions.HashTokenInStore {
		t.Fatal("the example should hash tokens in the store")
	}
	laptop, phone, bob := newVisitor(t, srv.URL), newVisitor(t, srv.URL), newVisitor(t, srv.URL)
	laptop.login("alice", "wonderland")
	phone.login("alice", "wonderland")
	bob.login("bob", "builder")
	resp, _ := laptop.do("POST", "/logout-everywhere", url.Values{"csrf_token": {laptop.csrf("/account")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout-everywhere: %d", resp.StatusCode)
	}
	for name, v := range map[string]*visitor{"laptop": laptop, "phone": phone} {
		if resp, _ := v.do("GET", "/account", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("alice's %s still logged in: %d", name, resp.StatusCode)
		}
	}
	if resp, _ := bob.do("GET", "/account", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("bob was logged out too: %d", resp.StatusCode)
	}
}

// TestEveryPageSendsOneCacheControlLine walks the application's pages, as an
// anonymous visitor and logged in, through its HTTP handler and counts the
// Cache-Control header lines of each response: exactly one, no-store, also
// on the responses where the session manager writes the cookie and adds its
// own no-cache="Set-Cookie".
func TestEveryPageSendsOneCacheControlLine(t *testing.T) {
	srv, _ := startApp(t)
	v := newVisitor(t, srv.URL)
	check := func(what string, resp *http.Response) {
		t.Helper()
		if cc := resp.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
			t.Errorf("%s: Cache-Control lines %q, want exactly one, no-store (Set-Cookie: %q)", what, cc, resp.Header.Values("Set-Cookie"))
		}
	}
	get := func(path string) {
		t.Helper()
		resp, _ := v.do("GET", path, nil)
		check("GET "+path, resp)
	}
	post := func(path string, form url.Values) {
		t.Helper()
		resp, _ := v.do("POST", path, form)
		check("POST "+path, resp)
	}
	get("/")                            // anonymous, no session
	get("/account")                     // anonymous: a redirect that creates a session for its flash
	get("/login")                       // the flash popped, the CSRF token made: cookie written
	get("/login")                       // nothing changed
	post("/account/note", url.Values{}) // no CSRF token: forbidden
	post("/login", url.Values{"csrf_token": {v.csrf("/login")}, "username": {"alice"}, "password": {"wonderland"}})
	get("/account") // the welcome flash popped: cookie written
	get("/account") // nothing changed
	post("/account/note", url.Values{"csrf_token": {v.csrf("/account")}, "note": {"n"}})
	get("/nothing-here") // 404
	post("/logout", url.Values{"csrf_token": {v.csrf("/account")}})
	get("/")
	v.login("alice", "wonderland")
	post("/logout-everywhere", url.Values{"csrf_token": {v.csrf("/account")}})
}

// TestAPageViewThatChangesNothingWritesNoCookie checks IdleRefreshInterval:
// with IdleTimeout alone, every request would save the session and send a
// new cookie to push the idle deadline on.
func TestAPageViewThatChangesNothingWritesNoCookie(t *testing.T) {
	srv, a := startApp(t)
	if a.sessions.IdleTimeout == 0 || a.sessions.IdleRefreshInterval == 0 || a.sessions.IdleRefreshInterval > a.sessions.IdleTimeout/5 {
		t.Fatalf("IdleTimeout %v, IdleRefreshInterval %v: want an interval of about a tenth of the timeout", a.sessions.IdleTimeout, a.sessions.IdleRefreshInterval)
	}
	v := newVisitor(t, srv.URL)
	v.login("alice", "wonderland")
	v.do("GET", "/account", nil) // pops the welcome flash: a change
	for i := range 3 {
		resp, body := v.do("GET", "/account", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Account of alice") {
			t.Fatalf("/account: %d\n%s", resp.StatusCode, body)
		}
		if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("view %d of an unchanged /account sent Set-Cookie %q", i+1, sc)
		}
	}
}
