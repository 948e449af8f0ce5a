package scs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// iterableOnly is a memstore seen as a store that can list its sessions
// but keeps no index of user sessions.
type iterableOnly struct{ m *memstore.MemStore }

func (s iterableOnly) Find(token string) ([]byte, bool, error)      { return s.m.Find(token) }
func (s iterableOnly) Delete(token string) error                    { return s.m.Delete(token) }
func (s iterableOnly) All() (map[string][]byte, error)              { return s.m.All() }
func (s iterableOnly) Commit(t string, b []byte, e time.Time) error { return s.m.Commit(t, b, e) }

// plainOnly is a memstore seen as a store with neither an index nor All.
type plainOnly struct{ m *memstore.MemStore }

func (s plainOnly) Find(token string) ([]byte, bool, error)      { return s.m.Find(token) }
func (s plainOnly) Delete(token string) error                    { return s.m.Delete(token) }
func (s plainOnly) Commit(t string, b []byte, e time.Time) error { return s.m.Commit(t, b, e) }

func TestLogoutEverywhereByScanning(t *testing.T) {
	for _, hash := range []bool{false, true} {
		sm := scs.New()
		sm.Store = iterableOnly{memstore.NewWithCleanupInterval(0)}
		sm.HashTokenInStore = hash
		storetest.LogoutEverywhere(t, sm)
	}
}

func TestUserSessionsNeedIndexOrIterable(t *testing.T) {
	sm := scs.New()
	sm.Store = plainOnly{memstore.NewWithCleanupInterval(0)}
	if _, err := sm.UserSessions(context.Background(), "alice"); !errors.Is(err, scs.ErrNotIterable) {
		t.Errorf("UserSessions on a store without index or All = %v, want ErrNotIterable", err)
	}
	if n, err := sm.DestroyUser(context.Background(), "alice"); !errors.Is(err, scs.ErrNotIterable) || n != 0 {
		t.Errorf("DestroyUser on a store without index or All = %d, %v, want 0, ErrNotIterable", n, err)
	}
}

// userApp serves /as?user=X (SetUser), /merge?token=T (MergeSession) and
// /sessions?user=X (UserSessions, one line per ID) for the tests below.
func userApp(sm *scs.SessionManager) http.Handler {
	return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, q := r.Context(), r.URL.Query()
		var err error
		switch r.URL.Path {
		case "/as":
			err = sm.SetUser(ctx, q.Get("user"))
		case "/merge":
			err = sm.MergeSession(ctx, q.Get("token"))
		case "/sessions":
			var ids []string
			ids, err = sm.UserSessions(ctx, q.Get("user"))
			fmt.Fprint(w, len(ids))
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
}

func TestSetUserMovesSessionBetweenUsers(t *testing.T) {
	sm := scs.New()
	sm.Store = memstore.NewWithCleanupInterval(0)
	h := userApp(sm)
	count := func(user string) string {
		_, body := serve(h, "/sessions?user="+user, nil)
		return body
	}
	cookies, _ := serve(h, "/as?user=alice", nil)
	if a, b := count("alice"), count("bob"); a != "1" || b != "0" {
		t.Fatalf("after SetUser(alice): alice %s, bob %s sessions; want 1, 0", a, b)
	}
	serve(h, "/as?user=bob", cookies)
	if a, b := count("alice"), count("bob"); a != "0" || b != "1" {
		t.Fatalf("after SetUser(bob): alice %s, bob %s sessions; want 0, 1", a, b)
	}
	serve(h, "/as?user=", cookies)
	if b := count("bob"); b != "0" {
		t.Fatalf(`after SetUser(""): bob has %s sessions, want 0`, b)
	}
}

func TestMergeSessionKeepsIndexInStep(t *testing.T) {
	sm := scs.New()
	sm.Store = memstore.NewWithCleanupInterval(0)
	h := userApp(sm)
	count := func(user string) string {
		_, body := serve(h, "/sessions?user="+user, nil)
		return body
	}
	old, _ := serve(h, "/as?user=alice", nil)
	other, _ := serve(h, "/as?user=carol", nil)
	// The merged session's values win: the session now is alice's, once.
	serve(h, "/merge?token="+old[0].Value, other)
	if a, c := count("alice"), count("carol"); a != "1" || c != "0" {
		t.Fatalf("after merging alice's session into carol's: alice %s, carol %s sessions; want 1, 0", a, c)
	}
}

// TestUserKeysAreBasicTypes checks that what SetUser and SetUserLabel put
// in a session is of types encoding/gob decodes without registration
// (strings and integers), so that an SCS v2 process sharing the store,
// which has registered nothing, still reads sessions that have a user.
func TestUserKeysAreBasicTypes(t *testing.T) {
	sm := scs.New()
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sm.SetUser(ctx, "alice")
	sm.SetUserLabel(ctx, "Firefox on Linux")
	tok, _, err := sm.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := sm.Store.Find(tok)
	_, values, err := sm.Codec.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		switch v.(type) {
		case string, int64:
		default:
			t.Errorf("the session holds %s as a %T, which an SCS v2 process must register with gob to read", k, v)
		}
	}
	if len(values) != 3 {
		t.Errorf("the session holds %v, want the user, its start and its label", values)
	}
}
