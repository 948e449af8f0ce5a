package scs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// newManager returns a manager with a fresh memstore and no cleanup
// goroutine, stopped when the test ends.
func newManager(t *testing.T) *SessionManager {
	t.Helper()
	s := New()
	ms := memstore.NewWithCleanupInterval(0)
	s.Store = ms
	return s
}

// do serves one request through s.LoadAndSave(h) with the given cookie
// value ("" for none) and returns the recorded response.
func do(t *testing.T, s *SessionManager, h http.HandlerFunc, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: s.Cookie.Name, Value: cookie})
	}
	w := httptest.NewRecorder()
	s.LoadAndSave(h).ServeHTTP(w, r)
	return w
}

// sessionCookie returns the Set-Cookie for name in w, or nil.
func sessionCookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func put(s *SessionManager, key string, val any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), key, val) }
}

func getString(s *SessionManager, key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s.GetString(r.Context(), key)) }
}

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

func TestCookieAttributes(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	expiry := now.Add(3 * time.Hour)
	cases := []struct {
		name   string
		cookie SessionCookie
		want   string
	}{
		{"defaults", New().Cookie,
			"session=TOKEN; Path=/; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; HttpOnly; SameSite=Lax"},
		{"all set", SessionCookie{Name: "sid", Domain: "example.com", Path: "/example/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, Partitioned: true, Persist: true},
			"sid=TOKEN; Path=/example/; Domain=example.com; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; HttpOnly; Secure; SameSite=Strict; Partitioned"},
		{"none", SessionCookie{Name: "s", SameSite: http.SameSiteNoneMode, Secure: true, Persist: true},
			"s=TOKEN; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; Secure; SameSite=None"},
		{"default samesite, not persistent", SessionCookie{Name: "s", Path: "/", SameSite: http.SameSiteDefaultMode},
			"s=TOKEN; Path=/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, _ := generateToken()
			got := tc.cookie.setCookie(tok, expiry, tc.cookie.Persist, now)
			if want := strings.Replace(tc.want, "TOKEN", tok, 1); got != want {
				t.Errorf("Set-Cookie\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestSetCookieMatchesNetHTTP checks the fast formatter against net/http's
// Cookie.String over combinations of every attribute.
func TestSetCookieMatchesNetHTTP(t *testing.T) {
	log.SetOutput(io.Discard) // net/http logs every invalid attribute it drops
	defer log.SetOutput(os.Stderr)
	now := time.Now()
	tok, _ := generateToken()
	for _, path := range []string{"", "/", "/a b/", "/x;y"} {
		for _, domain := range []string{"", "example.com", ".example.com", "bad domain"} {
			for mask := 0; mask < 16; mask++ {
				for _, ss := range []http.SameSite{0, http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode} {
					c := SessionCookie{Name: "session", Path: path, Domain: domain, SameSite: ss,
						HttpOnly: mask&1 != 0, Secure: mask&2 != 0, Partitioned: mask&4 != 0, Persist: mask&8 != 0}
					for _, expiry := range []time.Time{{}, now.Add(time.Hour)} {
						hc := http.Cookie{Name: c.Name, Value: tok, Path: path, Domain: domain, SameSite: ss,
							HttpOnly: c.HttpOnly, Secure: c.Secure, Partitioned: c.Partitioned}
						if expiry.IsZero() {
							hc.Value, hc.Expires, hc.MaxAge = "", time.Unix(1, 0), -1
						} else if c.Persist {
							hc.Expires, hc.MaxAge = time.Unix(expiry.Unix()+1, 0), int(expiry.Sub(now).Seconds()+1)
						}
						got := c.setCookie(hc.Value, expiry, c.Persist, now)
						if want := hc.String(); got != want {
							t.Fatalf("%+v expiry %v:\n got %s\nwant %s", c, expiry, got, want)
						}
					}
				}
			}
		}
	}
}

func TestPersistFalseAndRememberMe(t *testing.T) {
	s := newManager(t)
	s.Cookie.Persist = false
	w := do(t, s, put(s, "k", "v"), "")
	c := sessionCookie(w, "session")
	if c == nil || c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Fatalf("non-persistent cookie = %+v, want no Expires or Max-Age", c)
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) { s.RememberMe(r.Context(), true) }, c.Value)
	c2 := sessionCookie(w, "session")
	if c2 == nil || c2.MaxAge <= 0 || c2.Expires.IsZero() {
		t.Fatalf("cookie after RememberMe(true) = %+v, want Expires and Max-Age", c2)
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if !s.GetBool(r.Context(), "__rememberMe") {
			t.Error("__rememberMe not kept in the session")
		}
		s.RememberMe(r.Context(), false)
	}, c.Value)
	if c3 := sessionCookie(w, "session"); c3 == nil || c3.MaxAge != 0 {
		t.Fatalf("cookie after RememberMe(false) = %+v, want a session cookie", c3)
	}
}

func TestDestroyWritesExpiredCookieAndDeletes(t *testing.T) {
	s := newManager(t)
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context()); err != nil {
			t.Fatal(err)
		}
		if s.Status(r.Context()) != Destroyed {
			t.Error("status is not Destroyed")
		}
	}, tok)
	c := sessionCookie(w, "session")
	if c == nil || c.Value != "" || c.MaxAge != -1 {
		t.Fatalf("cookie after Destroy = %+v, want an empty value and Max-Age=0", c)
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0") {
		t.Errorf("Set-Cookie = %q", w.Header().Get("Set-Cookie"))
	}
	if _, found, _ := s.Store.Find(tok); found {
		t.Error("destroyed session still in the store")
	}
}

