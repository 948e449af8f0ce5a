package enginetest

import (
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
	e.Freeze()
	code, body, _, took := get("/get", token)
	if code != http.StatusInternalServerError {
		t.Errorf("frozen %s: status %d body %q, want 500", e.Name(), code, body)
	}
	t.Logf("a request to the frozen %s took %v (StoreTimeout %v)", e.Name(), took, bound)
	e.Thaw()
	if code, body, _, _ := get("/get", token); code != http.StatusOK || body != "v" {
		t.Errorf("after thawing %s: status %d body %q, want 200 and the session's value", e.Name(), code, body)
	}
}
