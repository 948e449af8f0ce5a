package scs

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// frameworkMiddleware is middleware as another framework's adapter would
// write it with RequestToken, Load and CommitAndWriteToken (no writer
// wrapping: the handler here writes no status line itself). It returns
// what CommitAndWriteToken reported.
func frameworkMiddleware(t *testing.T, s *SessionManager, header string, h http.HandlerFunc, r *http.Request) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	w := httptest.NewRecorder()
	ctx, err := s.Load(r.Context(), s.RequestToken(r, header))
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithContext(ctx)
	h(w, r)
	return w, s.CommitAndWriteToken(w, r, header)
}

func TestRequestToken(t *testing.T) {
	s := newManager(t)
	tok := strings.Repeat("a", 43)
	for _, c := range []struct {
		name, header string
		set          func(r *http.Request)
		want         string
	}{
		{"no cookie", "", func(r *http.Request) {}, ""},
		{"cookie", "", func(r *http.Request) { r.Header.Set("Cookie", "other=x; session="+tok+"; z=y") }, tok},
		{"second Cookie header", "", func(r *http.Request) { r.Header["Cookie"] = []string{"a=b", "session=" + tok} }, tok},
		{"first of two", "", func(r *http.Request) { r.Header.Set("Cookie", "session="+tok+"; session=other") }, tok},
		{"quoted", "", func(r *http.Request) { r.Header.Set("Cookie", `session="`+tok+`"`) }, tok},
		{"too long", "", func(r *http.Request) { r.Header.Set("Cookie", "session="+strings.Repeat("a", maxCookieValue+1)) }, ""},
		{"header ignored in cookie mode", "", func(r *http.Request) { r.Header.Set("X-Session", tok) }, ""},
		{"header", "X-Session", func(r *http.Request) { r.Header.Set("X-Session", tok) }, tok},
		{"header name not canonical", "x-session", func(r *http.Request) { r.Header.Set("X-Session", tok) }, tok},
		{"first header value", "X-Session", func(r *http.Request) { r.Header["X-Session"] = []string{tok, "other"} }, tok},
		{"no header", "X-Session", func(r *http.Request) { r.Header.Set("Cookie", "session="+tok) }, ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		c.set(r)
		if got := s.RequestToken(r, c.header); got != c.want {
			t.Errorf("%s: RequestToken = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCommitAndWriteTokenCookie(t *testing.T) {
	s := newManager(t)
	w, ok := frameworkMiddleware(t, s, "", put(s, "k", "v"), httptest.NewRequest("GET", "/", nil))
	c := sessionCookie(w, "session")
	if !ok || c == nil || c.Value == "" || w.Header().Get("Cache-Control") != `no-cache="Set-Cookie"` {
		t.Fatalf("new session: ok %v, cookie %v, Cache-Control %q", ok, c, w.Header().Get("Cache-Control"))
	}

	// The cookie brings the session back; an unchanged session writes
	// nothing.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	w, ok = frameworkMiddleware(t, s, "", getString(s, "k"), r)
	if !ok || w.Body.String() != "v" || len(w.Header()["Set-Cookie"]) != 0 || len(w.Header()["Cache-Control"]) != 0 {
		t.Errorf("unchanged session: ok %v, body %q, headers %v", ok, w.Body.String(), w.Header())
	}

	// Destroy sends an expired cookie.
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	w, ok = frameworkMiddleware(t, s, "", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context()); err != nil {
			t.Error(err)
		}
	}, r)
	if d := sessionCookie(w, "session"); !ok || d == nil || d.Value != "" || d.MaxAge >= 0 {
		t.Errorf("after Destroy: ok %v, cookie %v", ok, d)
	}
}

func TestCommitAndWriteTokenHeader(t *testing.T) {
	s := newManager(t)
	w, ok := frameworkMiddleware(t, s, "x-session", put(s, "k", "v"), httptest.NewRequest("GET", "/", nil))
	tok := w.Header().Get("X-Session")
	if !ok || tok == "" || w.Header().Get("Cache-Control") != "no-store" || len(w.Header()["Set-Cookie"]) != 0 {
		t.Fatalf("new session: ok %v, headers %v", ok, w.Header())
	}

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Session", tok)
	w, ok = frameworkMiddleware(t, s, "X-Session", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context()); err != nil {
			t.Error(err)
		}
	}, r)
	if v, present := w.Header()["X-Session"]; !ok || !present || len(v) != 1 || v[0] != "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("after Destroy: ok %v, headers %v", ok, w.Header())
	}
}

func TestCommitAndWriteTokenSessionGone(t *testing.T) {
	for _, header := range []string{"", "X-Session"} {
		s := newManager(t)
		a, b, _ := twoRequests(t, s)
		if err := s.Destroy(b); err != nil { // another request logs out
			t.Fatal(err)
		}
		s.Put(a, "x", 1)
		var called bool
		s.ErrorFunc = func(http.ResponseWriter, *http.Request, error) { called = true }
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil).WithContext(a)
		if ok := s.CommitAndWriteToken(w, r, header); !ok || called {
			t.Errorf("header %q: CommitAndWriteToken = %v, ErrorFunc called %v; want true, not called", header, ok, called)
		}
		if len(w.Header()) != 0 {
			t.Errorf("header %q: a session gone elsewhere wrote headers %v", header, w.Header())
		}
	}
}

