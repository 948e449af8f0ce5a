package scs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/internal/gobwire"
	"github.com/seed3bbca6c1/scs/memstore"
)

// otherCookies returns about n bytes of cookies not named "session".
func otherCookies(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("tracker")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("=")
		b.WriteString(strings.Repeat("v", 100))
	}
	return b.String()
}

func TestLargeCookieHeaderKeepsSession(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/put", put(s, "user", "ada"))
	mux.HandleFunc("/get", getString(s, "user"))
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, _ := fetch(t, srv.URL+"/put", "")
	var token string
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie")
	}
	for _, size := range []int{18 << 10, 64 << 10} {
		others := otherCookies(size)
		for _, header := range []string{
			"session=" + token + "; " + others,
			others + "; session=" + token,
		} {
			resp, body := fetch(t, srv.URL+"/get", header)
			if resp.StatusCode != 200 || body != "ada" {
				t.Errorf("%d-byte Cookie header, session cookie %s: status %d, body %q, want the session's value",
					len(header), where(header), resp.StatusCode, body)
			}
		}
	}
}

func where(header string) string {
	if strings.HasPrefix(header, "session=") {
		return "first"
	}
	return "last"
}

func TestHeaderTokenResponsesAreNotStored(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/put", put(s, "k", "v"))
	mux.HandleFunc("/get", getString(s, "k"))
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) { s.Destroy(r.Context()) })
	mux.HandleFunc("/cached", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		s.Put(r.Context(), "k", "w")
	})
	srv := httptest.NewServer(s.LoadAndSaveHeader("X-Session-Token", mux))
	defer srv.Close()
	get := func(path, token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("X-Session-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	noStore := func(resp *http.Response) bool {
		for _, v := range resp.Header.Values("Cache-Control") {
			if strings.Contains(v, "no-store") {
				return true
			}
		}
		return false
	}

	resp := get("/put", "")
	tok := resp.Header.Get("X-Session-Token")
	if !validToken(tok) || !noStore(resp) {
		t.Fatalf("new session: token %q, Cache-Control %q; want a token and no-store", tok, resp.Header.Values("Cache-Control"))
	}
	if resp := get("/cached", tok); resp.Header.Get("X-Session-Token") != tok || !noStore(resp) {
		t.Errorf("handler set its own Cache-Control: %q; want no-store as well", resp.Header.Values("Cache-Control"))
	}
	if resp := get("/get", tok); resp.Header.Get("X-Session-Token") != "" {
		t.Errorf("an unmodified session sent its token: %v", resp.Header)
	}
	if resp := get("/destroy", tok); !noStore(resp) {
		t.Errorf("after Destroy: Cache-Control %q, want no-store", resp.Header.Values("Cache-Control"))
	}

	s.IdleTimeout = time.Hour // every request sends the token again
	resp = get("/put", "")
	tok = resp.Header.Get("X-Session-Token")
	if resp := get("/get", tok); resp.Header.Get("X-Session-Token") != tok || !noStore(resp) {
		t.Errorf("idle refresh: token %q Cache-Control %q; want the token and no-store",
			resp.Header.Get("X-Session-Token"), resp.Header.Values("Cache-Control"))
	}
}

func TestWriterIsFlusherAndHijacker(t *testing.T) {
	s := newManager(t)
	flushed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "streamed")
		f, ok := w.(http.Flusher)
		if !ok {
			t.Errorf("%T is not an http.Flusher", w)
			return
		}
		io.WriteString(w, "first\n")
		f.Flush()
		<-flushed // the client has read the first line before the handler returns
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/get", getString(s, "k"))
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "hijacked")
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("%T is not an http.Hijacker", w)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		buf.Flush()
	})
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	close(flushed)
	if err != nil || line != "first\n" {
		t.Fatalf("first streamed line %q, %v", line, err)
	}
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	var token string
	for _, c := range resp.Cookies() {
		token = c.Value
	}
	if string(rest) != "second\n" || token == "" {
		t.Fatalf("stream: rest %q, cookie %q; want the second line and the session cookie sent before the first flush", rest, token)
	}
	if _, body := fetch(t, srv.URL+"/get", "session="+token); body != "streamed" {
		t.Errorf("session after streaming = %q, want it saved before the flush", body)
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\nCookie: session="+token+"\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "raw" {
		t.Errorf("hijacked connection answered %q", body)
	}
	if _, body := fetch(t, srv.URL+"/get", "session="+token); body != "hijacked" {
		t.Errorf("session after hijack = %q, want it saved before the hijack", body)
	}
}

func TestHijackUnsupportedIsAnError(t *testing.T) {
	s := newManager(t)
	var err error
	h := s.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("%T is not an http.Hijacker", w)
			return
		}
		_, _, err = hj.Hijack()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack on a writer that cannot = %v, want http.ErrNotSupported", err)
	}
}

