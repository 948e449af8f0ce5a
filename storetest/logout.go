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
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// LogoutRaces checks, through real HTTP servers and clients, that a logout
// sticks whatever a request in flight does. Two managers share st, as two
// processes would. Alice logs in; a request of hers (request A, served by
// the first manager) loads her session and stops; the second manager logs
// her out with Destroy (her own logout request) or DestroyUser (an admin's
// "log out everywhere"); then A goes on and does one of Put, RenewToken,
// MergeSession (merging her session into another one), SetUser, or
// nothing (an idle-timeout refresh), and saves. The logout is forced at two
// points: before A's action, and between A's action and A's save. Every
// combination runs with MergeConcurrent and HashTokenInStore off and on.
//
// The logout can also be DestroyUserSession: another device of hers ends
// this session by its ID from a devices page.
//
// After each, no token (her old one, A's cookie, the logout's) may load
// her data, every request must have been answered 200, and DestroyUser
// cases must leave her no session in the index. Cases need
// scs.UpdateStore; DestroyUser cases also need scs.UserIndexStore or
// scs.IterableStore, and DestroyUserSession cases scs.UserIndexStore.
func LogoutRaces(t *testing.T, newStore func(t *testing.T) scs.Store) {
	t.Helper()
	st := newStore(t)
	if _, ok := scs.StoreAs[scs.UpdateStore](st); !ok {
		t.Skipf("%T does not implement scs.UpdateStore: a request in flight can bring a logged-out session back, as in SCS v2", st)
	}
	_, indexed := scs.StoreAs[scs.UserIndexStore](st)
	_, iterable := scs.StoreAs[scs.IterableStore](st)
	_, iterableCtx := scs.StoreAs[scs.IterableCtxStore](st)
	for _, logout := range []string{"Destroy", "DestroyUser", "DestroyUserSession"} {
		if logout == "DestroyUser" && !indexed && !iterable && !iterableCtx || logout == "DestroyUserSession" && !indexed {
			continue
		}
		for _, action := range []string{"Put", "RenewToken", "MergeSession", "SetUser", "IdleRefresh"} {
			whens := []string{"before", "after"}
			if logout == "DestroyUser" && (action == "RenewToken" || action == "MergeSession") {
				whens = append(whens, "during")
			}
			for _, when := range whens {
				for _, opts := range []raceOptions{{}, {merge: true}, {hash: true}, {merge: true, hash: true}} {
					c := raceCase{logout: logout, action: action, when: when, raceOptions: opts}
					t.Run(c.String(), func(t *testing.T) { c.run(t, st) })
				}
			}
		}
	}
}

type raceOptions struct {
	merge, hash bool // MergeConcurrent, HashTokenInStore
}

// raceCase is one forced interleaving of LogoutRaces.
type raceCase struct {
	logout string // Destroy or DestroyUser
	action string // what request A does once it goes on
	when   string // the logout comes "before" A's action, "after" it (before A's save), or "during" A's save (DestroyUser has listed the sessions, from the index or by reading the store, and not deleted them yet)
	raceOptions
}

func (c raceCase) String() string {
	s := c.logout + "/" + c.action + "/logout-" + c.when + "-action"
	if c.merge {
		s += "/MergeConcurrent"
	}
	if c.hash {
		s += "/HashTokenInStore"
	}
	return s
}

// raceManager returns a manager over st with c's options, serving the
// routes LogoutRaces uses. A's handler, /a, waits on the channels.
func (c raceCase) raceManager(st scs.Store, user string, loaded, acted chan<- struct{}, goOn, save <-chan struct{}) (*scs.SessionManager, http.Handler) {
	m := scs.New()
	m.Store = st
	m.MergeConcurrent, m.HashTokenInStore = c.merge, c.hash
	m.MergeTimeout = 20 * time.Second
	if c.action == "IdleRefresh" {
		m.IdleTimeout = time.Hour // every request that loads the session saves it
	}
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m.SetUser(r.Context(), user)
		m.Put(r.Context(), "secret", "data of "+user)
	})
	mux.HandleFunc("/anon", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), "cart", "3 apples")
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		keys := m.Keys(r.Context())
		slices.Sort(keys)
		io.WriteString(w, strings.Join(keys, ","))
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		if _, err := m.DestroyUser(r.Context(), user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		// Another device of hers ends this session from its devices page.
		ok, err := m.DestroyUserSession(r.Context(), user, r.URL.Query().Get("id"))
		if err == nil && !ok {
			err = errors.New("DestroyUserSession found no such session of hers")
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m.Get(ctx, "secret") // A has read the session
		loaded <- struct{}{}
		<-goOn
		var err error
		switch c.action {
		case "Put":
			m.Put(ctx, "a", "was here")
		case "RenewToken":
			if err = m.RenewToken(ctx); err == nil {
				m.Put(ctx, "a", "renewed")
			}
		case "MergeSession":
			err = m.MergeSession(ctx, r.URL.Query().Get("merge"))
		case "SetUser":
			err = m.SetUser(ctx, "mallory-"+user)
		}
		acted <- struct{}{}
		<-save
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "A done")
	})
	return m, m.LoadAndSave(mux)
}