func TestCommitAndWriteTokenStoreFailure(t *testing.T) {
	for _, header := range []string{"", "X-Session"} {
		s := newManager(t)
		cs := &countingStore{Store: s.Store, fail: errors.New("store is down")}
		s.Store = cs
		var got error
		s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			http.Error(w, "sorry", http.StatusServiceUnavailable)
		}
		w, ok := frameworkMiddleware(t, s, header, put(s, "k", "v"), httptest.NewRequest("GET", "/", nil))
		if ok || !errors.Is(got, cs.fail) || w.Code != http.StatusServiceUnavailable {
			t.Errorf("header %q: CommitAndWriteToken = %v, ErrorFunc got %v, code %d; want false, the store's error, 503", header, ok, got, w.Code)
		}
		if len(w.Header()["Set-Cookie"]) != 0 || len(w.Header()["X-Session"]) != 0 {
			t.Errorf("header %q: a failed save wrote a token: %v", header, w.Header())
		}
	}
}

func TestCommitAndWriteTokenWithoutSession(t *testing.T) {
	s := newManager(t)
	defer func() {
		if recover() == nil {
			t.Error("CommitAndWriteToken without a loaded session did not panic")
		}
	}()
	s.CommitAndWriteToken(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), "")
}

// TestNilManagerWrapsWithoutPanic builds routes as SCS v2 applications do
// in tests, with a nil manager: wrapping must not panic, routes outside
// the middleware answer, and a request that reaches the middleware panics
// with a message naming the cause (SCS v2 panics there too, on a nil
// dereference).
func TestNilManagerWrapsWithoutPanic(t *testing.T) {
	var s *SessionManager
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/cookie", s.LoadAndSave(ok))
	mux.Handle("/header", s.LoadAndSaveHeader("X-Session", ok))
	use := s.LoadAndSave // a method value, as in chi's r.Use(sm.LoadAndSave)
	mux.Handle("/used", use(ok))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
	if w.Body.String() != "ok" {
		t.Fatalf("/health answered %d %q", w.Code, w.Body)
	}
	for _, path := range []string{"/cookie", "/header", "/used"} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "nil *SessionManager") {
					t.Errorf("%s: panic %q, want one naming the nil manager", path, msg)
				}
			}()
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		}()
	}
}

func TestPutThenGetAcrossRequests(t *testing.T) {
	s := newManager(t)
	w := do(t, s, put(s, "message", "Hello from a session!"), "")
	c := sessionCookie(w, "session")
	if c == nil {
		t.Fatal("no session cookie after Put")
	}
	if !validToken(c.Value) {
		t.Fatalf("cookie value %q is not a token", c.Value)
	}
	if got := w.Header().Get("Cache-Control"); got != `no-cache="Set-Cookie"` {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := w.Header().Get("Vary"); got != "Cookie" {
		t.Errorf("Vary = %q", got)
	}

	w = do(t, s, getString(s, "message"), c.Value)
	if w.Body.String() != "Hello from a session!" {
		t.Errorf("body = %q", w.Body.String())
	}
	if w.Header().Get("Set-Cookie") != "" || w.Header().Get("Cache-Control") != "" {
		t.Errorf("an unmodified session wrote headers: %v", w.Header())
	}
	if w.Header().Get("Vary") != "Cookie" {
		t.Error("Vary: Cookie missing on a read")
	}
}

func TestMultipleManagersOnOneRequest(t *testing.T) {
	a, b := newManager(t), newManager(t)
	b.Cookie.Name = "other"
	b.Lifetime = time.Hour
	h := a.LoadAndSave(b.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Put(r.Context(), "k", "from a")
		b.Put(r.Context(), "k", "from b")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	ca, cb := sessionCookie(w, "session"), sessionCookie(w, "other")
	if ca == nil || cb == nil || ca.Value == cb.Value {
		t.Fatalf("cookies %+v %+v", ca, cb)
	}
	if cb.MaxAge > 3601 || ca.MaxAge < 86000 {
		t.Errorf("lifetimes mixed up: a %d b %d", ca.MaxAge, cb.MaxAge)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ca)
	r.AddCookie(cb)
	w = httptest.NewRecorder()
	a.LoadAndSave(b.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, a.GetString(r.Context(), "k"), "|", b.GetString(r.Context(), "k"))
	}))).ServeHTTP(w, r)
	if w.Body.String() != "from a|from b" {
		t.Errorf("body %q", w.Body.String())
	}
}

func TestNestedLoadAndSaveOfOneManagerSavesOnce(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	h := s.LoadAndSave(s.LoadAndSave(put(s, "k", "v")))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if n := len(w.Result().Cookies()); n != 1 || cs.commits != 1 {
		t.Fatalf("%d cookies and %d commits, want 1 and 1", n, cs.commits)
	}
}

func TestLoadAndSaveHeader(t *testing.T) {
	s := newManager(t)
	serve := func(h http.HandlerFunc, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		if token != "" {
			r.Header.Set("X-Session-Token", token)
		}
		w := httptest.NewRecorder()
		s.LoadAndSaveHeader("x-session-token", h).ServeHTTP(w, r)
		return w
	}
	w := serve(put(s, "k", "v"), "")
	tok := w.Header().Get("X-Session-Token")
	if !validToken(tok) || w.Header().Get("Set-Cookie") != "" || w.Header().Get("Vary") != "X-Session-Token" {
		t.Fatalf("headers after Put: %v", w.Header())
	}
	w = serve(getString(s, "k"), tok)
	if w.Body.String() != "v" || w.Header().Get("X-Session-Token") != "" {
		t.Fatalf("read: body %q headers %v", w.Body.String(), w.Header())
	}
	w = serve(func(w http.ResponseWriter, r *http.Request) { s.Destroy(r.Context()) }, tok)
	if v, ok := w.Header()["X-Session-Token"]; !ok || v[0] != "" {
		t.Fatalf("after Destroy the header is %q, %v; want present and empty", v, ok)
	}
	if w := serve(getString(s, "k"), tok); w.Body.String() != "" {
		t.Error("destroyed session still loads")
	}
}