func TestDestroyThenPutStartsNewSession(t *testing.T) {
	s := newManager(t)
	old := sessionCookie(do(t, s, put(s, "a", "1"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := s.Destroy(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Exists(ctx, "a") || s.Token(ctx) != "" {
			t.Error("data or token survived Destroy")
		}
		s.Put(ctx, "b", "2")
	}, old)
	c := sessionCookie(w, "session")
	if c == nil || c.Value == old || !validToken(c.Value) || c.MaxAge <= 0 {
		t.Fatalf("cookie = %+v, want a new live token", c)
	}
	if _, found, _ := s.Store.Find(old); found {
		t.Error("old token still in store")
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, s.GetString(r.Context(), "a"), s.GetString(r.Context(), "b"))
	}, c.Value)
	if w.Body.String() != "2" {
		t.Errorf("new session holds %q, want only b=2", w.Body.String())
	}
}

func TestRenewTokenDeletesOldToken(t *testing.T) {
	s := newManager(t)
	old := sessionCookie(do(t, s, put(s, "user", "alice"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if err := s.RenewToken(r.Context()); err != nil {
			t.Fatal(err)
		}
	}, old)
	c := sessionCookie(w, "session")
	if c == nil || c.Value == old {
		t.Fatalf("cookie after RenewToken = %+v, want a new token", c)
	}
	if _, found, _ := s.Store.Find(old); found {
		t.Error("old token still in the store")
	}
	if w := do(t, s, getString(s, "user"), c.Value); w.Body.String() != "alice" {
		t.Errorf("renewed session lost its data: %q", w.Body.String())
	}
	if w := do(t, s, getString(s, "user"), old); w.Body.String() != "" {
		t.Error("old token still loads the session")
	}
}

func TestMergeSession(t *testing.T) {
	s := newManager(t)
	other := sessionCookie(do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "cart", "3 items")
		s.Put(r.Context(), "shared", "other")
		s.SetDeadline(r.Context(), s.clock().Add(48*time.Hour))
	}, ""), "session").Value
	own := sessionCookie(do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "user", "bob")
		s.Put(r.Context(), "shared", "own")
	}, ""), "session").Value

	do(t, s, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := s.MergeSession(ctx, other); err != nil {
			t.Fatal(err)
		}
		if s.GetString(ctx, "cart") != "3 items" || s.GetString(ctx, "user") != "bob" || s.GetString(ctx, "shared") != "other" {
			t.Errorf("merged keys %v", s.Keys(ctx))
		}
		if time.Until(s.Deadline(ctx)) < 47*time.Hour {
			t.Error("merge did not keep the later deadline")
		}
		for _, tok := range []string{own, "not-a-token", other} {
			if err := s.MergeSession(ctx, tok); err != nil {
				t.Errorf("MergeSession(%q) = %v", tok, err)
			}
		}
	}, own)
	if _, found, _ := s.Store.Find(other); found {
		t.Error("merged session still in the store")
	}
}

