package scs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

func TestDestroyWritesExpiredCookieAndDeletes(t *testing.T) {
	s := newManager(t)
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context()); err != nil {
			t.Fatal(err)
		}
		if s.Status(r.Context()) != Destroyed {
			t.Error("status is not Destroyed")
		}
	}, tok)
	c := sessionCookie(w, "session")
	if c == nil || c.Value != "" || c.MaxAge != -1 {
		t.Fatalf("cookie after Destroy = %+v, want an empty value and Max-Age=0", c)
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0") {
		t.Errorf("Set-Cookie = %q", w.Header().Get("Set-Cookie"))
	}
	if _, found, _ := s.Store.Find(tok); found {
		t.Error("destroyed session still in the store")
	}
}

func TestDestroyThenPutStartsNewSession(t *testing.T) {
	s := newManager(t)
	old := sessionCookie(do(t, s, put(s, "a", "1"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := s.Destroy(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Exists(ctx, "a") || s.Token(ctx) != "" {
			t.Error("data or token survived Destroy")
		}
		s.Put(ctx, "b", "2")
	}, old)
	c := sessionCookie(w, "session")
	if c == nil || c.Value == old || !validToken(c.Value) || c.MaxAge <= 0 {
		t.Fatalf("cookie = %+v, want a new live token", c)
	}
	if _, found, _ := s.Store.Find(old); found {
		t.Error("old token still in store")
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, s.GetString(r.Context(), "a"), s.GetString(r.Context(), "b"))
	}, c.Value)
	if w.Body.String() != "2" {
		t.Errorf("new session holds %q, want only b=2", w.Body.String())
	}
}

func TestRenewTokenDeletesOldToken(t *testing.T) {
	s := newManager(t)
	old := sessionCookie(do(t, s, put(s, "user", "alice"), ""), "session").Value
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if err := s.RenewToken(r.Context()); err != nil {
			t.Fatal(err)
		}
	}, old)
	c := sessionCookie(w, "session")
	if c == nil || c.Value == old {
		t.Fatalf("cookie after RenewToken = %+v, want a new token", c)
	}
	if _, found, _ := s.Store.Find(old); found {
		t.Error("old token still in the store")
	}
	if w := do(t, s, getString(s, "user"), c.Value); w.Body.String() != "alice" {
		t.Errorf("renewed session lost its data: %q", w.Body.String())
	}
	if w := do(t, s, getString(s, "user"), old); w.Body.String() != "" {
		t.Error("old token still loads the session")
	}
}

func TestMergeSession(t *testing.T) {
	s := newManager(t)
	other := sessionCookie(do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "cart", "3 items")
		s.Put(r.Context(), "shared", "other")
		s.SetDeadline(r.Context(), s.clock().Add(48*time.Hour))
	}, ""), "session").Value
	own := sessionCookie(do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "user", "bob")
		s.Put(r.Context(), "shared", "own")
	}, ""), "session").Value

	do(t, s, func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := s.MergeSession(ctx, other); err != nil {
			t.Fatal(err)
		}
		if s.GetString(ctx, "cart") != "3 items" || s.GetString(ctx, "user") != "bob" || s.GetString(ctx, "shared") != "other" {
			t.Errorf("merged keys %v", s.Keys(ctx))
		}
		if time.Until(s.Deadline(ctx)) < 47*time.Hour {
			t.Error("merge did not keep the later deadline")
		}
		for _, tok := range []string{own, "not-a-token", other} {
			if err := s.MergeSession(ctx, tok); err != nil {
				t.Errorf("MergeSession(%q) = %v", tok, err)
			}
		}
	}, own)
	if _, found, _ := s.Store.Find(other); found {
		t.Error("merged session still in the store")
	}
}

