package memstore_test

import (
	"context"
	"errors"
	"fmt"
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