func TestDataMethods(t *testing.T) {
	s := newManager(t)
	ctx, err := s.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status(ctx) != Unmodified || s.Token(ctx) != "" {
		t.Fatal("new session is not unmodified and tokenless")
	}
	if len(s.Keys(ctx)) != 0 || s.Keys(ctx) == nil {
		t.Error("Keys of an empty session is not an empty slice")
	}
	s.Pop(ctx, "missing")
	s.Remove(ctx, "missing")
	if err := s.Clear(ctx); err != nil || s.Status(ctx) != Unmodified {
		t.Error("Pop, Remove or Clear of nothing modified the session")
	}
	for _, k := range []string{"zeta", "alpha", "Mid", "beta"} {
		s.Put(ctx, k, k)
	}
	if got := strings.Join(s.Keys(ctx), ","); got != "Mid,alpha,beta,zeta" {
		t.Errorf("Keys = %s", got)
	}
	if !s.Exists(ctx, "alpha") || s.Exists(ctx, "gamma") {
		t.Error("Exists")
	}
	if s.Pop(ctx, "alpha") != "alpha" || s.Exists(ctx, "alpha") {
		t.Error("Pop did not return and remove")
	}
	s.Remove(ctx, "beta")
	if s.Exists(ctx, "beta") {
		t.Error("Remove")
	}
	if err := s.Clear(ctx); err != nil || len(s.Keys(ctx)) != 0 {
		t.Error("Clear")
	}
	d := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetDeadline(ctx, d)
	if !s.Deadline(ctx).Equal(d) || s.Status(ctx) != Modified {
		t.Error("SetDeadline")
	}
}

func TestTypedGetters(t *testing.T) {
	s := newManager(t)
	ctx, _ := s.Load(context.Background(), "")
	now := time.Now()
	vals := map[string]any{"s": "str", "b": true, "i": 42, "i64": int64(64), "i32": int32(32), "f": 1.5, "by": []byte("x"), "t": now}
	for k, v := range vals {
		s.Put(ctx, k, v)
	}
	if s.GetString(ctx, "s") != "str" || !s.GetBool(ctx, "b") || s.GetInt(ctx, "i") != 42 || s.GetInt64(ctx, "i64") != 64 ||
		s.GetInt32(ctx, "i32") != 32 || s.GetFloat(ctx, "f") != 1.5 || string(s.GetBytes(ctx, "by")) != "x" || !s.GetTime(ctx, "t").Equal(now) {
		t.Error("typed getters on the right types")
	}
	// Wrong types and missing keys give zero values.
	if s.GetString(ctx, "i") != "" || s.GetBool(ctx, "s") || s.GetInt(ctx, "i64") != 0 || s.GetInt64(ctx, "i") != 0 ||
		s.GetInt32(ctx, "i") != 0 || s.GetFloat(ctx, "i") != 0 || s.GetBytes(ctx, "s") != nil || !s.GetTime(ctx, "s").IsZero() ||
		s.GetString(ctx, "nope") != "" {
		t.Error("typed getters on wrong types are not zero")
	}
	if s.PopString(ctx, "s") != "str" || s.PopBool(ctx, "b") != true || s.PopInt(ctx, "i") != 42 || s.PopFloat(ctx, "f") != 1.5 ||
		string(s.PopBytes(ctx, "by")) != "x" || !s.PopTime(ctx, "t").Equal(now) {
		t.Error("typed pops on the right types")
	}
	if s.Exists(ctx, "s") || s.Exists(ctx, "t") {
		t.Error("typed pops did not remove")
	}
	s.Put(ctx, "n", 1)
	if s.PopString(ctx, "n") != "" || s.Exists(ctx, "n") || s.PopBool(ctx, "n") || s.PopInt(ctx, "i64") != 0 ||
		s.PopFloat(ctx, "x") != 0 || s.PopBytes(ctx, "x") != nil || !s.PopTime(ctx, "x").IsZero() {
		t.Error("typed pops on wrong types")
	}
}

func TestNoSessionDataPanics(t *testing.T) {
	s := New()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "no session data in context") {
			t.Fatalf("recover() = %v, want the no-session-data panic", r)
		}
	}()
	s.Get(context.Background(), "x")
}

