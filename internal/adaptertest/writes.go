package adaptertest

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// sessionCookie is the Set-Cookie line of a new session with New's
// settings.
var sessionCookie = regexp.MustCompile(`^session=[A-Za-z0-9_-]{43}; Path=/; Expires=[^;]+; Max-Age=86400; HttpOnly; SameSite=Lax$`)

// Streaming checks that a handler which sends its headers and first chunk
// before it finishes (WriteHeader, a write, Flush through the framework's
// writer) has the cookie in those headers, and that the session is saved
// by then.
func Streaming(t *testing.T, a Adapter) {
	sm := scs.New()
	release := make(chan struct{})
	srv := httptest.NewServer(a.Router(sm, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			Handler(sm, nil).ServeHTTP(w, r)
			return
		}
		sm.Put(r.Context(), "msg", "streamed")
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "data: two\n\n")
	}), false))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for the handler
	resp, err := srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The handler is still blocked: these headers left with the first chunk.
	if sc := resp.Header.Get("Set-Cookie"); !sessionCookie.MatchString(sc) {
		t.Errorf("%s: Set-Cookie = %q", a.Name, sc)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("%s: first chunk %q, %v", a.Name, line, err)
	}
	c := cookieOf(resp, sm)
	if got := get(t, srv.URL+"/get", sm, "", c); got.body != "streamed" {
		t.Errorf("%s: /get while streaming = %q", a.Name, got.body)
	}
}

// FlushFirst checks a handler that flushes before it writes anything: the
// headers, with the cookie, leave with the flush.
func FlushFirst(t *testing.T, a Adapter) {
	sm := scs.New()
	release := make(chan struct{})
	srv := httptest.NewServer(a.Router(sm, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/flush" {
			Handler(sm, nil).ServeHTTP(w, r)
			return
		}
		sm.Put(r.Context(), "msg", "flushed")
		w.(http.Flusher).Flush()
		<-release
	}), false))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/flush")
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); !sessionCookie.MatchString(sc) {
		t.Errorf("%s: Set-Cookie = %q", a.Name, sc)
	}
	close(release)
	io.Copy(io.Discard, resp.Body)
	if got := get(t, srv.URL+"/get", sm, "", cookieOf(resp, sm)); got.body != "flushed" {
		t.Errorf("%s: /get = %q", a.Name, got.body)
	}
}

// SaveFailure checks that when the store fails as the handler's status
// line is about to leave, ErrorFunc's answer is what the client gets,
// without the handler's status or body, and the handler's write returns
// scs.ErrCommitFailed; and the same when the handler writes nothing.
func SaveFailure(t *testing.T, a Adapter) {
	sm := scs.New()
	sm.Store = failingStore{memstore.NewWithCleanupInterval(0)}
	var gotErr error
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		gotErr = err
		http.Error(w, "session store down", http.StatusServiceUnavailable)
	}
	var writeErr error
	srv := httptest.NewServer(a.Router(sm, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/write" {
			Handler(sm, nil).ServeHTTP(w, r)
			return
		}
		sm.Put(r.Context(), "msg", "x")
		w.WriteHeader(http.StatusOK)
		_, writeErr = io.WriteString(w, "handler body")
	}), false))
	defer srv.Close()
	for _, path := range []string{"/write", "/quiet?v=x"} {
		got := get(t, srv.URL+path, sm, "", "")
		if got.status != http.StatusServiceUnavailable || got.body != "session store down\n" {
			t.Errorf("%s: %s answered %d %q", a.Name, path, got.status, got.body)
		}
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "disk full") {
		t.Errorf("%s: ErrorFunc got %v", a.Name, gotErr)
	}
	if !errors.Is(writeErr, scs.ErrCommitFailed) {
		t.Errorf("%s: the handler's write returned %v, want scs.ErrCommitFailed", a.Name, writeErr)
	}
}

// failingStore is a memstore whose Commit fails.
type failingStore struct{ *memstore.MemStore }

func (s failingStore) Commit(string, []byte, time.Time) error {
	return errors.New("disk full")
}

// cookieOf returns the value of sm's session cookie that resp sets.
func cookieOf(resp *http.Response, sm *scs.SessionManager) string {
	for _, c := range resp.Cookies() {
		if c.Name == sm.Cookie.Name {
			return c.Value
		}
	}
	return ""
}