func (c raceCase) run(t *testing.T, st scs.Store) {
	user := "alice-" + Token(t)[:8]
	loaded, acted := make(chan struct{}, 1), make(chan struct{}, 1)
	goOn, save := make(chan struct{}), make(chan struct{})
	m1, h1 := c.raceManager(st, user, loaded, acted, goOn, save)
	st2, listed, resume := st, make(chan struct{}), make(chan struct{})
	if c.when == "during" {
		if ix, ok := scs.StoreAs[scs.UserIndexStore](st); ok {
			st2 = &pausingIndex{Store: st, ix: ix, listed: listed, resume: resume}
		} else {
			st2 = &pausingList{Store: st, listed: listed, resume: resume}
		}
	}
	m2, h2 := c.raceManager(st2, user, make(chan struct{}, 1), make(chan struct{}, 1), nil, nil)
	srv1, srv2 := httptest.NewServer(h1), httptest.NewServer(h2)
	t.Cleanup(srv1.Close)
	t.Cleanup(srv2.Close)

	resp, _, err := get(srv1, "/login", "")
	alice, ok := sessionToken(resp)
	if err != nil || resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("login: %v, %v, cookie %v", resp, err, ok)
	}
	tokens := []string{alice}
	aToken, path := alice, "/a"
	if c.action == "MergeSession" {
		resp, _, err := get(srv1, "/anon", "")
		anon, ok := sessionToken(resp)
		if err != nil || !ok {
			t.Fatalf("anonymous session: %v, %v", resp, err)
		}
		aToken, path = anon, "/a?merge="+alice
		tokens = append(tokens, anon)
	}

	type answer struct {
		resp *http.Response
		body string
		err  error
	}
	a := make(chan answer, 1)
	go func() {
		resp, body, err := get(srv1, path, aToken)
		a <- answer{resp, body, err}
	}()
	<-loaded
	var ans answer
	switch c.when {
	case "before":
		tokens = append(tokens, c.logOut(t, srv2, alice)...)
		close(goOn)
		<-acted
		close(save)
		ans = <-a
	case "after":
		close(goOn)
		<-acted
		tokens = append(tokens, c.logOut(t, srv2, alice)...)
		close(save)
		ans = <-a
	case "during":
		close(goOn)
		<-acted
		out := make(chan []string, 1)
		go func() { out <- c.logOut(t, srv2, alice) }()
		<-listed // DestroyUser has listed her sessions
		close(save)
		ans = <-a // A has saved and confirmed its move
		close(resume)
		tokens = append(tokens, <-out...)
	}
	if ans.err != nil {
		t.Fatal(ans.err)
	}
	if ans.resp.StatusCode != http.StatusOK || ans.body != "A done" {
		t.Errorf("A was answered %d %q; want 200 and the handler's body", ans.resp.StatusCode, ans.body)
	}
	if tok, ok := sessionToken(ans.resp); ok && tok != "" {
		tokens = append(tokens, tok)
	}

	for _, tok := range tokens {
		for _, srv := range []*httptest.Server{srv1, srv2} {
			_, keys, err := get(srv, "/keys", tok)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(keys, "secret") {
				t.Errorf("a token (%s) still loads the logged-out session's data: keys %q", tokenRole(tok, tokens), keys)
			}
		}
	}
	if c.logout == "DestroyUser" {
		for _, m := range []*scs.SessionManager{m1, m2} {
			if ids, err := m.UserSessions(context.Background(), user); err != nil || len(ids) != 0 {
				t.Errorf("after DestroyUser the user still has sessions %v (err %v)", ids, err)
			}
		}
	}
}

// logOut logs alice out through the second server and returns the tokens
// its response sets.
func (c raceCase) logOut(t *testing.T, srv *httptest.Server, alice string) []string {
	path, token := "/logout", alice
	switch c.logout {
	case "DestroyUser":
		path, token = "/everywhere", ""
	case "DestroyUserSession":
		path, token = "/end?id="+HashedToken(alice)[:12], ""
	}
	resp, body, err := get(srv, path, token)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %v %q %v", c.logout, resp, body, err)
	}
	if tok, ok := sessionToken(resp); ok && tok != "" {
		return []string{tok}
	}
	return nil
}

