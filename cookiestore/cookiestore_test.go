package cookiestore

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 16)
)

func mustNew(t *testing.T, keys ...[]byte) *CookieStore {
	t.Helper()
	s, err := New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// server serves a manager whose store is st: /put?v= puts, /get gets,
// /renew renews the token, /destroy destroys. Errors are recorded.
type server struct {
	*httptest.Server
	m      *scs.SessionManager
	errs   []error
	client *http.Client
}

func newServer(t *testing.T, st scs.Sealer, configure func(*scs.SessionManager)) *server {
	t.Helper()
	srv := &server{m: scs.New()}
	srv.m.Sealer = st
	srv.m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		srv.errs = append(srv.errs, err)
		http.Error(w, "error", http.StatusInternalServerError)
	}
	if configure != nil {
		configure(srv.m)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		srv.m.Put(r.Context(), "v", r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, srv.m.GetString(r.Context(), "v"))
	})
	mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.m.RenewToken(r.Context()); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.m.Destroy(r.Context()); err != nil {
			t.Error(err)
		}
	})
	srv.Server = httptest.NewServer(srv.m.LoadAndSave(mux))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	srv.client = &http.Client{Jar: jar}
	return srv
}

// get requests path and returns the status, body and Set-Cookie header.
func (srv *server) get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	resp, err := srv.client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Set-Cookie")
}

func TestSessionLivesInTheCookie(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), nil)
	_, _, sc := srv.get(t, "/put?v=hello")
	if !strings.HasPrefix(sc, "session=") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("Set-Cookie = %q", sc)
	}
	// A second server with the same key and nothing shared but the key
	// reads the session: the data is in the cookie, not on the server.
	other := newServer(t, mustNew(t, key1), nil)
	other.client = srv.client
	resp, err := other.client.Do(cookieRequest(t, other.URL+"/get", srv, "session"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Fatalf("other server read %q, want hello", b)
	}
	if _, body, sc := srv.get(t, "/get"); body != "hello" || sc != "" {
		t.Fatalf("get = %q, Set-Cookie %q; want hello and no cookie", body, sc)
	}
}

// cookieRequest is a GET of url carrying srv's cookie called name.
func cookieRequest(t *testing.T, url string, srv *server, name string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for _, c := range srv.client.Jar.Cookies(mustURL(t, srv.URL)) {
		if c.Name == name {
			req.Header.Set("Cookie", name+"="+c.Value)
		}
	}
	return req
}

func TestKeyRotation(t *testing.T) {
	oldSrv := newServer(t, mustNew(t, key2), nil)
	oldSrv.get(t, "/put?v=before-rotation")

	rotated := newServer(t, mustNew(t, key1, key2), nil)
	rotated.client = oldSrv.client
	resp, _ := rotated.client.Do(cookieRequest(t, rotated.URL+"/get", oldSrv, "session"))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "before-rotation" {
		t.Fatalf("rotated store read %q from an old key's cookie", b)
	}

	dropped := newServer(t, mustNew(t, key1), nil)
	resp, _ = dropped.client.Do(cookieRequest(t, dropped.URL+"/get", oldSrv, "session"))
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "" {
		t.Fatalf("a store without the old key gave %d %q, want 200 and a new session", resp.StatusCode, b)
	}
}

func TestTamperedCookieStartsNewSession(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), nil)
	srv.get(t, "/put?v=secret")
	var value string
	for _, c := range srv.client.Jar.Cookies(mustURL(t, srv.URL)) {
		value = c.Value
	}
	mid := len(value) / 2
	flip := []byte(value)
	flip[mid] = 'A'
	if value[mid] == 'A' {
		flip[mid] = 'B'
	}
	for _, v := range []string{string(flip), value[:len(value)-4], "x", strings.Repeat("A", 5000)} {
		req, _ := http.NewRequest("GET", srv.URL+"/get", nil)
		req.Header.Set("Cookie", "session="+v)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "" {
			t.Errorf("cookie %.20q...: %d %q, want 200 and an empty session", v, resp.StatusCode, b)
		}
	}
	if len(srv.errs) != 0 {
		t.Fatalf("errors: %v", srv.errs)
	}
}

func TestTooLargeSessionFailsWithLimit(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), nil)
	srv.get(t, "/put?v=small")
	status, _, sc := srv.get(t, "/put?v="+strings.Repeat("x", 4000))
	if status != http.StatusInternalServerError || sc != "" {
		t.Fatalf("oversized session: %d, Set-Cookie %q; want 500 and no cookie", status, sc)
	}
	if len(srv.errs) != 1 || !errors.Is(srv.errs[0], ErrTooLarge) || !strings.Contains(srv.errs[0].Error(), "3800") {
		t.Fatalf("errors = %v, want one wrapping ErrTooLarge naming the limit", srv.errs)
	}
	if _, body, _ := srv.get(t, "/get"); body != "small" {
		t.Fatalf("after the failed save the session holds %q, want the old one", body)
	}
}

func TestDestroyAndRenew(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), nil)
	_, _, first := srv.get(t, "/put?v=a")
	_, _, renewed := srv.get(t, "/renew")
	if renewed == "" || renewed == first {
		t.Fatalf("RenewToken sent %q, want a new cookie", renewed)
	}
	if _, body, _ := srv.get(t, "/get"); body != "a" {
		t.Fatalf("after RenewToken the session holds %q", body)
	}
	_, _, destroyed := srv.get(t, "/destroy")
	if !strings.Contains(destroyed, "Max-Age=0") {
		t.Fatalf("Destroy sent %q, want an expired cookie", destroyed)
	}
	if _, body, _ := srv.get(t, "/get"); body != "" {
		t.Fatalf("after Destroy the session holds %q", body)
	}
}

func TestIdleRefreshIntervalSkipsCookie(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), func(m *scs.SessionManager) {
		m.IdleTimeout = 30 * time.Minute
		m.IdleRefreshInterval = time.Minute
	})
	srv.get(t, "/put?v=a")
	if _, body, sc := srv.get(t, "/get"); body != "a" || sc != "" {
		t.Fatalf("read-only request: %q, Set-Cookie %q; want a and no new cookie", body, sc)
	}
}

func TestExpiredTokenIsNotFound(t *testing.T) {
	s := mustNew(t, key1)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	tok, err := s.Seal("session", []byte("data"), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, expiry, found, err := s.Open("session", tok)
	if err != nil || !found || string(b) != "data" || !expiry.Equal(now.Add(time.Hour)) {
		t.Fatalf("Open = %q %v %v %v", b, expiry, found, err)
	}
	now = now.Add(time.Hour)
	if _, _, found, err := s.Open("session", tok); err != nil || found {
		t.Fatalf("Open after expiry = %v %v, want not found", found, err)
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, keys := range [][][]byte{nil, {[]byte("short")}, {key1, make([]byte, 7)}} {
		if _, err := New(keys...); err == nil {
			t.Errorf("New(%d keys) accepted bad keys", len(keys))
		}
	}
	var zero CookieStore
	if _, err := zero.Seal("session", nil, time.Now().Add(time.Hour)); err == nil {
		t.Error("the zero CookieStore sealed")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := New(key1)
	tok, _ := s.Seal("session", []byte("payload"), time.Now().Add(time.Hour))
	f.Add(tok)
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, token string) {
		b, _, found, err := s.Open("session", token)
		if err != nil {
			t.Fatal(err)
		}
		// key1 only ever sealed "payload" (in this process or, with a
		// nonce of its own, in the fuzzing coordinator).
		if found && string(b) != "payload" {
			t.Fatalf("a token Seal did not make opened: %q -> %q", token, b)
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
