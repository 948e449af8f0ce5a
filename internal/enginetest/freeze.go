package enginetest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// FreezeGuard is how much longer than StoreTimeout a request to a frozen
// engine may take before CheckStoreTimeout calls it hung: a guard against
// hanging forever, not a measure of speed.
const FreezeGuard = 3 * time.Second

// CheckStoreTimeout serves a SessionManager with st and StoreTimeout bound
// through a real HTTP server, saves a session, then freezes e (the engine
// behind st) with SIGSTOP and checks that a request answers 500 instead of
// waiting for the engine (it must come back within bound+FreezeGuard),
// then thaws e and checks that the session is read again.
func CheckStoreTimeout(t *testing.T, st scs.Store, e *Engine, bound time.Duration) {
	t.Helper()
	s := scs.New()
	s.Store = st
	s.StoreTimeout = bound
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), "k", "v") })
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s.GetString(r.Context(), "k")) })
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { s.SetUser(r.Context(), "alice") })
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		ids, err := s.UserSessions(r.Context(), "alice")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, len(ids))
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		n, err := s.DestroyUser(r.Context(), "alice")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, n)
	})
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()
	client := &http.Client{Timeout: bound + FreezeGuard}
	get := func(path, token string) (int, string, string, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.AddCookie(&http.Cookie{Name: "session", Value: token})
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v (StoreTimeout %v did not bound the request)", path, err, bound)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var cookie string
		for _, c := range resp.Cookies() {
			cookie = c.Value
		}
		return resp.StatusCode, string(body), cookie, time.Since(start)
	}

	code, _, token, _ := get("/put", "")
	if code != http.StatusOK || token == "" {
		t.Fatalf("put: %d, cookie %q", code, token)
	}
	_, indexed := st.(scs.UserIndexStore)
	if indexed {
		if code, _, _, _ := get("/login", ""); code != http.StatusOK {
			t.Fatalf("login: %d", code)
		}
	}
	e.Freeze()
	paths := []string{"/get"}
	if indexed {
		// SetUser's save, UserSessions and DestroyUser: every call to
		// the index is bounded too.
		paths = append(paths, "/login", "/sessions", "/everywhere")
	}
	for _, path := range paths {
		tok := token
		if path != "/get" {
			tok = ""
		}
		code, body, _, took := get(path, tok)
		if code != http.StatusInternalServerError {
			t.Errorf("frozen %s: %s answered %d %q, want 500", e.Name(), path, code, body)
		}
		t.Logf("%s to the frozen %s took %v (StoreTimeout %v)", path, e.Name(), took, bound)
	}
	e.Thaw()
	if indexed {
		if code, body, _, _ := get("/sessions", ""); code != http.StatusOK || body != "1" {
			t.Errorf("after thawing %s: UserSessions answered %d %q, want alice's one session", e.Name(), code, body)
		}
	}
	if code, body, _, _ := get("/get", token); code != http.StatusOK || body != "v" {
		t.Errorf("after thawing %s: status %d body %q, want 200 and the session's value", e.Name(), code, body)
	}
}
