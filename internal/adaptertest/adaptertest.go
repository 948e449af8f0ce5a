// Package adaptertest is the test harness that session middleware for
// other frameworks shares. It checks that middleware built from scs's
// building blocks (RequestToken, Load, NewCommitWriter, ErrorFunc) gives
// the guarantees of scs's own LoadAndSave: sessions are stored, renewed
// and destroyed, in a cookie or a token header; it refuses cookie settings
// that browsers drop when it is built; it builds for a nil manager and
// fails clearly only when a request reaches it; a handler that panics
// saves nothing, so that the framework's recovery answers without a
// cookie; the cookie leaves with the first flush or chunk of a streamed
// response; and a failed save is answered by ErrorFunc alone. The echoscs, echov5scs and ginscs tests run it through their
// framework's real router, and its own test runs it on LoadAndSave. It
// uses the standard library and memstore only.
package adaptertest

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
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
	t.Run("Sessions", func(t *testing.T) { Sessions(t, a) })
	t.Run("InsideCoreLoadAndSave", func(t *testing.T) { InsideCoreLoadAndSave(t, a) })
	t.Run("DestroyedElsewhere", func(t *testing.T) { DestroyedElsewhere(t, a) })
	t.Run("RefusesBadCookies", func(t *testing.T) { RefusesBadCookies(t, a) })
	t.Run("NilManager", func(t *testing.T) { NilManager(t, a) })
	t.Run("PanicSavesNothing", func(t *testing.T) { PanicSavesNothing(t, a) })
	t.Run("Streaming", func(t *testing.T) { Streaming(t, a) })
	t.Run("FlushFirst", func(t *testing.T) { FlushFirst(t, a) })
	t.Run("SaveFailure", func(t *testing.T) { SaveFailure(t, a) })
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
	store := newStore()
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
	if n := len(store.Snapshot()); n != 0 {
		t.Errorf("new session: %d sessions stored, want none", n)
	}

	// A stored session.
	put := get(t, srv.URL+"/put?v=old", sm, header, "")
	tok := put.token(sm, header)
	if put.err != nil || put.status != http.StatusOK || tok == "" {
		t.Fatalf("/put: status %d, token %q, error %v", put.status, tok, put.err)
	}
	before := store.Snapshot()
	if before[tok] == nil {
		t.Fatal("/put stored nothing")
	}
	got = get(t, srv.URL+"/panic?v=new", sm, header, tok)
	sameResponse(t, "stored session", got, want)
	if !sameSnapshot(store.Snapshot(), before) {
		t.Error("stored session: the store changed")
	}
	if r := get(t, srv.URL+"/get", sm, header, tok); r.body != "old" {
		t.Errorf("stored session: /get answered %q (error %v), want %q", r.body, r.err, "old")
	}
}

// Sessions checks, in both the cookie and the header form, that sessions
// go round: a changed session is stored and its token sent (with Vary and
// the Cache-Control of the core), also when the handler writes nothing;
// an unchanged one sends no token; RenewToken moves the data to a new
// token; Destroy removes it and sends an expired cookie, or an empty token
// header.
func Sessions(t *testing.T, a Adapter) {
	for _, header := range []string{"", TokenHeader} {
		t.Run(fmt.Sprintf("header=%q", header), func(t *testing.T) {
			sessions(t, a, header)
		})
	}
}

func sessions(t *testing.T, a Adapter, header string) {
	store := newStore()
	sm := scs.New()
	sm.Store = store
	srv := httptest.NewServer(a.Router(sm, header, Handler(sm, nil), false))
	t.Cleanup(srv.Close)
	vary, cache := "Cookie", `no-cache="Set-Cookie"`
	if header != "" {
		vary, cache = header, "no-store"
	}

	r := get(t, srv.URL+"/put?v=hello", sm, header, "")
	tok := r.token(sm, header)
	if r.err != nil || r.status != http.StatusOK || r.body != "ok" || len(tok) != 43 {
		t.Fatalf("/put: %d %q, token %q, error %v", r.status, r.body, tok, r.err)
	}
	if !slices.Contains(r.header.Values("Vary"), vary) || r.header.Get("Cache-Control") != cache {
		t.Errorf("/put: Vary %q, Cache-Control %q; want %q, %q", r.header.Values("Vary"), r.header.Get("Cache-Control"), vary, cache)
	}
	if header != "" && r.header.Get("Set-Cookie") != "" {
		t.Errorf("/put: Set-Cookie %q in the header form", r.header.Get("Set-Cookie"))
	}
	if c := cookie(r, sm); header == "" && (c == nil || c.Path != sm.Cookie.Path || !c.HttpOnly ||
		c.SameSite != sm.Cookie.SameSite || c.MaxAge != int(sm.Lifetime.Seconds()) || len(r.header.Values("Set-Cookie")) != 1) {
		t.Errorf("/put: Set-Cookie %q, want one session cookie with the manager's settings", r.header.Values("Set-Cookie"))
	}
	if store.Data(tok) == nil {
		t.Fatal("/put: not stored")
	}

	r = get(t, srv.URL+"/get", sm, header, tok)
	if r.body != "hello" || r.token(sm, header) != "" || len(r.header.Values("Set-Cookie")) != 0 {
		t.Errorf("/get: %q, token %q, Set-Cookie %q; want %q and no token", r.body, r.token(sm, header), r.header.Values("Set-Cookie"), "hello")
	}

	r = get(t, srv.URL+"/renew", sm, header, tok)
	renewed := r.token(sm, header)
	if r.status != http.StatusNoContent || renewed == "" || renewed == tok {
		t.Fatalf("/renew: %d, token %q (was %q)", r.status, renewed, tok)
	}
	if store.Data(tok) != nil || store.Data(renewed) == nil {
		t.Error("/renew: the data did not move to the new token")
	}
	if r = get(t, srv.URL+"/get", sm, header, renewed); r.body != "hello" {
		t.Errorf("/get after /renew: %q", r.body)
	}

	r = get(t, srv.URL+"/destroy", sm, header, renewed)
	if r.status != http.StatusNoContent || store.Data(renewed) != nil {
		t.Errorf("/destroy: %d, still stored: %t", r.status, store.Data(renewed) != nil)
	}
	if header != "" {
		if v, ok := r.header[header]; !ok || len(v) != 1 || v[0] != "" {
			t.Errorf("/destroy: %s %q, want one empty value", header, v)
		}
	} else if c := cookie(r, sm); c == nil || c.Value != "" || c.MaxAge >= 0 {
		t.Errorf("/destroy: cookie %v, want an expired one", c)
	}

	r = get(t, srv.URL+"/quiet?v=quiet", sm, header, "")
	if tok = r.token(sm, header); r.status != http.StatusOK || tok == "" {
		t.Fatalf("/quiet, which writes nothing: %d, token %q", r.status, tok)
	}
	if r = get(t, srv.URL+"/get", sm, header, tok); r.body != "quiet" {
		t.Errorf("/get after /quiet: %q", r.body)
	}
}