func TestConcurrentPutGetInOneRequest(t *testing.T) {
	s := newManager(t)
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					key := fmt.Sprintf("g%d", g)
					s.Put(r.Context(), key, i)
					s.GetInt(r.Context(), key)
					s.Keys(r.Context())
					s.Exists(r.Context(), "g0")
				}
			}(g)
		}
		wg.Wait()
	}, "")
	tok := sessionCookie(w, "session").Value
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d%d", len(s.Keys(r.Context())), s.GetInt(r.Context(), "g7"))
	}, tok)
	if w.Body.String() != "899" {
		t.Errorf("after concurrent puts: %q, want 8 keys and g7=99", w.Body.String())
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

func TestMalformedCookieSkipsStore(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	bad := []string{strings.Repeat("é", 22), strings.Repeat("a", maxCookieValue+1), strings.Repeat("a", 100000),
		"a,b", `a"b`, "a\\b", "a\x01b", "a\x7fb"}
	for _, v := range bad {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", "session="+v)
		w := httptest.NewRecorder()
		s.LoadAndSave(getString(s, "k")).ServeHTTP(w, r)
		if w.Code != 200 {
			t.Errorf("cookie %.20q: status %d", v, w.Code)
		}
	}
	if cs.finds != 0 {
		t.Errorf("cookie values that cannot be tokens caused %d store look-ups", cs.finds)
	}
	// Any value a cookie can carry is looked up, as SCS v2 does: a token
	// of ours, and tokens an application or its tests made themselves.
	valid, _ := generateToken()
	for i, v := range []string{valid, "x", "some-session-id2", "../../etc/passwd", strings.Repeat("a", maxCookieValue)} {
		do(t, s, getString(s, "k"), v)
		if cs.finds != i+1 {
			t.Errorf("token %.20q caused %d look-ups in all, want %d", v, cs.finds, i+1)
		}
	}
	// No cookie and an unused session: the store is not touched at all.
	finds := cs.finds
	do(t, s, func(http.ResponseWriter, *http.Request) {}, "")
	if cs.finds != finds || cs.commits != 0 {
		t.Errorf("an unused session touched the store: %d finds, %d commits", cs.finds-finds, cs.commits)
	}
}

// TestMadeUpTokenLoadsAsInSCS loads a session that an application (or its
// tests) committed under a token of its own making, as SCS v2 does.
func TestMadeUpTokenLoadsAsInSCS(t *testing.T) {
	s := newManager(t)
	exp := time.Now().Add(time.Hour)
	b, err := s.Codec.Encode(exp, map[string]interface{}{"state": "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Commit("some-session-id", b, exp); err != nil {
		t.Fatal(err)
	}
	ctx, err := s.Load(context.Background(), "some-session-id")
	if err != nil || s.GetString(ctx, "state") != "abc" {
		t.Fatalf("Load of a made-up token: %q, %v; want abc", s.GetString(ctx, "state"), err)
	}
	if w := do(t, s, getString(s, "state"), "some-session-id"); w.Body.String() != "abc" {
		t.Errorf("LoadAndSave with the made-up token read %q", w.Body.String())
	}
}

func TestStoreErrors(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	cs.fail = errors.New("store is down")

	var got error
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		http.Error(w, "sorry", http.StatusServiceUnavailable)
	}
	w := do(t, s, getString(s, "k"), tok)
	if w.Code != 503 || !errors.Is(got, cs.fail) {
		t.Errorf("load failure: code %d err %v", w.Code, got)
	}

	// A failed commit answers with ErrorFunc, and the handler's later
	// output is dropped rather than appended to the error page.
	got = nil
	var writeErr error
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		_, writeErr = io.WriteString(w, "handler output")
	}, "")
	if w.Code != 503 || !errors.Is(got, cs.fail) || strings.Contains(w.Body.String(), "handler output") {
		t.Errorf("commit failure: code %d err %v body %q", w.Code, got, w.Body.String())
	}
	if !errors.Is(writeErr, ErrCommitFailed) {
		t.Errorf("Write after a failed commit = %v, want ErrCommitFailed", writeErr)
	}
	if sessionCookie(w, "session") != nil {
		t.Error("a cookie was written for a session that was not saved")
	}
}

