package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// The shape of MergeContention: Managers session managers (as many
// processes would be) share one store and serve Requests overlapping
// requests of one session, spread over them, Rounds times.
const (
	Managers = 4
	Requests = 40
	Rounds   = 3
)

// overlapServer serves a SessionManager over st through a real HTTP server:
// /put?k=K puts K, /keys lists the session's keys, one a line; routes, if
// not nil, adds more.
func overlapServer(t *testing.T, st scs.Store, merge bool, routes func(*scs.SessionManager, *http.ServeMux)) (*scs.SessionManager, *httptest.Server) {
	t.Helper()
	m := scs.New()
	m.Store = st
	m.MergeConcurrent = merge
	// The kit checks that merged saves keep every change, not how fast an
	// engine takes 40 turns: a test machine busy with other work can take
	// seconds over it on an engine that syncs every write, so the bound is
	// wider than New's 5s.
	m.MergeTimeout = 20 * time.Second
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), r.URL.Query().Get("k"), "v")
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Join(m.Keys(r.Context()), "\n"))
	})
	if routes != nil {
		routes(m, mux)
	}
	srv := httptest.NewServer(m.LoadAndSave(mux))
	t.Cleanup(srv.Close)
	return m, srv
}

// get sends a GET for path to srv with the session cookie token ("" for
// none) and returns the response with its body read.
func get(srv *httptest.Server, path, token string) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		return nil, "", err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "session", Value: token})
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// sessionToken returns the value of the session cookie resp sets, and
// whether it sets one.
func sessionToken(resp *http.Response) (string, bool) {
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			return c.Value, true
		}
	}
	return "", false
}

// MergeContention checks scs.SessionManager.MergeConcurrent over st through
// real HTTP servers and clients: Managers managers with the defaults of
// scs.New share st, as that many processes would, and serve Rounds rounds
// of Requests overlapping requests of one session, spread over them, each
// putting a key of its own. Every request must be answered 200 and every
// key kept. It skips stores that do not implement scs.UpdateStore,
// over which MergeConcurrent is not atomic across managers.
func MergeContention(t *testing.T, st scs.Store) {
	t.Helper()
	if _, ok := scs.StoreAs[scs.UpdateStore](st); !ok {
		t.Skipf("skipped: %T does not implement scs.UpdateStore, so MergeConcurrent cannot merge atomically across managers with it", st)
	}
	srvs := make([]*httptest.Server, Managers)
	for i := range srvs {
		_, srvs[i] = overlapServer(t, st, true, nil)
		srvs[i].Client().Transport.(*http.Transport).MaxIdleConnsPerHost = Requests
	}
	resp, _, err := get(srvs[0], "/put?k=first", "")
	if err != nil {
		t.Fatal(err)
	}
	token, ok := sessionToken(resp)
	if !ok {
		t.Fatal("the first request set no session cookie")
	}

	failed := 0
	var failures []string
	want := []string{"first"}
	for r := 0; r < Rounds; r++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := 0; i < Requests; i++ {
			key := fmt.Sprintf("r%d-%02d", r, i)
			want = append(want, key)
			wg.Add(1)
			go func(srv *httptest.Server) {
				defer wg.Done()
				<-start
				resp, body, err := get(srv, "/put?k="+key, token)
				if err == nil && resp.StatusCode == http.StatusOK {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				failed++
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					failures = append(failures, fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(body)))
				}
			}(srvs[i%Managers])
		}
		close(start)
		wg.Wait()
	}
	_, body, err := get(srvs[0], "/keys", token)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(body, "\n")
	kept := 0
	for _, k := range want[1:] {
		if slices.Contains(got, k) {
			kept++
		}
	}
	t.Logf("%T, %d managers: %d of %d keys kept, %d of %d requests answered other than 200",
		st, Managers, kept, Rounds*Requests, failed, Rounds*Requests)
	if failed > 0 {
		t.Errorf("%d of %d requests failed, first: %s", failed, Rounds*Requests, failures[0])
	}
	if kept != Rounds*Requests || !slices.Contains(got, "first") {
		t.Errorf("%d of %d keys kept (and first: %v)", kept, Rounds*Requests, slices.Contains(got, "first"))
	}
}

