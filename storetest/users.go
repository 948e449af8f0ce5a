package storetest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// testUserIndex checks the optional scs.UserIndexStore: entries are listed
// until they expire, re-adding replaces an entry's expiry, removal takes
// out only the tokens given, users are independent, and a cancelled
// context is honoured; then, as its OddUserIDs subtest, that odd user IDs
// (see oddUserIDs) each keep exactly their own entries.
func (s Suite) testUserIndex(t *testing.T) {
	st := s.New(t)
	ix, ok := scs.StoreAs[scs.UserIndexStore](st)
	if !ok {
		t.Skipf("%T does not implement scs.UserIndexStore", st)
	}
	ctx := context.Background()
	alice, bob := "alice-"+Token(t)[:8], "bob-"+Token(t)[:8]
	a, b, stale, c := Token(t), Token(t), Token(t), Token(t)
	later := time.Now().Add(time.Hour)
	for _, e := range []struct {
		user, token string
		expiry      time.Time
	}{
		{alice, a, time.Now().Add(time.Minute)},
		{alice, b, later},
		{alice, stale, time.Now().Add(-time.Minute)},
		{alice, a, later}, // replaces a's expiry
		{bob, c, later},
	} {
		if err := ix.AddUserSession(ctx, e.user, scs.UserIndexEntry{Token: e.token, Expiry: e.expiry}); err != nil {
			t.Fatalf("AddUserSession: %v", err)
		}
	}
	wantUserSessions(t, ix, alice, a, b)
	wantUserSessions(t, ix, bob, c)
	wantUserSessions(t, ix, "nobody-"+Token(t)[:8])

	if err := ix.RemoveUserSessions(ctx, alice, []string{a, Token(t), c}); err != nil {
		t.Fatalf("RemoveUserSessions: %v", err)
	}
	wantUserSessions(t, ix, alice, b)
	wantUserSessions(t, ix, bob, c)
	if err := ix.RemoveUserSessions(ctx, alice, []string{b}); err != nil {
		t.Fatalf("RemoveUserSessions: %v", err)
	}
	wantUserSessions(t, ix, alice)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ix.AddUserSession(cancelled, alice, scs.UserIndexEntry{Token: a, Expiry: later}); err == nil {
		t.Error("AddUserSession with a cancelled context returned no error")
	}
	if _, err := ix.UserSessions(cancelled, bob); err == nil {
		t.Error("UserSessions with a cancelled context returned no error")
	}
	if err := ix.RemoveUserSessions(cancelled, bob, []string{c}); err == nil {
		t.Error("RemoveUserSessions with a cancelled context returned no error")
	}
	wantUserSessions(t, ix, alice)
	wantUserSessions(t, ix, bob, c)

	// Leave no index behind on a shared engine.
	if err := ix.RemoveUserSessions(ctx, bob, []string{c}); err != nil {
		t.Fatalf("RemoveUserSessions: %v", err)
	}
	wantUserSessions(t, ix, bob)

	t.Run("OddUserIDs", func(t *testing.T) { testOddUserIDs(t, ix) })
}

// indexTokens returns the store keys in user's index.
func indexTokens(ix scs.UserIndexStore, user string) ([]string, error) {
	entries, err := ix.UserSessions(context.Background(), user)
	tokens := make([]string, len(entries))
	for i, e := range entries {
		tokens[i] = e.Token
	}
	return tokens, err
}

// wantUserSessions fails t unless user's index lists exactly want.
func wantUserSessions(t *testing.T, ix scs.UserIndexStore, user string, want ...string) {
	t.Helper()
	wantUserSessionsNamed(t, ix, user, user, want...)
}

// testLogoutEverywhere checks, through real HTTP, that a session manager on
// the store logs a user out everywhere: two clients log in as one user and
// a third as another; an admin client lists the first user's sessions,
// which follow RenewToken and Destroy, and destroys them; the first two
// clients are then logged out and the third is not. It runs with and
// without HashTokenInStore, on stores that implement scs.UserIndexStore,
// then runs OddUserIDs.
func (s Suite) testLogoutEverywhere(t *testing.T) {
	if _, ok := scs.StoreAs[scs.UserIndexStore](s.New(t)); !ok {
		t.Skip("the store does not implement scs.UserIndexStore")
	}
	for _, hash := range []bool{false, true} {
		t.Run("HashTokenInStore="+strconv.FormatBool(hash), func(t *testing.T) {
			sm := scs.New()
			sm.Store = s.New(t)
			sm.HashTokenInStore = hash
			LogoutEverywhere(t, sm)
		})
	}
	t.Run("OddUserIDs", func(t *testing.T) {
		sm := scs.New()
		sm.Store = s.New(t)
		OddUserIDs(t, sm)
	})
}