// hardeningProfile is a custom value type registered with gob.
type hardeningProfile struct{ Name string }

func init() { gob.Register(hardeningProfile{}) }

// undecodablePayloads are stored payloads GobCodec cannot decode.
func undecodablePayloads(t *testing.T) map[string][]byte {
	t.Helper()
	good, err := GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"user": "ada", "n": 42})
	if err != nil {
		t.Fatal(err)
	}
	custom, err := GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"p": hardeningProfile{Name: "ada"}})
	if err != nil {
		t.Fatal(err)
	}
	var other bytes.Buffer
	gob.NewEncoder(&other).Encode([]int{1, 2, 3})
	random := make([]byte, 64)
	rand.NewChaCha8([32]byte{1}).Read(random)
	return map[string][]byte{
		"empty":             {},
		"random bytes":      random,
		"JSON":              []byte(`{"Deadline":"2030-01-01T00:00:00Z","Values":{"user":"ada"}}`),
		"truncated gob":     good[:len(good)/2],
		"gob of a []int":    other.Bytes(),
		"unregistered type": bytes.Replace(custom, []byte("hardeningProfile"), []byte("hardeningProfilX"), 1),
	}
}

func TestUndecodableDataStartsFreshSession(t *testing.T) {
	for name, payload := range undecodablePayloads(t) {
		t.Run(name, func(t *testing.T) {
			s := newManager(t)
			var mu sync.Mutex
			var events []Event
			s.OnEvent = func(_ context.Context, e Event) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
			s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
				t.Errorf("ErrorFunc called: %v", err)
				http.Error(w, "error", 500)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("/get", getString(s, "user"))
			mux.HandleFunc("/put", put(s, "user", "grace"))
			srv := httptest.NewServer(s.LoadAndSave(mux))
			defer srv.Close()

			bad, _ := generateToken()
			if err := s.Store.Commit(bad, payload, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				resp, body := fetch(t, srv.URL+"/get", "session="+bad)
				if resp.StatusCode != 200 || body != "" || resp.Header.Get("Set-Cookie") != "" {
					t.Fatalf("read %d: status %d body %q Set-Cookie %q; want 200, an empty session and no cookie",
						i, resp.StatusCode, body, resp.Header.Get("Set-Cookie"))
				}
			}
			mu.Lock()
			if len(events) != 2 || events[0].Kind != EventUndecodable || events[0].Err == nil || events[0].ID != tokenID(bad) {
				t.Errorf("events = %+v, want two EventUndecodable with Err and the token's ID", events)
			}
			mu.Unlock()

			resp, _ := fetch(t, srv.URL+"/put", "session="+bad)
			var fresh string
			for _, c := range resp.Cookies() {
				fresh = c.Value
			}
			if resp.StatusCode != 200 || !validToken(fresh) || fresh == bad {
				t.Fatalf("save: status %d cookie %q; want 200 and a new token", resp.StatusCode, fresh)
			}
			if _, found, _ := s.Store.Find(bad); found {
				t.Error("the undecodable entry is still in the store after the new session was saved")
			}
			if _, body := fetch(t, srv.URL+"/get", "session="+fresh); body != "grace" {
				t.Errorf("new session reads %q, want %q", body, "grace")
			}
		})
	}
}

func TestUndecodableDataInMergeAndIterate(t *testing.T) {
	s := newManager(t)
	var kinds []EventKind
	s.OnEvent = func(_ context.Context, e Event) { kinds = append(kinds, e.Kind) }
	bad, _ := generateToken()
	s.Store.Commit(bad, []byte("not gob"), time.Now().Add(time.Hour))
	good, _ := generateToken()
	b, _ := GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"k": "v"})
	s.Store.Commit(good, b, time.Now().Add(time.Hour))

	h := s.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.MergeSession(r.Context(), bad); err != nil {
			t.Errorf("MergeSession of undecodable data = %v, want nil (treated as unknown)", err)
		}
		s.Put(r.Context(), "x", "y")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	if resp, _ := fetch(t, srv.URL, ""); resp.StatusCode != 200 {
		t.Errorf("merge request: status %d", resp.StatusCode)
	}

	var seen []string
	err := s.Iterate(context.Background(), func(ctx context.Context) error {
		seen = append(seen, s.GetString(ctx, "k")+s.GetString(ctx, "x"))
		return nil
	})
	slices.Sort(seen)
	if err != nil || !slices.Equal(seen, []string{"v", "y"}) {
		t.Errorf("Iterate = %v, saw %q; want nil and the two decodable sessions", err, seen)
	}
	if n := strings.Count(fmt.Sprint(kinds), "undecodable"); n != 2 {
		t.Errorf("events %v: want EventUndecodable from MergeSession and from Iterate", kinds)
	}
}

