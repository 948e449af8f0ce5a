// Package adaptertest checks that session middleware for another framework,
// built from scs's building blocks (RequestToken, Load, NewCommitWriter,
// ErrorFunc), gives the guarantees of scs's own LoadAndSave: it refuses
// cookie settings that browsers drop when it is built, builds for a nil
// manager and fails clearly only when a request reaches it, and saves
// nothing for a handler that panics, so that the framework's recovery
// answers without a cookie. The echoscs and ginscs tests run it through
// their framework's real router; it uses the standard library only.
package adaptertest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// TokenHeader is the request and response header that the checks use for
// LoadAndSaveHeader.
const TokenHeader = "X-Session"

// Adapter describes one framework's session middleware to the checks.
type Adapter struct {
	// Name names the middleware in messages, such as "echoscs".
	Name string

	// Build builds the middleware for sm, the LoadAndSave form when
	// header is "" and the LoadAndSaveHeader form for header otherwise,
	// and drops it. It is where bad settings must be refused.
	Build func(sm *scs.SessionManager, header string)

	// Router returns the framework's router serving h at every GET path
	// behind the middleware that Build builds, with the framework's usual
	// recovery middleware outside it when recovery is true, and none
	// otherwise.
	Router func(sm *scs.SessionManager, header string, h http.Handler, recovery bool) http.Handler

	// Plain returns the framework's router serving h at every GET path
	// behind the same recovery middleware and no session middleware: how
	// the framework answers a panic by itself.
	Plain func(h http.Handler) http.Handler
}

// Run runs every check of the package on a, each as a subtest.
func Run(t *testing.T, a Adapter) {
	t.Run("RefusesBadCookies", func(t *testing.T) { RefusesBadCookies(t, a) })
	t.Run("NilManager", func(t *testing.T) { NilManager(t, a) })
	t.Run("PanicSavesNothing", func(t *testing.T) { PanicSavesNothing(t, a) })
}

// BadCookies are session cookie settings that browsers or net/http drop,
// which LoadAndSave refuses.
func BadCookies() map[string]scs.SessionCookie {
	ok := scs.New().Cookie
	host, none, badName, noName := ok, ok, ok, ok
	host.Name, host.Secure = "__Host-session", false
	none.SameSite, none.Secure = http.SameSiteNoneMode, false
	badName.Name = "session id"
	noName.Name = ""
	return map[string]scs.SessionCookie{
		"__Host- without Secure":       host,
		"SameSite=None without Secure": none,
		"name with a space":            badName,
		"empty name":                   noName,
	}
}

// RefusesBadCookies checks that building the cookie middleware panics, with
// the message of the core's LoadAndSave, for each of BadCookies, and that
// the header middleware, which sends no cookie, builds with them as the
// core's LoadAndSaveHeader does. Good settings build.
func RefusesBadCookies(t *testing.T, a Adapter) {
	t.Helper()
	if v, ok := panicValue(func() { a.Build(scs.New(), "") }); ok {
		t.Errorf("%s refused the default cookie settings: %v", a.Name, v)
	}
	for name, c := range BadCookies() {
		sm := scs.New()
		sm.Cookie = c
		err := sm.Cookie.Valid()
		if err == nil {
			t.Fatalf("%s: Cookie.Valid accepted the settings", name)
		}
		core, ok := panicValue(func() { sm.LoadAndSave(http.NotFoundHandler()) })
		if !ok || core != err.Error() {
			t.Fatalf("%s: the core's LoadAndSave panicked with %v, want %q", name, core, err.Error())
		}
		got, ok := panicValue(func() { a.Build(sm, "") })
		if !ok {
			t.Errorf("%s: %s.LoadAndSave accepted the settings", name, a.Name)
		} else if got != core {
			t.Errorf("%s: %s.LoadAndSave panicked with %#v, want the core's %#v", name, a.Name, got, core)
		}
		if v, ok := panicValue(func() { sm.LoadAndSaveHeader(TokenHeader, http.NotFoundHandler()) }); ok {
			t.Fatalf("%s: the core's LoadAndSaveHeader panicked: %v", name, v)
		}
		if v, ok := panicValue(func() { a.Build(sm, TokenHeader) }); ok {
			t.Errorf("%s: %s.LoadAndSaveHeader, which sends no cookie, panicked: %v", name, a.Name, v)
		}
	}
}