func TestIdleTimeout(t *testing.T) {
	s := newManager(t)
	start := time.Now().UTC().Truncate(time.Second)
	now := start
	s.now = func() time.Time { return now }
	s.IdleTimeout = 20 * time.Minute
	s.Lifetime = time.Hour

	w := do(t, s, put(s, "k", "v"), "")
	c := sessionCookie(w, "session")
	if c.MaxAge != 20*60+1 {
		t.Errorf("Max-Age = %d, want the idle timeout", c.MaxAge)
	}
	// A read extends the idle expiry: the session is saved again.
	now = now.Add(15 * time.Minute)
	ctx, _ := s.Load(context.Background(), c.Value)
	if s.Status(ctx) != Modified {
		t.Error("with IdleTimeout a loaded session is not Modified")
	}
	_, expiry, err := s.Commit(ctx)
	if err != nil || !expiry.Equal(now.Add(20*time.Minute)) {
		t.Errorf("Commit expiry %v, %v; want now+idle", expiry, err)
	}
	// Near the absolute deadline the deadline wins.
	now = now.Add(40 * time.Minute)
	ctx, _ = s.Load(context.Background(), c.Value)
	_, expiry, _ = s.Commit(ctx)
	if want := start.Add(time.Hour); !expiry.Equal(want) {
		t.Errorf("Commit expiry %v, want the deadline %v", expiry, want)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	s := newManager(t)
	s.Lifetime = 300 * time.Millisecond
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "v" {
		t.Fatal("session not found before its lifetime")
	}
	// Activity does not extend the absolute lifetime.
	do(t, s, put(s, "k2", "v2"), tok)
	time.Sleep(400 * time.Millisecond)
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "" {
		t.Error("session found after its lifetime")
	}
}

func TestIterate(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		t.Run(fmt.Sprintf("hashed=%v", hashed), func(t *testing.T) {
			s := newManager(t)
			s.HashTokenInStore = hashed
			for i := 0; i < 6; i++ {
				do(t, s, func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), "userID", i%2) }, "")
			}
			parent := context.WithValue(context.Background(), parentKey{}, "parent")
			err := s.Iterate(parent, func(ctx context.Context) error {
				if sc, ok := ctx.(*sessionCtx); !ok || sc.Context != parent {
					t.Error("Iterate grew a context chain")
				}
				if s.GetInt(ctx, "userID") == 1 {
					return s.Destroy(ctx)
				}
				s.Put(ctx, "seen", true)
				_, _, err := s.Commit(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			all, _ := s.Store.(*memstore.MemStore).All()
			if len(all) != 3 {
				t.Fatalf("%d sessions left, want 3 (Destroy inside Iterate must delete)", len(all))
			}
			n := 0
			if err := s.Iterate(parent, func(ctx context.Context) error {
				if !s.GetBool(ctx, "seen") {
					t.Error("change committed inside Iterate was lost")
				}
				n++
				return nil
			}); err != nil || n != 3 {
				t.Fatalf("second Iterate: %v, %d sessions", err, n)
			}
			stop := errors.New("stop")
			if err := s.Iterate(parent, func(context.Context) error { return stop }); err != stop {
				t.Errorf("Iterate returned %v, want fn's error", err)
			}
		})
	}
}

func TestIterateNotIterable(t *testing.T) {
	s := newManager(t)
	s.Store = &countingStore{Store: s.Store}
	err := s.Iterate(context.Background(), func(context.Context) error { return nil })
	if !errors.Is(err, ErrNotIterable) {
		t.Fatalf("Iterate on a store without All = %v, want ErrNotIterable", err)
	}
}

func TestIdleRefreshIntervalSkipsWrites(t *testing.T) {
	s := newManager(t)
	st := &expiryCounting{MemStore: memstore.NewWithCleanupInterval(0)}
	s.Store = st
	start := time.Now().UTC()
	now := start
	s.now = func() time.Time { return now }
	s.IdleTimeout = 20 * time.Minute
	s.IdleRefreshInterval = 5 * time.Minute

	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	steps := []struct {
		at      time.Duration // since the session was created
		h       http.HandlerFunc
		commits int
		cookie  bool
	}{
		{time.Minute, getString(s, "k"), 1, false},     // expiry moved by 1m: skipped
		{4 * time.Minute, getString(s, "k"), 1, false}, // 4m: skipped
		{6 * time.Minute, getString(s, "k"), 2, true},  // 6m >= 5m: saved
		{7 * time.Minute, put(s, "k", "w"), 3, true},   // a change is always saved
	}
	for i, st2 := range steps {
		now = start.Add(st2.at)
		w := do(t, s, st2.h, tok)
		if st.commits != st2.commits || (sessionCookie(w, "session") != nil) != st2.cookie {
			t.Fatalf("step %d: %d commits, cookie %v; want %d, %v", i, st.commits, sessionCookie(w, "session") != nil, st2.commits, st2.cookie)
		}
	}
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "w" {
		t.Fatalf("session lost: %q", w.Body.String())
	}
}

func TestIdleRefreshIntervalNeedsExpiryStore(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store} // hides memstore's FindExpiry
	s.Store = cs
	s.IdleTimeout = time.Hour
	s.IdleRefreshInterval = 30 * time.Minute
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	do(t, s, getString(s, "k"), tok)
	if cs.commits != 2 {
		t.Fatalf("%d commits, want 2: without FindExpiry every request saves", cs.commits)
	}
}

func TestIdleRefreshAtTheDeadline(t *testing.T) {
	s := newManager(t)
	st := &expiryCounting{MemStore: memstore.NewWithCleanupInterval(0)}
	s.Store = st
	s.Lifetime = 10 * time.Minute // the deadline caps every idle expiry
	s.IdleTimeout = 20 * time.Minute
	s.IdleRefreshInterval = time.Minute
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	do(t, s, getString(s, "k"), tok)
	if st.commits != 1 {
		t.Fatalf("%d commits: saving cannot move an expiry capped by the deadline", st.commits)
	}
}