// craftedPayloads returns payloads of a valid gob stream whose Values map
// claims count entries, or whose one key claims a length of count bytes.
func craftedPayloads(t *testing.T) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&gobSession{Values: map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The value message: its length, the type id 64, the delta to Values,
	// the map count 1, then the key "k".
	i := bytes.LastIndex(b, []byte{0xff, 0x80, 0x02, 0x01, 0x01, 'k'}) - 1
	if i < 0 || int(b[i]) != len(b)-i-1 {
		t.Fatalf("unexpected gob layout %x", b)
	}
	patch := func(at int, with []byte) []byte {
		out := bytes.Clone(b[:i])
		out = append(out, b[i]+byte(len(with)-1))
		out = append(out, b[i+1:at]...)
		out = append(out, with...)
		return append(out, b[at+1:]...)
	}
	return map[string][]byte{
		"map count 2^26":  patch(i+4, []byte{0xfc, 0x04, 0, 0, 0}),
		"map count 2^30":  patch(i+4, []byte{0xfc, 0x40, 0, 0, 0}),
		"map count 2^62":  patch(i+4, []byte{0xf8, 0x40, 0, 0, 0, 0, 0, 0, 0}),
		"key length 2^40": patch(i+5, []byte{0xfa, 0x01, 0, 0, 0, 0, 0}),
	}
}

func TestCraftedCountsAreRejectedWithoutAllocating(t *testing.T) {
	for name, p := range craftedPayloads(t) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := GobCodec{}.Decode(p)
		runtime.ReadMemStats(&after)
		var malformed *gobwire.MalformedError
		if !errors.As(err, &malformed) {
			t.Errorf("%s (%d bytes): Decode = %v, want a *gobwire.MalformedError from the fast path (not encoding/gob)", name, len(p), err)
			continue
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
			t.Errorf("%s: Decode allocated %d bytes for a %d-byte payload", name, n, len(p))
		}
	}

	// Through LoadAndSave the request gets a fresh session.
	s := newManager(t)
	var undecodable int
	s.OnEvent = func(_ context.Context, e Event) {
		if e.Kind == EventUndecodable {
			undecodable++
		}
	}
	srv := httptest.NewServer(s.LoadAndSave(getString(s, "k")))
	defer srv.Close()
	for name, p := range craftedPayloads(t) {
		tok, _ := generateToken()
		s.Store.Commit(tok, p, time.Now().Add(time.Hour))
		if resp, body := fetch(t, srv.URL, "session="+tok); resp.StatusCode != 200 || body != "" {
			t.Errorf("%s: status %d body %q, want 200 and an empty session", name, resp.StatusCode, body)
		}
	}
	if undecodable != len(craftedPayloads(t)) {
		t.Errorf("%d EventUndecodable, want one per payload", undecodable)
	}
}

// TestCustomTypesStillFallBackToGob checks that a payload with a custom
// registered type, which the fast path does not handle, still decodes.
func TestCustomTypesStillFallBackToGob(t *testing.T) {
	b, err := GobCodec{}.Encode(time.Time{}, map[string]any{"p": hardeningProfile{Name: "ada"}, "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := GobCodec{}.Decode(b)
	if err != nil || v["p"] != (hardeningProfile{Name: "ada"}) || v["n"] != 1 {
		t.Fatalf("Decode = %v, %v", v, err)
	}
}

func TestCookieSettingsBrowsersDropAreRefused(t *testing.T) {
	bad := []struct {
		name   string
		cookie func(*SessionCookie)
		want   string // in the panic message
	}{
		{"empty name", func(c *SessionCookie) { c.Name = "" }, "Name"},
		{"name with a space", func(c *SessionCookie) { c.Name = "my session" }, "Name"},
		{"name with a semicolon", func(c *SessionCookie) { c.Name = "a;b" }, "Name"},
		{"__Host- without Secure", func(c *SessionCookie) { c.Name = "__Host-session" }, "Secure"},
		{"__Host- with Path /app", func(c *SessionCookie) { c.Name, c.Secure, c.Path = "__Host-session", true, "/app" }, "Path"},
		{"__Host- with a Domain", func(c *SessionCookie) { c.Name, c.Secure, c.Domain = "__Host-session", true, "example.com" }, "Domain"},
		{"__host- in lower case", func(c *SessionCookie) { c.Name = "__host-session" }, "Secure"},
		{"__Secure- without Secure", func(c *SessionCookie) { c.Name = "__Secure-session" }, "Secure"},
		{"SameSite=None without Secure", func(c *SessionCookie) { c.SameSite = http.SameSiteNoneMode }, "SameSite=None"},
		{"Partitioned without Secure", func(c *SessionCookie) { c.Partitioned = true }, "Secure"},
		{"invalid Domain", func(c *SessionCookie) { c.Domain = "bad domain" }, "Domain"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			s := newManager(t)
			tc.cookie(&s.Cookie)
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "scs: ") || !strings.Contains(msg, tc.want) {
					t.Errorf("LoadAndSave panicked with %q, want a message starting \"scs: \" naming %s", msg, tc.want)
				}
			}()
			s.LoadAndSave(put(s, "k", "v"))
		})
	}

	good := []func(*SessionCookie){
		func(c *SessionCookie) {},
		func(c *SessionCookie) { c.Name, c.Secure = "__Host-session", true },
		func(c *SessionCookie) { c.Name, c.Secure, c.Path = "__Secure-session", true, "/app" },
		func(c *SessionCookie) { c.SameSite, c.Secure, c.Partitioned = http.SameSiteNoneMode, true, true },
		func(c *SessionCookie) { c.Domain, c.Path = "example.com", "/app" },
	}
	for i, set := range good {
		s := newManager(t)
		set(&s.Cookie)
		srv := httptest.NewTLSServer(s.LoadAndSave(put(s, "k", "v")))
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		cs := resp.Cookies()
		if len(cs) != 1 || cs[0].Name != s.Cookie.Name || !validToken(cs[0].Value) {
			t.Errorf("good settings %d (%+v): cookies %v", i, s.Cookie, cs)
		}
	}
}

