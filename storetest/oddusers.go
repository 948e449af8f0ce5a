package storetest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// oddUserID is a user ID that a store's index of user sessions must keep
// apart from every other, under a short name for messages.
type oddUserID struct{ name, id string }

// oddUserIDs returns user IDs that stores tend to get wrong: bytes no text
// column takes (NUL, invalid UTF-8), IDs longer than an index key, unicode,
// the characters that mean something to Redis keys and hash tags, glob
// patterns, LIKE patterns and SQL quoting, and IDs that differ only in
// case, accents, trailing spaces or their last byte, which collations and
// truncation confuse. Each starts with the same random part, so that runs
// on a shared engine stay apart.
func oddUserIDs(t *testing.T) []oddUserID {
	r := Token(t)[:8]
	long := r + strings.Repeat("x", 4096)
	return []oddUserID{
		{"NUL", r + "\x00nul\x00"},
		{"invalid UTF-8", r + "\xff\xfe in\xc3valid \xed\xa0\x80"},
		{"4 KB", long + "1"},
		{"4 KB, last byte differs", long + "2"},
		{"unicode", r + "ünïcödé 日本語 🙂"},
		{"colon", r + ":a:b:"},
		{"braces", r + "{tag}}{"},
		{"percent", r + "%41%25%"},
		{"glob", r + "*?[a-z]_"},
		{"backslash", r + `\\\`},
		{"quotes", r + `'it''s' "q" ` + "`t`"},
		{"SQL", r + "'); DROP TABLE sessions_users; --"},
		{"controls", r + "\t\r\n\x1b"},
		{"lower case", r + "bob"},
		{"upper case", r + "BOB"},
		{"accent", r + "böb"},
		{"trailing space", r + "bob "},
	}
}

// testOddUserIDs checks the store's index directly with oddUserIDs: each
// ID lists exactly its own token until it is removed.
func testOddUserIDs(t *testing.T, ix scs.UserIndexStore) {
	ctx := context.Background()
	ids := oddUserIDs(t)
	tokens := make([]string, len(ids))
	for i, u := range ids {
		tokens[i] = Token(t)
		if err := ix.AddUserSession(ctx, u.id, scs.UserIndexEntry{Token: tokens[i], Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("AddUserSession(%s): %v", u.name, err)
		}
	}
	for i, u := range ids {
		wantUserSessionsNamed(t, ix, u.name, u.id, tokens[i])
	}
	for i, u := range ids {
		if err := ix.RemoveUserSessions(ctx, u.id, []string{tokens[i]}); err != nil {
			t.Fatalf("RemoveUserSessions(%s): %v", u.name, err)
		}
		wantUserSessionsNamed(t, ix, u.name, u.id)
		if i+1 < len(ids) {
			wantUserSessionsNamed(t, ix, ids[i+1].name, ids[i+1].id, tokens[i+1])
		}
	}
}

// OddUserIDs checks, through real HTTP, that a session manager on a store
// that implements scs.UserIndexStore handles any user ID: "" is no user
// (SetUser("") leaves the session without one, and UserSessions and
// DestroyUser of "" find nothing), and IDs with NUL, invalid UTF-8,
// 4 KB long, unicode, ':', '{', '}', '%', '*', '\\', quotes, or differing
// only in case, accents or trailing spaces, each log in one client, are
// listed by UserSessions as exactly that client's session, and are logged
// out by DestroyUser, which deletes exactly that session. Suite's
// LogoutEverywhere runs it as its OddUserIDs subtest.
func OddUserIDs(t *testing.T, sm *scs.SessionManager) {
	t.Helper()
	srv := httptest.NewServer(sm.LoadAndSave(oddUsersMux(sm)))
	defer srv.Close()
	q := url.QueryEscape
	admin := newBrowser(t, srv, sm.Cookie.Name)

	// "" is no user.
	nobody := newBrowser(t, srv, sm.Cookie.Name)
	nobody.get("/login?user=")
	if got := nobody.get("/whoami"); got != "" {
		t.Fatalf(`after SetUser(""), whoami = %q, want ""`, got)
	}
	if nobody.token() == "" {
		t.Fatal(`the session of SetUser("") sent no cookie`)
	}

	ids := oddUserIDs(t)
	browsers := make([]*browser, len(ids))
	for i, u := range ids {
		browsers[i] = newBrowser(t, srv, sm.Cookie.Name)
		browsers[i].get("/login?user=" + q(u.id))
	}
	for i, u := range ids {
		if got := browsers[i].get("/whoami"); got != u.id {
			t.Fatalf("%s: after login, whoami = %q, want %q", u.name, got, u.id)
		}
		if got, want := admin.get("/sessions?user="+q(u.id)), sessionIDs(browsers[i]); got != want {
			t.Fatalf("%s: UserSessions = %q, want %q", u.name, got, want)
		}
	}
	if got := admin.get("/sessions?user="); got != "" {
		t.Errorf(`UserSessions("") = %q, want none`, got)
	}
	if got := admin.get("/logout-everywhere?user="); got != "0" {
		t.Errorf(`DestroyUser("") = %q, want 0`, got)
	}

	for i, u := range ids {
		if got := admin.get("/logout-everywhere?user=" + q(u.id)); got != "1" {
			t.Fatalf("%s: DestroyUser = %q, want 1", u.name, got)
		}
		if got := browsers[i].get("/whoami"); got != "" {
			t.Fatalf("%s: after DestroyUser, still logged in as %q", u.name, got)
		}
		if got := admin.get("/sessions?user=" + q(u.id)); got != "" {
			t.Fatalf("%s: after DestroyUser, UserSessions = %q, want none", u.name, got)
		}
		for j := i + 1; j < len(ids); j++ {
			if got := browsers[j].get("/whoami"); got != ids[j].id {
				t.Fatalf("DestroyUser(%s) logged out %s: whoami = %q", u.name, ids[j].name, got)
			}
		}
	}
	if got := nobody.get("/marker"); got != "set" {
		t.Errorf(`the session without a user lost its data: marker = %q, want "set"`, got)
	}
}

// oddUsersMux is the application of OddUserIDs.
func oddUsersMux(sm *scs.SessionManager) http.Handler {
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
		sm.Put(r.Context(), "marker", "set")
		fail(w, sm.SetUser(r.Context(), r.URL.Query().Get("user")))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sm.UserID(r.Context()))
	})
	mux.HandleFunc("/marker", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sm.GetString(r.Context(), "marker"))
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

// wantUserSessionsNamed is wantUserSessions for a user named name in
// messages, for IDs too long or odd to print.
func wantUserSessionsNamed(t *testing.T, ix scs.UserIndexStore, name, user string, want ...string) {
	t.Helper()
	got, err := indexTokens(ix, user)
	if err != nil {
		t.Fatalf("UserSessions(%s): %v", name, err)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("UserSessions(%s) = %q, want %q", name, got, want)
	}
}