func tokenRole(tok string, tokens []string) string {
	switch i := slices.Index(tokens, tok); {
	case i == 0:
		return "her old token"
	default:
		return fmt.Sprintf("token %d of %d", i+1, len(tokens))
	}
}

// IndexDrift checks that the index of user sessions follows the user ID a
// session is saved with, however it changed, through a real HTTP server
// over st: after Remove, Clear or Put of the user key, or SetUser to
// another user, the former user's UserSessions no longer lists the session
// and their DestroyUser leaves it alone. It also checks that an index write
// that fails once leaves no live session its user's DestroyUser cannot find,
// by wrapping st so that AddUserSession fails once. It skips stores that do
// not implement scs.UserIndexStore.
func IndexDrift(t *testing.T, newStore func(t *testing.T) scs.Store) {
	t.Helper()
	if _, ok := scs.StoreAs[scs.UserIndexStore](newStore(t)); !ok {
		t.Skip("the store does not implement scs.UserIndexStore")
	}
	for _, change := range []string{"Remove", "Clear", "PutOther", "SetUser", "SetUserEmpty"} {
		t.Run(change, func(t *testing.T) { indexDrift(t, newStore(t), change) })
	}
	t.Run("IndexWriteFailsOnce", func(t *testing.T) { indexWriteFailsOnce(t, newStore(t)) })
}

func indexDrift(t *testing.T, st scs.Store, change string) {
	alice, bob := "alice-"+Token(t)[:8], "bob-"+Token(t)[:8]
	m := scs.New()
	m.Store = st
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		m.SetUser(r.Context(), r.URL.Query().Get("u"))
	})
	mux.HandleFunc("/change", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch change {
		case "Remove":
			m.Remove(ctx, "__userID")
		case "Clear":
			m.Clear(ctx)
		case "PutOther":
			m.Put(ctx, "__userID", bob)
		case "SetUser":
			m.SetUser(ctx, bob)
		case "SetUserEmpty":
			m.SetUser(ctx, "")
		}
	})
	srv := httptest.NewServer(m.LoadAndSave(mux))
	t.Cleanup(srv.Close)
	resp, _, err := get(srv, "/login?u="+alice, "")
	tok, ok := sessionToken(resp)
	if err != nil || !ok {
		t.Fatalf("login: %v %v", resp, err)
	}
	if resp, _, err := get(srv, "/change", tok); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("change: %v %v", resp, err)
	}
	ctx := context.Background()
	if ids, err := m.UserSessions(ctx, alice); err != nil || len(ids) != 0 {
		t.Errorf("after %s, alice's index still lists %v (err %v)", change, ids, err)
	}
	if strings.HasPrefix(change, "PutOther") || change == "SetUser" {
		if ids, err := m.UserSessions(ctx, bob); err != nil || len(ids) != 1 {
			t.Errorf("after %s, bob's index lists %v (err %v); want his one session", change, ids, err)
		}
	}
	if n, err := m.DestroyUser(ctx, alice); err != nil || n != 0 {
		t.Errorf("DestroyUser(alice) after %s = %d, %v; want 0 sessions", change, n, err)
	}
	if _, found, err := st.Find(storeKey(m, tok)); err != nil || !found {
		t.Errorf("the session is gone after alice's DestroyUser (found %v, err %v): it was no longer hers", found, err)
	}
}

func storeKey(m *scs.SessionManager, tok string) string {
	if m.HashTokenInStore {
		return HashedToken(tok)
	}
	return tok
}

// failingIndex wraps a store with scs.UserIndexStore and fails
// AddUserSession while fail is set; Unwrap keeps the other capabilities.
type failingIndex struct {
	scs.Store
	ix     scs.UserIndexStore
	fail   atomic.Bool
	failed atomic.Value // the key of the failed write, a string
}

// pausingIndex wraps a store with scs.UserIndexStore (Unwrap keeps the
// other capabilities); its first UserSessions call, once it has its answer, closes listed and
// waits for resume.
type pausingIndex struct {
	scs.Store
	ix             scs.UserIndexStore
	listed, resume chan struct{}
	once           atomic.Bool
}

// Unwrap gives the SessionManager the wrapped store's other capabilities.
func (p *pausingIndex) Unwrap() scs.Store { return p.Store }

func (p *pausingIndex) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	return p.ix.AddUserSession(ctx, userID, entry)
}

func (p *pausingIndex) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return p.ix.RemoveUserSessions(ctx, userID, tokens)
}