// NilManager checks that the middleware builds for a nil manager, as the
// core's does, and that a request reaching it panics with a message that
// starts "scs: " and names the nil manager; behind the framework's
// recovery, that request gets a 500.
func NilManager(t *testing.T, a Adapter) {
	t.Helper()
	for _, header := range []string{"", TokenHeader} {
		if v, ok := panicValue(func() { a.Build(nil, header) }); ok {
			t.Errorf("header %q: building for a nil manager panicked: %v", header, v)
			continue
		}
		var h http.Handler
		if v, ok := panicValue(func() { h = a.Router(nil, header, okHandler(), false) }); ok {
			t.Errorf("header %q: routing to a nil manager panicked: %v", header, v)
			continue
		}
		v, ok := panicValue(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) })
		msg, _ := v.(string)
		if !ok || !strings.HasPrefix(msg, "scs: ") || !strings.Contains(msg, "nil *SessionManager") {
			t.Errorf("header %q: a request reaching a nil manager panicked with %#v, want a message about the nil *SessionManager", header, v)
		}
		w := httptest.NewRecorder()
		a.Router(nil, header, okHandler(), true).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != http.StatusInternalServerError {
			t.Errorf("header %q: behind recovery, a request reaching a nil manager got %d, want 500", header, w.Code)
		}
	}
}

// okHandler answers "ok".
func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
}

// PanicSavesNothing checks, in both the cookie and the header form, that a
// handler that changes the session and then panics (with an error, or
// with http.ErrAbortHandler) saves nothing: the response is the one the
// framework gives without the middleware, with no Set-Cookie and no token
// header; a new session is not stored, and a stored one keeps its data.
func PanicSavesNothing(t *testing.T, a Adapter) {
	t.Helper()
	for _, header := range []string{"", TokenHeader} {
		for _, value := range []any{fmt.Errorf("handler failed"), http.ErrAbortHandler} {
			t.Run(fmt.Sprintf("header=%q/panic=%v", header, value), func(t *testing.T) {
				panicSavesNothing(t, a, header, value)
			})
		}
	}
}

func panicSavesNothing(t *testing.T, a Adapter, header string, value any) {
	store := &Store{}
	sm := scs.New()
	sm.Store = store
	h := Handler(sm, value)
	srv := httptest.NewServer(a.Router(sm, header, h, true))
	t.Cleanup(srv.Close)
	ref := httptest.NewServer(a.Plain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(value) })))
	t.Cleanup(ref.Close)

	// A new session.
	want := get(t, ref.URL+"/panic?v=new", sm, header, "")
	got := get(t, srv.URL+"/panic?v=new", sm, header, "")
	sameResponse(t, "new session", got, want)
	if n := store.Commits(); n != 0 {
		t.Errorf("new session: %d commits to the store, want 0", n)
	}

	// A stored session.
	put := get(t, srv.URL+"/put?v=old", sm, header, "")
	tok := put.token(sm, header)
	if put.err != nil || put.status != http.StatusOK || tok == "" {
		t.Fatalf("/put: status %d, token %q, error %v", put.status, tok, put.err)
	}
	before, commits := store.Data(tok), store.Commits()
	if before == nil {
		t.Fatal("/put stored nothing")
	}
	got = get(t, srv.URL+"/panic?v=new", sm, header, tok)
	sameResponse(t, "stored session", got, want)
	if after := store.Data(tok); !bytes.Equal(after, before) || store.Commits() != commits {
		t.Errorf("stored session: the store changed: %d commits, want %d; data changed: %t", store.Commits(), commits, !bytes.Equal(after, before))
	}
	if r := get(t, srv.URL+"/get", sm, header, tok); r.body != "old" {
		t.Errorf("stored session: /get answered %q (error %v), want %q", r.body, r.err, "old")
	}
}