// InsideCoreLoadAndSave checks that the middleware under the core's
// LoadAndSave of the same manager loads and saves nothing itself: the
// response carries one cookie.
func InsideCoreLoadAndSave(t *testing.T, a Adapter) {
	store := newStore()
	sm := scs.New()
	sm.Store = store
	srv := httptest.NewServer(sm.LoadAndSave(a.Router(sm, "", Handler(sm, nil), false)))
	t.Cleanup(srv.Close)
	r := get(t, srv.URL+"/put?v=outer", sm, "", "")
	if n := len(r.header.Values("Set-Cookie")); r.err != nil || n != 1 {
		t.Fatalf("%d Set-Cookie headers (error %v), want 1", n, r.err)
	}
	if n := len(store.Snapshot()); n != 1 {
		t.Errorf("%d sessions stored, want 1", n)
	}
}

// DestroyedElsewhere checks that a request whose session another request
// destroyed meanwhile (deleted from the store while the handler runs)
// answers normally, sends no cookie or token, and does not bring the
// session back.
func DestroyedElsewhere(t *testing.T, a Adapter) {
	for _, header := range []string{"", TokenHeader} {
		store := newStore()
		sm := scs.New()
		sm.Store = store
		srv := httptest.NewServer(a.Router(sm, header, Handler(sm, nil), false))
		t.Cleanup(srv.Close)
		tok := get(t, srv.URL+"/put?v=hello", sm, header, "").token(sm, header)
		r := get(t, srv.URL+"/logout-then-put", sm, header, tok)
		if r.status != http.StatusOK || r.body != "ok" || len(r.header.Values("Set-Cookie")) != 0 || r.header.Get(TokenHeader) != "" {
			t.Errorf("header %q: %d %q, Set-Cookie %q, %s %q; want 200, the handler's body and no token", header, r.status, r.body, r.header.Values("Set-Cookie"), TokenHeader, r.header.Get(TokenHeader))
		}
		if store.Data(tok) != nil {
			t.Errorf("header %q: the destroyed session was written back", header)
		}
	}
}

// cookie returns the session cookie r sets, or nil.
func cookie(r response, sm *scs.SessionManager) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == sm.Cookie.Name {
			return c
		}
	}
	return nil
}

// Handler serves the paths the checks request, with the session of sm in
// the request's context: /put puts the query's v under "msg" and answers
// "ok"; /quiet puts v and writes nothing; /get answers the value under
// "msg"; /renew and /destroy renew and destroy the session and answer 204;
// /logout-then-put deletes the session from the store, as another
// request's Destroy would, then puts "late" and answers "ok"; /panic puts
// v and then panics with value.
func Handler(sm *scs.SessionManager, value any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch r.URL.Path {
		case "/put":
			sm.Put(ctx, "msg", r.URL.Query().Get("v"))
			_, _ = io.WriteString(w, "ok")
		case "/quiet":
			sm.Put(ctx, "msg", r.URL.Query().Get("v"))
		case "/get":
			_, _ = io.WriteString(w, sm.GetString(ctx, "msg"))
		case "/renew", "/destroy":
			f := sm.RenewToken
			if r.URL.Path == "/destroy" {
				f = sm.Destroy
			}
			if err := f(ctx); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case "/logout-then-put":
			if err := sm.Store.Delete(sm.Token(ctx)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			sm.Put(ctx, "msg", "late")
			_, _ = io.WriteString(w, "ok")
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
	if c := cookie(resp, sm); c != nil {
		return c.Value
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

// Store is the store the checks use: a memstore, whose conditional
// updates let the core tell a session destroyed elsewhere, that can show
// what it holds.
type Store struct {
	*memstore.MemStore
}

// newStore returns an empty Store with no cleanup goroutine.
func newStore() Store {
	return Store{memstore.NewWithCleanupInterval(0)}
}

// Data returns the data stored for token, nil when there is none.
func (s Store) Data(token string) []byte {
	b, found, err := s.Find(token)
	if err != nil || !found {
		return nil
	}
	return b
}

// Snapshot returns every live session's data, keyed by token.
func (s Store) Snapshot() map[string][]byte {
	m, err := s.All()
	if err != nil {
		panic(err)
	}
	return m
}

// sameSnapshot reports whether the two snapshots hold the same sessions
// and data.
func sameSnapshot(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, bytes.Equal)
}