func TestIdleTimeout(t *testing.T) {
	s := newManager(t)
	start := time.Now().UTC().Truncate(time.Second)
	now := start
	s.now = func() time.Time { return now }
	s.IdleTimeout = 20 * time.Minute
	s.Lifetime = time.Hour

	w := do(t, s, put(s, "k", "v"), "")
	c := sessionCookie(w, "session")
	if c.MaxAge != 20*60+1 {
		t.Errorf("Max-Age = %d, want the idle timeout", c.MaxAge)
	}
	// A read extends the idle expiry: the session is saved again.
	now = now.Add(15 * time.Minute)
	ctx, _ := s.Load(context.Background(), c.Value)
	if s.Status(ctx) != Modified {
		t.Error("with IdleTimeout a loaded session is not Modified")
	}
	_, expiry, err := s.Commit(ctx)
	if err != nil || !expiry.Equal(now.Add(20*time.Minute)) {
		t.Errorf("Commit expiry %v, %v; want now+idle", expiry, err)
	}
	// Near the absolute deadline the deadline wins.
	now = now.Add(40 * time.Minute)
	ctx, _ = s.Load(context.Background(), c.Value)
	_, expiry, _ = s.Commit(ctx)
	if want := start.Add(time.Hour); !expiry.Equal(want) {
		t.Errorf("Commit expiry %v, want the deadline %v", expiry, want)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	s := newManager(t)
	s.Lifetime = 300 * time.Millisecond
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "v" {
		t.Fatal("session not found before its lifetime")
	}
	// Activity does not extend the absolute lifetime.
	do(t, s, put(s, "k2", "v2"), tok)
	time.Sleep(400 * time.Millisecond)
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "" {
		t.Error("session found after its lifetime")
	}
}

func TestIterate(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		t.Run(fmt.Sprintf("hashed=%v", hashed), func(t *testing.T) {
			s := newManager(t)
			s.HashTokenInStore = hashed
			for i := 0; i < 6; i++ {
				do(t, s, func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), "userID", i%2) }, "")
			}
			parent := context.WithValue(context.Background(), parentKey{}, "parent")
			err := s.Iterate(parent, func(ctx context.Context) error {
				if sc, ok := ctx.(*sessionCtx); !ok || sc.Context != parent {
					t.Error("Iterate grew a context chain")
				}
				if s.GetInt(ctx, "userID") == 1 {
					return s.Destroy(ctx)
				}
				s.Put(ctx, "seen", true)
				_, _, err := s.Commit(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			all, _ := s.Store.(*memstore.MemStore).All()
			if len(all) != 3 {
				t.Fatalf("%d sessions left, want 3 (Destroy inside Iterate must delete)", len(all))
			}
			n := 0
			if err := s.Iterate(parent, func(ctx context.Context) error {
				if !s.GetBool(ctx, "seen") {
					t.Error("change committed inside Iterate was lost")
				}
				n++
				return nil
			}); err != nil || n != 3 {
				t.Fatalf("second Iterate: %v, %d sessions", err, n)
			}
			stop := errors.New("stop")
			if err := s.Iterate(parent, func(context.Context) error { return stop }); err != stop {
				t.Errorf("Iterate returned %v, want fn's error", err)
			}
		})
	}
}

func TestIterateNotIterable(t *testing.T) {
	s := newManager(t)
	s.Store = &countingStore{Store: s.Store}
	err := s.Iterate(context.Background(), func(context.Context) error { return nil })
	if !errors.Is(err, ErrNotIterable) {
		t.Fatalf("Iterate on a store without All = %v, want ErrNotIterable", err)
	}
}

func TestHashTokenInStore(t *testing.T) {
	s := newManager(t)
	s.HashTokenInStore = true
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	if _, found, _ := s.Store.Find(tok); found {
		t.Error("the raw token is a store key")
	}
	if _, found, _ := s.Store.Find(hashToken(tok)); !found {
		t.Error("the hashed token is not a store key")
	}
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "v" {
		t.Error("session not loaded through the hashed key")
	}
}

func TestWriteHeaderCommitsFirst(t *testing.T) {
	s := newManager(t)
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		w.WriteHeader(http.StatusCreated)
		s.Put(r.Context(), "late", "x") // after the headers: not saved
	}, "")
	if w.Code != 201 || sessionCookie(w, "session") == nil {
		t.Fatalf("code %d cookie %v", w.Code, sessionCookie(w, "session"))
	}
	tok := sessionCookie(w, "session").Value
	if w := do(t, s, getString(s, "late"), tok); w.Body.String() != "" {
		t.Error("a Put after the headers left was saved")
	}
}

