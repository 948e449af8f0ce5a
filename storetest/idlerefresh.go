package storetest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// testIdleRefresh runs IdleRefresh for stores that can report expiries.
func (s Suite) testIdleRefresh(t *testing.T) {
	st := s.New(t)
	if _, ok := scs.StoreAs[scs.ExpiryStore](st); !ok {
		t.Skipf("skipped: %T does not implement scs.ExpiryStore, so IdleRefreshInterval cannot skip a save with it (every request with an idle timeout writes the store, as in SCS v2)", st)
	}
	IdleRefresh(t, st)
}

// IdleRefresh checks, through HTTP requests to a server using st, that
// SessionManager.IdleRefreshInterval takes effect with the store: a request
// that reads a session saved moments ago does not save it again (no
// Set-Cookie), and a request whose refresh is due does. It fails when st
// does not implement scs.ExpiryStore (found with scs.StoreAs), without
// which the option does nothing. st must be empty.
func IdleRefresh(t *testing.T, st scs.Store) {
	t.Helper()
	if _, ok := scs.StoreAs[scs.ExpiryStore](st); !ok {
		t.Fatalf("%T does not implement scs.ExpiryStore: IdleRefreshInterval has no effect with it", st)
	}
	serve := func(idle, refresh time.Duration) *httptest.Server {
		m := scs.New()
		m.Store = st
		m.IdleTimeout, m.IdleRefreshInterval = idle, refresh
		mux := http.NewServeMux()
		mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { m.Put(r.Context(), "k", "v") })
		mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, m.GetString(r.Context(), "k")) })
		srv := httptest.NewServer(m.LoadAndSave(mux))
		t.Cleanup(srv.Close)
		return srv
	}
	fetch := func(srv *httptest.Server, path, token string) (string, string) {
		t.Helper()
		resp, body, err := get(srv, path, token)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
		}
		set, _ := sessionToken(resp)
		return body, set
	}

	hourly := serve(2*time.Hour, time.Hour)
	_, token := fetch(hourly, "/put", "")
	if token == "" {
		t.Fatal("no session cookie after Put")
	}
	if body, set := fetch(hourly, "/get", token); body != "v" || set != "" {
		t.Errorf("read right after saving: body %q, Set-Cookie %q; want the value and no save (IdleRefreshInterval)", body, set)
	}
	// A longer idle timeout moves the expiry by an hour: the refresh is due.
	due := serve(3*time.Hour, time.Second)
	if body, set := fetch(due, "/get", token); body != "v" || set != token {
		t.Errorf("read with a refresh due: body %q, Set-Cookie %q; want the value and a save", body, set)
	}
}
