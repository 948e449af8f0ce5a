package scs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

func TestNewDefaults(t *testing.T) {
	s := New()
	if s.Lifetime != 24*time.Hour || s.IdleTimeout != 0 || s.HashTokenInStore {
		t.Errorf("timeouts: Lifetime %v IdleTimeout %v Hash %v", s.Lifetime, s.IdleTimeout, s.HashTokenInStore)
	}
	if _, ok := s.Store.(*memstore.MemStore); !ok {
		t.Errorf("Store is %T, want *memstore.MemStore", s.Store)
	}
	if _, ok := s.Codec.(GobCodec); !ok {
		t.Errorf("Codec is %T, want GobCodec", s.Codec)
	}
	want := SessionCookie{Name: "session", HttpOnly: true, Path: "/", SameSite: http.SameSiteLaxMode, Persist: true}
	if s.Cookie != want {
		t.Errorf("Cookie = %+v, want %+v", s.Cookie, want)
	}
	if s.ErrorFunc == nil {
		t.Error("ErrorFunc is nil")
	}
	if NewSession().Cookie != want {
		t.Error("NewSession differs from New")
	}
	if Unmodified != 0 || Modified != 1 || Destroyed != 2 {
		t.Error("Status constants out of order")
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

// countingStore counts the calls that reach the store and can fail them.
type countingStore struct {
	Store
	mu                   sync.Mutex
	finds, commits, dels int
	fail                 error
}

func (c *countingStore) Find(token string) ([]byte, bool, error) {
	c.mu.Lock()
	c.finds++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	return c.Store.Find(token)
}

func (c *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	c.mu.Lock()
	c.commits++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.Store.Commit(token, b, expiry)
}

func (c *countingStore) Delete(token string) error {
	c.mu.Lock()
	c.dels++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.Store.Delete(token)
}

func FuzzCookieToken(f *testing.F) {
	tok, _ := generateToken()
	for _, seed := range []string{"session=" + tok, "a=b; session=\"" + tok + "\"", "session=", ";;;=;", "session=\xff\x00"} {
		f.Add(seed)
	}
	s := New()
	s.Store = memstore.NewWithCleanupInterval(0)
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		v := cookieValue(r, "session", maxCookieValue)
		if validToken(v) && len(v) != tokenLen {
			t.Fatalf("validToken accepted %q", v)
		}
		w := httptest.NewRecorder()
		s.LoadAndSave(getString(s, "k")).ServeHTTP(w, r)
		if w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("cookie %q: code %d body %q", header, w.Code, w.Body.String())
		}
	})
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

type parentKey struct{}

// expiryCounting is a memstore that counts writes (Commit and Update) and,
// through the embedded *memstore.MemStore, implements ExpiryStore.
type expiryCounting struct {
	*memstore.MemStore
	commits int
}

func (e *expiryCounting) Commit(token string, b []byte, expiry time.Time) error {
	e.commits++
	return e.MemStore.Commit(token, b, expiry)
}

func (e *expiryCounting) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	e.commits++
	return e.MemStore.Update(ctx, token, b, expiry)
}