func (p *pausingIndex) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	keys, err := p.ix.UserSessions(ctx, userID)
	if !p.once.Swap(true) {
		close(p.listed)
		<-p.resume
	}
	return keys, err
}

// pausingList wraps a store without an index of user sessions, which
// DestroyUser reads whole (All); its first listing, once it has its
// answer, closes listed and waits for resume. Unwrap keeps the other
// capabilities.
type pausingList struct {
	scs.Store
	listed, resume chan struct{}
	once           atomic.Bool
}

// Unwrap gives the SessionManager the wrapped store's other capabilities.
func (p *pausingList) Unwrap() scs.Store { return p.Store }

func (p *pausingList) All() (map[string][]byte, error) {
	return p.AllCtx(context.Background())
}

func (p *pausingList) AllCtx(ctx context.Context) (map[string][]byte, error) {
	var all map[string][]byte
	var err error
	if it, ok := scs.StoreAs[scs.IterableCtxStore](p.Store); ok {
		all, err = it.AllCtx(ctx)
	} else if it, ok := scs.StoreAs[scs.IterableStore](p.Store); ok {
		all, err = it.All()
	}
	if !p.once.Swap(true) {
		close(p.listed)
		<-p.resume
	}
	return all, err
}

var errIndexDown = errors.New("storetest: the index is down (injected)")

// Unwrap gives the SessionManager the wrapped store's other capabilities.
func (f *failingIndex) Unwrap() scs.Store { return f.Store }

func (f *failingIndex) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	if f.fail.Swap(false) {
		f.failed.Store(entry.Token)
		return errIndexDown
	}
	return f.ix.AddUserSession(ctx, userID, entry)
}

func (f *failingIndex) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return f.ix.RemoveUserSessions(ctx, userID, tokens)
}

func (f *failingIndex) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	return f.ix.UserSessions(ctx, userID)
}

func indexWriteFailsOnce(t *testing.T, st scs.Store) {
	if _, ok := scs.StoreAs[scs.UpdateStore](st); !ok {
		t.Skipf("skipped: %T does not implement scs.UpdateStore", st)
	}
	ix, _ := scs.StoreAs[scs.UserIndexStore](st)
	f := &failingIndex{Store: st, ix: ix}
	alice := "alice-" + Token(t)[:8]
	m := scs.New()
	m.Store = f
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { m.SetUser(r.Context(), alice) })
	mux.HandleFunc("/anon", func(w http.ResponseWriter, r *http.Request) { m.Put(r.Context(), "k", "v") })
	srv := httptest.NewServer(m.LoadAndSave(mux))
	t.Cleanup(srv.Close)

	// A new session whose index write fails is not left behind.
	f.fail.Store(true)
	resp, _, err := get(srv, "/login", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("login with the index down answered %d; want 500", resp.StatusCode)
	}
	if tok, ok := sessionToken(resp); ok {
		t.Errorf("login with the index down set cookie %q", tok)
	}
	if key, _ := f.failed.Load().(string); key == "" {
		t.Error("login wrote no index entry")
	} else if _, found, err := st.Find(key); err != nil || found {
		t.Errorf("the session whose index write failed is live in the store (found %v, err %v): DestroyUser could not find it", found, err)
	}

	// An existing session whose index write fails keeps its old data.
	resp, _, err = get(srv, "/anon", "")
	anon, ok := sessionToken(resp)
	if err != nil || !ok {
		t.Fatalf("anonymous session: %v %v", resp, err)
	}
	f.fail.Store(true)
	if resp, _, err := get(srv, "/login", anon); err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("login on an existing session with the index down: %v %v; want 500", resp, err)
	}
	ctx := context.Background()
	b, found, err := st.Find(anon)
	if err != nil || !found {
		t.Fatalf("the anonymous session is gone: %v %v", found, err)
	}
	if _, values, err := m.Codec.Decode(b); err != nil || values["__userID"] != nil {
		t.Errorf("the session was saved as alice's though her index entry failed: %v %v", values, err)
	}
	if n, err := m.DestroyUser(ctx, alice); err != nil || n != 0 {
		t.Errorf("DestroyUser = %d, %v; want no session (none is hers)", n, err)
	}

	// Once the index works, login indexes the session and DestroyUser
	// finds it.
	resp, _, err = get(srv, "/login", anon)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	if n, err := m.DestroyUser(ctx, alice); err != nil || n != 1 {
		t.Errorf("DestroyUser = %d, %v; want her one session", n, err)
	}
	if _, found, _ := st.Find(anon); found {
		t.Error("her session survived DestroyUser")
	}
}