// Handler serves the paths the checks request, with the session of sm in
// the request's context: /put puts the query's v under "msg" and answers
// "ok", /get answers the value under "msg", and /panic puts v and then
// panics with value.
func Handler(sm *scs.SessionManager, value any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/put":
			sm.Put(r.Context(), "msg", r.URL.Query().Get("v"))
			_, _ = io.WriteString(w, "ok")
		case "/get":
			_, _ = io.WriteString(w, sm.GetString(r.Context(), "msg"))
		case "/panic":
			sm.Put(r.Context(), "msg", r.URL.Query().Get("v"))
			panic(value)
		default:
			http.NotFound(w, r)
		}
	})
}

// response is what a client saw for one request.
type response struct {
	err    error // the request failed: the server aborted it
	status int
	header http.Header
	body   string
}

// token returns the session token that resp carries, in the session cookie
// (header == "") or in header.
func (resp response) token(sm *scs.SessionManager, header string) string {
	if header != "" {
		return resp.header.Get(header)
	}
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == sm.Cookie.Name {
			return c.Value
		}
	}
	return ""
}

// get requests url, sending tok (when it is not "") as sm's cookie or in
// header.
func get(t *testing.T, url string, sm *scs.SessionManager, header, tok string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		if header != "" {
			req.Header.Set(header, tok)
		} else {
			req.AddCookie(&http.Cookie{Name: sm.Cookie.Name, Value: tok})
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{err: err, status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// sameResponse fails t unless got is want (both aborted, or the same
// status, body and headers but Date and Vary, which the middleware adds),
// and got carries no cookie or token.
func sameResponse(t *testing.T, what string, got, want response) {
	t.Helper()
	if (got.err != nil) != (want.err != nil) {
		t.Errorf("%s: request error %v, without the middleware %v", what, got.err, want.err)
		return
	}
	if got.err != nil {
		return
	}
	if got.status != want.status || got.body != want.body {
		t.Errorf("%s: %d %q, without the middleware %d %q", what, got.status, got.body, want.status, want.body)
	}
	for _, k := range []string{"Set-Cookie", TokenHeader} {
		if v := got.header.Values(k); len(v) > 0 {
			t.Errorf("%s: %s: %q on the response to a panic", what, k, v)
		}
	}
	g, w := got.header.Clone(), want.header.Clone()
	for _, k := range []string{"Date", "Vary"} {
		g.Del(k)
		w.Del(k)
	}
	for k, v := range w {
		if !slices.Equal(g[k], v) {
			t.Errorf("%s: header %s: %q, without the middleware %q", what, k, g[k], v)
		}
	}
	for k, v := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: header %s: %q, absent without the middleware", what, k, v)
		}
	}
}

// panicValue calls f and returns what it panicked with, and whether it
// panicked.
func panicValue(f func()) (v any, panicked bool) {
	defer func() {
		if panicked {
			v = recover()
		}
	}()
	panicked = true
	f()
	panicked = false
	return nil, false
}

// Store is an scs.Store in memory that counts its commits.
type Store struct {
	mu      sync.Mutex
	data    map[string][]byte
	commits int
}

// Find returns the data stored for token.
func (s *Store) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.data[token]
	return bytes.Clone(b), ok, nil
}

// Commit stores b for token; expiry is ignored.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = map[string][]byte{}
	}
	s.data[token] = bytes.Clone(b)
	s.commits++
	return nil
}

// Delete removes token's data.
func (s *Store) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, token)
	return nil
}

// Data returns the data stored for token, nil when there is none.
func (s *Store) Data(token string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data[token])
}

// Commits returns how many commits reached s.
func (s *Store) Commits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}
