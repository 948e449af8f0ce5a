package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			s := memstore.New()
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			s := memstore.NewWithCleanupInterval(interval)
			t.Cleanup(s.StopCleanup)
			return s
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			return memstore.Stored(s.(*memstore.MemStore), token)
		},
	}.Run(t)
}

func TestCommitCopiesData(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	b := []byte("data")
	if err := s.Commit("tok", b, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	got, _, _ := s.Find("tok")
	if string(got) != "data" {
		t.Fatalf("the store kept the caller's slice: %q", got)
	}
}

// TestDeleteExpired fills many shards with live and expired sessions and
// checks that one pass deletes exactly the expired ones.
func TestDeleteExpired(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	now := time.Now()
	const n = 5000
	for i := range n {
		expiry := now.Add(time.Hour)
		if i%2 == 1 {
			expiry = now.Add(-time.Second)
		}
		if err := s.Commit(fmt.Sprint("tok", i), []byte("data"), expiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		tok := fmt.Sprint("tok", i)
		if want := i%2 == 0; memstore.Stored(s, tok) != want {
			t.Fatalf("after DeleteExpired, %s stored = %v, want %v", tok, !want, want)
		}
	}
	if all, _ := s.All(); len(all) != n/2 {
		t.Fatalf("All lists %d sessions, want %d", len(all), n/2)
	}
}

// TestDeleteExpiredConcurrent runs a pass while other goroutines commit,
// find and delete, for the race detector, and checks that sessions
// committed live during the pass survive it.
func TestDeleteExpiredConcurrent(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	const n = 4000
	for i := range n {
		s.Commit(fmt.Sprint("tok", i), []byte("old"), past)
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				tok := fmt.Sprint("tok", i)
				s.Commit(tok, []byte("new"), future)
				s.Find(tok)
				s.Delete(fmt.Sprint("other", i))
			}
		}()
	}
	if err := s.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range n {
		if b, found, _ := s.Find(fmt.Sprint("tok", i)); !found || string(b) != "new" {
			t.Fatalf("tok%d renewed during the pass: found %v, %q", i, found, b)
		}
	}
}

func TestDeleteExpiredStopsWithContext(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	s.Commit("tok", []byte("data"), time.Now().Add(-time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.DeleteExpired(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("DeleteExpired with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestDeleteExpiredUsers fills the index of user sessions over many
// shards, with users whose entries are all live, all expired, or mixed,
// among them one whose earliest entry was renewed, while another goroutine
// adds and removes entries for the race detector; it checks that a pass
// drops exactly the expired entries and the users left with none.
func TestDeleteExpiredUsers(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	ctx := context.Background()
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	const n = 3000
	for i := range n {
		user := fmt.Sprint("user", i)
		switch i % 3 {
		case 0: // live
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "a", Expiry: future})
		case 1: // expired
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "a", Expiry: past})
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "b", Expiry: past})
		case 2: // mixed; "b" was to expire first, then was renewed
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "a", Expiry: past})
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "b", Expiry: time.Now().Add(time.Millisecond)})
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "b", Expiry: future})
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			user := fmt.Sprint("other", i)
			s.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "a", Expiry: future})
			s.RemoveUserSessions(ctx, user, []string{"a"})
		}
	}()
	if err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i := range n {
		user := fmt.Sprint("user", i)
		want := map[int][]string{0: {"a"}, 1: nil, 2: {"b"}}[i%3]
		got := slices.Sorted(maps.Keys(memstore.IndexedTokens(s, user)))
		if !slices.Equal(got, want) {
			t.Fatalf("after DeleteExpired, %s's entries = %q, want %q", user, got, want)
		}
		if live := tokensOf(s.UserSessions(ctx, user)); !slices.Equal(live, want) {
			t.Fatalf("UserSessions(%s) = %q, want %q", user, live, want)
		}
	}
}

// TestUserSessionsDropsExpired checks that UserSessions lists only the
// live entries and drops the expired ones, and the user with them.
func TestUserSessionsDropsExpired(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	ctx := context.Background()
	s.AddUserSession(ctx, "u", scs.UserIndexEntry{Token: "old", Expiry: time.Now().Add(-time.Second)})
	s.AddUserSession(ctx, "u", scs.UserIndexEntry{Token: "new", Expiry: time.Now().Add(time.Hour)})
	if live := tokensOf(s.UserSessions(ctx, "u")); !slices.Equal(live, []string{"new"}) {
		t.Fatalf("UserSessions = %q, want [new]", live)
	}
	if got := memstore.IndexedTokens(s, "u"); len(got) != 1 {
		t.Fatalf("after UserSessions, the index holds %v, want only new", got)
	}
	s.RemoveUserSessions(ctx, "u", []string{"new"})
	s.AddUserSession(ctx, "v", scs.UserIndexEntry{Token: "old", Expiry: time.Now().Add(-time.Second)})
	if live, _ := s.UserSessions(ctx, "v"); len(live) != 0 {
		t.Fatalf("UserSessions(v) = %q, want none", live)
	}
	if got := memstore.IndexedTokens(s, "v"); got != nil {
		t.Fatalf("after UserSessions, v is still in the index: %v", got)
	}
}

// tokensOf returns the tokens of index entries, sorted.
func tokensOf(entries []scs.UserIndexEntry, _ error) []string {
	tokens := make([]string, len(entries))
	for i, e := range entries {
		tokens[i] = e.Token
	}
	slices.Sort(tokens)
	return tokens
}