// LogoutInterleavings checks, through a real HTTP server and client, that
// a logout sticks over st: request A loads a session; while A's handler
// waits, request B destroys the session, renews its token, or logs its user
// out everywhere (SetUser at login, DestroyUser); then A
// changes the session and saves. The old token must not come back (st finds
// nothing under it), A is answered 200 without a session cookie, B's new
// token (after RenewToken) keeps B's data without A's change, and OnEvent
// hears scs.EventSaveRefused. It runs the six cases: Destroy, RenewToken
// and DestroyUser, each with and without MergeConcurrent. The handler blocks on channels; no
// case depends on timing. It skips stores that do not implement
// scs.UpdateStore, which save as SCS v2 does and bring the token back.
func LogoutInterleavings(t *testing.T, st scs.Store) {
	t.Helper()
	if _, ok := scs.StoreAs[scs.UpdateStore](st); !ok {
		t.Skipf("skipped: %T does not implement scs.UpdateStore, so it saves with Commit as SCS v2 does and brings a logged-out token back: there is no logout that sticks to check", st)
	}
	_, indexed := scs.StoreAs[scs.UserIndexStore](st)
	_, iterable := scs.StoreAs[scs.IterableStore](st)
	_, iterableCtx := scs.StoreAs[scs.IterableCtxStore](st)
	for _, merge := range []bool{false, true} {
		for _, op := range []string{"Destroy", "RenewToken", "DestroyUser"} {
			if op == "DestroyUser" && !indexed && !iterable && !iterableCtx {
				continue // DestroyUser cannot find a user's sessions in it
			}
			name := op
			if merge {
				name += "/MergeConcurrent"
			}
			t.Run(name, func(t *testing.T) { logoutInterleaving(t, st, merge, op) })
		}
	}
}

func logoutInterleaving(t *testing.T, st scs.Store, merge bool, op string) {
	loaded, release := make(chan struct{}), make(chan struct{})
	var refused sync.WaitGroup
	refused.Add(1)
	_, srv := overlapServer(t, st, merge, func(m *scs.SessionManager, mux *http.ServeMux) {
		m.OnEvent = func(_ context.Context, e scs.Event) {
			if e.Kind == scs.EventSaveRefused && errors.Is(e.Err, scs.ErrSessionGone) {
				refused.Done()
			}
		}
		mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			m.Put(r.Context(), "user", "alice")
			if op == "DestroyUser" {
				if err := m.SetUser(r.Context(), "alice"); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
			}
		})
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
			close(loaded)
			<-release
			m.Put(r.Context(), "slow", "A")
			io.WriteString(w, "A done")
		})
		mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
			var err error
			switch op {
			case "Destroy":
				err = m.Destroy(r.Context())
			case "RenewToken":
				if err = m.RenewToken(r.Context()); err == nil {
					m.Put(r.Context(), "user", "bob")
				}
			case "DestroyUser": // "log out everywhere", from this very session
				var n int
				if n, err = m.DestroyUser(r.Context(), "alice"); err == nil && n == 0 {
					err = errors.New("DestroyUser found no session of alice")
				}
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
	})
	resp, _, err := get(srv, "/login", "")
	if err != nil {
		t.Fatal(err)
	}
	old, ok := sessionToken(resp)
	if !ok {
		t.Fatal("login set no session cookie")
	}

	type answer struct {
		resp *http.Response
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		resp, body, err := get(srv, "/slow", old)
		slow <- answer{resp, body, err}
	}()
	<-loaded // A has read the session
	resp, _, err = get(srv, "/logout", old)
	if err != nil || resp.StatusCode != http.StatusOK {
		close(release)
		t.Fatalf("logout: %v %v", resp, err)
	}
	renewed, _ := sessionToken(resp)
	close(release) // A changes the session and saves
	a := <-slow
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.resp.StatusCode != http.StatusOK || a.body != "A done" {
		t.Errorf("A was answered %d %q; want 200 and the handler's body", a.resp.StatusCode, a.body)
	}
	if tok, ok := sessionToken(a.resp); ok {
		t.Errorf("A's response sets the session cookie to %q (old token: %v); want no cookie", tok, tok == old)
	}
	if b, found, err := st.Find(old); err != nil || found {
		t.Fatalf("the old token came back: Find = %.40q, %v, %v", b, found, err)
	}
	refused.Wait()

	// The old token now starts an empty session.
	if _, body, err := get(srv, "/keys", old); err != nil || body != "" {
		t.Errorf("the old token loads keys %q, %v; want none", body, err)
	}
	if op == "RenewToken" {
		if renewed == "" || renewed == old {
			t.Fatalf("RenewToken sent token %q", renewed)
		}
		if _, body, err := get(srv, "/keys", renewed); err != nil || body != "user" {
			t.Errorf("the renewed session holds keys %q, %v; want only user", body, err)
		}
	}
}