func TestFlushAndHijackThroughResponseController(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		rc := http.NewResponseController(w)
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		io.WriteString(w, "after flush")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		buf.Flush()
	})
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Set-Cookie") == "" || string(body) != "after flush" {
		t.Errorf("flush: cookie %q body %q", resp.Header.Get("Set-Cookie"), body)
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	if string(body) != "hijacked" {
		t.Errorf("hijack body %q", body)
	}
}

func TestCookieValue(t *testing.T) {
	cases := []struct {
		headers []string
		want    string
	}{
		{nil, ""},
		{[]string{"session=abc"}, "abc"},
		{[]string{"a=1; session=abc; b=2"}, "abc"},
		{[]string{"a=1;session=abc"}, "abc"},
		{[]string{`session="abc"`}, "abc"},
		{[]string{"sessionx=1; xsession=2"}, ""},
		{[]string{"a=1", "session=second-header"}, "second-header"},
		{[]string{"session=first; session=second"}, "first"},
		{[]string{"session=" + strings.Repeat("a", maxCookieValue+1)}, ""},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range tc.headers {
			r.Header.Add("Cookie", h)
		}
		if got := cookieValue(r, "session", maxCookieValue); got != tc.want {
			t.Errorf("cookieValue(%.40q) = %q, want %q", tc.headers, got, tc.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	for i := 0; i < 100; i++ {
		tok, err := generateToken()
		if err != nil || !validToken(tok) || !validToken(hashToken(tok)) {
			t.Fatalf("generated token %q rejected", tok)
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 42) + "B", strings.Repeat("A", 42) + "=", strings.Repeat("+", 43)} {
		if validToken(bad) {
			t.Errorf("validToken(%q) = true", bad)
		}
	}
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

func TestIdleRefreshIntervalSkipsWrites(t *testing.T) {
	s := newManager(t)
	st := &expiryCounting{MemStore: memstore.NewWithCleanupInterval(0)}
	s.Store = st
	start := time.Now().UTC()
	now := start
	s.now = func() time.Time { return now }
	s.IdleTimeout = 20 * time.Minute
	s.IdleRefreshInterval = 5 * time.Minute

	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	steps := []struct {
		at      time.Duration // since the session was created
		h       http.HandlerFunc
		commits int
		cookie  bool
	}{
		{time.Minute, getString(s, "k"), 1, false},     // expiry moved by 1m: skipped
		{4 * time.Minute, getString(s, "k"), 1, false}, // 4m: skipped
		{6 * time.Minute, getString(s, "k"), 2, true},  // 6m >= 5m: saved
		{7 * time.Minute, put(s, "k", "w"), 3, true},   // a change is always saved
	}
	for i, st2 := range steps {
		now = start.Add(st2.at)
		w := do(t, s, st2.h, tok)
		if st.commits != st2.commits || (sessionCookie(w, "session") != nil) != st2.cookie {
			t.Fatalf("step %d: %d commits, cookie %v; want %d, %v", i, st.commits, sessionCookie(w, "session") != nil, st2.commits, st2.cookie)
		}
	}
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "w" {
		t.Fatalf("session lost: %q", w.Body.String())
	}
}

func TestIdleRefreshIntervalNeedsExpiryStore(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store} // hides memstore's FindExpiry
	s.Store = cs
	s.IdleTimeout = time.Hour
	s.IdleRefreshInterval = 30 * time.Minute
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	do(t, s, getString(s, "k"), tok)
	if cs.commits != 2 {
		t.Fatalf("%d commits, want 2: without FindExpiry every request saves", cs.commits)
	}
}

func TestIdleRefreshAtTheDeadline(t *testing.T) {
	s := newManager(t)
	st := &expiryCounting{MemStore: memstore.NewWithCleanupInterval(0)}
	s.Store = st
	s.Lifetime = 10 * time.Minute // the deadline caps every idle expiry
	s.IdleTimeout = 20 * time.Minute
	s.IdleRefreshInterval = time.Minute
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	do(t, s, getString(s, "k"), tok)
	if st.commits != 1 {
		t.Fatalf("%d commits: saving cannot move an expiry capped by the deadline", st.commits)
	}
}