// TestHeaderModeIgnoresCookieSettings checks that LoadAndSaveHeader, which
// writes no cookie, does not refuse cookie settings.
func TestHeaderModeIgnoresCookieSettings(t *testing.T) {
	s := newManager(t)
	s.Cookie.Name = ""
	s.LoadAndSaveHeader("X-Session", put(s, "k", "v"))
}

// deadlineStore is a CtxStore over a memstore that records whether each
// context-aware call had a deadline, and how far away.
type deadlineStore struct {
	*memstore.MemStore
	mu    sync.Mutex
	calls map[string]time.Duration // call -> time left; -1 for no deadline
}

func (d *deadlineStore) record(ctx context.Context, call string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	left := time.Duration(-1)
	if dl, ok := ctx.Deadline(); ok {
		left = time.Until(dl)
	}
	d.calls[call] = left
}

func (d *deadlineStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	d.record(ctx, "find")
	return d.MemStore.Find(token)
}

func (d *deadlineStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	d.record(ctx, "commit")
	return d.MemStore.Commit(token, b, expiry)
}

func (d *deadlineStore) DeleteCtx(ctx context.Context, token string) error {
	d.record(ctx, "delete")
	return d.MemStore.Delete(token)
}

func (d *deadlineStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	d.record(ctx, "all")
	return d.MemStore.All()
}

func TestStoreTimeoutBoundsEachStoreCall(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Minute} {
		s := newManager(t)
		ds := &deadlineStore{MemStore: memstore.NewWithCleanupInterval(0), calls: map[string]time.Duration{}}
		s.Store = ds
		s.StoreTimeout = timeout
		mux := http.NewServeMux()
		mux.HandleFunc("/put", put(s, "k", "v"))
		mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) { s.Destroy(r.Context()) })
		srv := httptest.NewServer(s.LoadAndSave(mux))
		resp, _ := fetch(t, srv.URL+"/put", "")
		fetch(t, srv.URL+"/put", resp.Header.Get("Set-Cookie"))
		fetch(t, srv.URL+"/destroy", resp.Header.Get("Set-Cookie"))
		srv.Close()
		s.Iterate(context.Background(), func(context.Context) error { return nil })
		for _, call := range []string{"find", "commit", "delete", "all"} {
			left, ok := ds.calls[call]
			switch {
			case !ok:
				t.Errorf("StoreTimeout %v: no %s call", timeout, call)
			case timeout == 0 && left != -1:
				t.Errorf("StoreTimeout 0: %s had a deadline %v away", call, left)
			case timeout > 0 && (left <= 0 || left > timeout):
				t.Errorf("StoreTimeout %v: %s had %v left, want a deadline within the bound", timeout, call, left)
			}
		}
	}
}

func TestMalformedTokenIsReported(t *testing.T) {
	s := newManager(t)
	var got []Event
	s.OnEvent = func(_ context.Context, e Event) { got = append(got, e) }
	srv := httptest.NewServer(s.LoadAndSave(getString(s, "k")))
	defer srv.Close()
	if resp, _ := fetch(t, srv.URL, "session=not,a,token"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(got) != 1 || got[0].Kind != EventInvalidToken || got[0].ID != "" {
		t.Errorf("events = %+v, want one EventInvalidToken without an ID", got)
	}
	got = nil
	fetch(t, srv.URL, "")
	if len(got) != 0 {
		t.Errorf("a request without a cookie sent %+v", got)
	}
}
