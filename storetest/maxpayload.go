package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// testOverMaxPayload checks, for a store that declares a MaxPayload, that
// one byte more is refused by every way of writing (Commit, CommitCtx,
// CompareAndSwap) with an error, and that the session stored before stays
// intact.
func (s Suite) testOverMaxPayload(t *testing.T) {
	if s.MaxPayload == 0 {
		t.Skip("skipped: Suite.MaxPayload is unset, so the store declares no value limit and there is no over-limit payload to refuse (BinaryPayloads checks that 1 MiB round-trips)")
	}
	st := s.New(t)
	tok := Token(t)
	old := []byte("the session before")
	expiry := time.Now().Add(time.Hour)
	commit(t, st, tok, old, expiry)
	big := bytes.Repeat([]byte{0xa5}, s.MaxPayload+1)

	if err := st.Commit(tok, big, expiry); err == nil {
		t.Errorf("Commit of MaxPayload+1 = %d bytes returned no error", len(big))
	}
	wantFound(t, st, tok, old)
	if cs, ok := scs.StoreAs[scs.CtxStore](st); ok {
		if err := cs.CommitCtx(context.Background(), tok, big, expiry); err == nil {
			t.Errorf("CommitCtx of MaxPayload+1 = %d bytes returned no error", len(big))
		}
		wantFound(t, st, tok, old)
	}
	if cas, ok := scs.StoreAs[scs.UpdateStore](st); ok {
		if swapped, err := cas.CompareAndSwap(context.Background(), tok, old, big, expiry); err == nil || swapped {
			t.Errorf("CompareAndSwap to MaxPayload+1 = %d bytes = %v, %v; want an error", len(big), swapped, err)
		}
		wantFound(t, st, tok, old)
	}
	if up, ok := scs.StoreAs[scs.UpdateStore](st); ok {
		if _, err := up.Update(context.Background(), tok, big, expiry); err == nil {
			t.Errorf("Update to MaxPayload+1 = %d bytes returned no error", len(big))
		}
		wantFound(t, st, tok, old)
	}
}

// OversizedSession checks, through HTTP requests to a server using st, that
// saving a session whose encoded data is larger than maxPayload fails (500
// through ErrorFunc) with an error wrapping scs.ErrPayloadTooLarge, and
// that the session saved before stays intact. st must be empty.
func OversizedSession(t *testing.T, st scs.Store, maxPayload int) {
	t.Helper()
	m := scs.New()
	m.Store = st
	var mu sync.Mutex
	var saveErr error
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		mu.Lock()
		saveErr = err
		mu.Unlock()
		http.Error(w, "error", http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { m.Put(r.Context(), "user", "ada") })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), "blob", strings.Repeat("x", maxPayload))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, m.GetString(r.Context(), "user")) })
	srv := httptest.NewServer(m.LoadAndSave(mux))
	defer srv.Close()
	fetch := func(path, token string) (int, string, string) {
		t.Helper()
		resp, body, err := get(srv, path, token)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := sessionToken(resp)
		return resp.StatusCode, body, set
	}

	_, _, token := fetch("/login", "")
	if token == "" {
		t.Fatal("no session cookie after Put")
	}
	if code, _, _ := fetch("/big", token); code != http.StatusInternalServerError {
		t.Errorf("saving a session over %d bytes: status %d, want 500", maxPayload, code)
	}
	mu.Lock()
	if !errors.Is(saveErr, scs.ErrPayloadTooLarge) {
		t.Errorf("save error = %v, want one wrapping scs.ErrPayloadTooLarge", saveErr)
	}
	mu.Unlock()
	if code, body, _ := fetch("/whoami", token); code != http.StatusOK || body != "ada" {
		t.Errorf("after the refused save: status %d body %q, want the session saved before", code, body)
	}
}