// LogoutEverywhere runs the check of Suite's LogoutEverywhere on session
// managers set up by the caller, such as one whose store is not iterable
// nor indexed. Given several managers, each serves its own HTTP server, as
// several processes would, over stores that must share one engine's data:
// the browsers log in on different servers and the admin uses the last
// one, so the check passes only if the index lives in the store.
func LogoutEverywhere(t *testing.T, sms ...*scs.SessionManager) {
	t.Helper()
	srvs := make([]*httptest.Server, len(sms))
	for i, sm := range sms {
		srvs[i] = httptest.NewServer(sm.LoadAndSave(logoutMux(sm)))
		defer srvs[i].Close()
	}

	alice, bob := "alice-"+Token(t)[:8], "bob-"+Token(t)[:8]
	browsers := make([]*browser, 5)
	for i := range browsers {
		browsers[i] = newBrowser(t, srvs[i%len(srvs)], sms[i%len(sms)].Cookie.Name)
	}
	browsers[4] = newBrowser(t, srvs[len(srvs)-1], sms[len(sms)-1].Cookie.Name)
	logoutEverywhere(t, alice, bob, browsers[0], browsers[1], browsers[2], browsers[3], browsers[4])
}

// logoutMux is the application of LogoutEverywhere.
func logoutMux(sm *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) bool {
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		return false
	}
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if fail(w, sm.RenewToken(r.Context())) {
			return
		}
		fail(w, sm.SetUser(r.Context(), r.URL.Query().Get("user")))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sm.UserID(r.Context()))
	})
	mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		fail(w, sm.RenewToken(r.Context()))
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		fail(w, sm.Destroy(r.Context()))
	})
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		ids, err := sm.UserSessions(r.Context(), r.URL.Query().Get("user"))
		if !fail(w, err) {
			io.WriteString(w, strings.Join(ids, " "))
		}
	})
	mux.HandleFunc("/logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		n, err := sm.DestroyUser(r.Context(), r.URL.Query().Get("user"))
		if !fail(w, err) {
			io.WriteString(w, strconv.Itoa(n))
		}
	})
	return mux
}

// logoutEverywhere is LogoutEverywhere's scenario.
func logoutEverywhere(t *testing.T, alice, bob string, laptop, phone, tablet, bobs, admin *browser) {
	t.Helper()
	laptop.get("/login?user=" + alice)
	phone.get("/login?user=" + alice)
	tablet.get("/login?user=" + alice)
	bobs.get("/login?user=" + bob)
	for _, b := range []*browser{laptop, phone, tablet} {
		if got := b.get("/whoami"); got != alice {
			t.Fatalf("after login, whoami = %q, want %q", got, alice)
		}
	}
	if got, want := admin.get("/sessions?user="+alice), sessionIDs(laptop, phone, tablet); got != want {
		t.Fatalf("alice's sessions = %q, want %q", got, want)
	}

	// The index follows a renewed token and forgets a destroyed session.
	before := laptop.token()
	laptop.get("/renew")
	if laptop.token() == before {
		t.Fatal("RenewToken sent no new token")
	}
	tablet.get("/logout")
	if got, want := admin.get("/sessions?user="+alice), sessionIDs(laptop, phone); got != want {
		t.Fatalf("after a renewal and a logout, alice's sessions = %q, want %q", got, want)
	}

	if got := admin.get("/logout-everywhere?user=" + alice); got != "2" {
		t.Fatalf("DestroyUser(alice) = %q, want 2", got)
	}
	for name, b := range map[string]*browser{"laptop": laptop, "phone": phone} {
		if got := b.get("/whoami"); got != "" {
			t.Errorf("after logging alice out everywhere, her %s is still logged in as %q", name, got)
		}
	}
	if got := bobs.get("/whoami"); got != bob {
		t.Errorf("logging alice out everywhere logged bob out too: whoami = %q", got)
	}
	if got := admin.get("/sessions?user=" + alice); got != "" {
		t.Errorf("after DestroyUser, alice's sessions = %q, want none", got)
	}
	if got, want := admin.get("/sessions?user="+bob), sessionIDs(bobs); got != want {
		t.Errorf("bob's sessions = %q, want %q", got, want)
	}
	// Leave no index behind on a shared engine.
	if got := admin.get("/logout-everywhere?user=" + bob); got != "1" {
		t.Errorf("DestroyUser(bob) = %q, want 1", got)
	}
}

// browser is an HTTP client with its own cookie jar.
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	name string // of the session cookie
}

func newBrowser(t *testing.T, srv *httptest.Server, name string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, name: name}
}

// get requests path and returns the body; it fails the test unless the
// answer is 200 OK.
func (b *browser) get(path string) string {
	b.t.Helper()
	resp, err := b.c.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %s %s %v", path, resp.Status, body, err)
	}
	return string(body)
}

// token returns the session token the browser holds, "" for none.
func (b *browser) token() string {
	req, _ := http.NewRequest("GET", b.srv.URL, nil)
	for _, c := range b.c.Jar.Cookies(req.URL) {
		if c.Name == b.name {
			return c.Value
		}
	}
	return ""
}

// sessionIDs returns the Event.IDs of the browsers' sessions, sorted and
// joined by spaces, as the /sessions handler writes them.
func sessionIDs(bs ...*browser) string {
	var ids []string
	for _, b := range bs {
		ids = append(ids, HashedToken(b.token())[:12])
	}
	slices.Sort(ids)
	return strings.Join(ids, " ")
}
