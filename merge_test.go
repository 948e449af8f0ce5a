package scs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// twoRequests saves a session holding a=1, then loads it twice, as two
// concurrent requests do, and returns the two contexts and the token.
func twoRequests(t *testing.T, s *SessionManager) (context.Context, context.Context, string) {
	t.Helper()
	ctx, _ := s.Load(context.Background(), "")
	s.Put(ctx, "a", 1)
	tok, _, err := s.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Load(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Load(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, tok
}

func commitOK(t *testing.T, s *SessionManager, ctx context.Context) {
	t.Helper()
	if _, _, err := s.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func keysOf(t *testing.T, s *SessionManager, tok string) []string {
	t.Helper()
	ctx, err := s.Load(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return s.Keys(ctx)
}

func TestConcurrentRequestsLoseUpdatesWithoutMerge(t *testing.T) {
	s := newManager(t)
	a, b, tok := twoRequests(t, s)
	s.Put(a, "x", 1)
	s.Put(b, "y", 2)
	commitOK(t, s, a)
	commitOK(t, s, b)
	if got := keysOf(t, s, tok); len(got) != 2 || got[0] != "a" || got[1] != "y" {
		t.Fatalf("keys %v: the last save should win, as in SCS v2", got)
	}
}

func TestMergeConcurrentKeepsBothChanges(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	a, b, tok := twoRequests(t, s)
	s.Put(a, "x", 1)
	s.Remove(a, "a")
	s.Put(b, "y", 2)
	commitOK(t, s, a)
	commitOK(t, s, b)
	if got := keysOf(t, s, tok); len(got) != 2 || got[0] != "x" || got[1] != "y" {
		t.Fatalf("keys %v, want [x y]: both requests' changes, a removed", got)
	}
	// The request that saved last sees the merged data.
	if !s.Exists(b, "x") || s.Exists(b, "a") {
		t.Errorf("after Commit the request holds %v", s.Keys(b))
	}
}

func TestMergeConcurrentIdleReadDoesNotClobber(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	s.IdleTimeout = time.Hour
	a, b, tok := twoRequests(t, s)
	s.Put(b, "y", 2)
	commitOK(t, s, b)
	commitOK(t, s, a) // a only read: saving extends the idle expiry
	if got := keysOf(t, s, tok); len(got) != 2 || got[1] != "y" {
		t.Fatalf("keys %v: a read-only request overwrote a concurrent change", got)
	}
}

func TestMergeConcurrentClearAndDeadline(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	a, b, tok := twoRequests(t, s)
	s.Put(b, "y", 2)
	commitOK(t, s, b)
	d := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	s.Clear(a)
	s.Put(a, "z", 3)
	s.SetDeadline(a, d)
	commitOK(t, s, a)
	ctx, _ := s.Load(context.Background(), tok)
	if got := s.Keys(ctx); len(got) != 1 || got[0] != "z" {
		t.Fatalf("keys %v: Clear replaces everything", got)
	}
	if !s.Deadline(ctx).Equal(d) {
		t.Errorf("deadline %v, want the one set", s.Deadline(ctx))
	}
}

// racingStore makes the first CompareAndSwap lose: just before it, another
// "request" saves the session.
type racingStore struct {
	*memstore.MemStore
	m      *SessionManager
	raced  bool
	always bool
	swaps  int
	onSwap func()
}

func (r *racingStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	r.swaps++
	if r.onSwap != nil {
		r.onSwap()
	}
	if !r.raced || r.always {
		r.raced = true
		other, _ := r.m.Load(context.Background(), token)
		r.m.Put(other, "racer", r.swaps)
		sd := r.m.getSessionData(other)
		sd.changes.stored = "" // a plain save, not merged
		if _, _, err := r.m.Commit(other); err != nil {
			return false, err
		}
	}
	return r.MemStore.CompareAndSwap(ctx, token, old, b, expiry)
}

func TestMergeConcurrentRetriesALostSwap(t *testing.T) {
	s := newManager(t)
	rs := &racingStore{MemStore: memstore.NewWithCleanupInterval(0), m: s}
	s.Store = rs
	s.MergeConcurrent = true
	a, _, tok := twoRequests(t, s)
	s.Put(a, "x", 1)
	commitOK(t, s, a)
	if rs.swaps != 2 {
		t.Errorf("%d swaps, want 2 (one lost, one retried)", rs.swaps)
	}
	if got := keysOf(t, s, tok); len(got) != 3 {
		t.Fatalf("keys %v, want a, racer and x", got)
	}
}

func TestMergeConcurrentGivesUpWithErrConflictAfterMergeTimeout(t *testing.T) {
	s := newManager(t)
	rs := &racingStore{MemStore: memstore.NewWithCleanupInterval(0), m: s, always: true}
	s.Store = rs
	s.MergeConcurrent = true
	s.MergeTimeout = 30 * time.Millisecond
	var events []Event
	s.OnEvent = func(_ context.Context, e Event) { events = append(events, e) }
	a, _, _ := twoRequests(t, s)
	s.Put(a, "x", 1)
	if _, _, err := s.Commit(a); !errors.Is(err, ErrConflict) || rs.swaps < 2 {
		t.Fatalf("Commit = %v after %d swaps, want ErrConflict after retries", err, rs.swaps)
	}
	if n := len(events); n == 0 || events[n-1].Kind != EventConflict || !errors.Is(events[n-1].Err, ErrConflict) {
		t.Errorf("events %v, want EventConflict last", events)
	}
	if n := s.locks.size(); n != 0 {
		t.Errorf("%d session locks left after the save", n)
	}
}

func TestMergeConcurrentStopsWithTheRequestContext(t *testing.T) {
	s := newManager(t)
	rs := &racingStore{MemStore: memstore.NewWithCleanupInterval(0), m: s, always: true}
	s.Store = rs
	s.MergeConcurrent = true
	a, _, _ := twoRequests(t, s)
	ctx, cancel := context.WithCancel(a)
	s.Put(ctx, "x", 1)
	s.OnEvent = func(_ context.Context, e Event) {
		if e.Kind == EventConflict {
			t.Errorf("a cancelled request reported a conflict")
		}
	}
	rs.onSwap = cancel
	if _, _, err := s.Commit(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit = %v, want context.Canceled", err)
	}
}

func TestMergeConcurrentSerialisesSavesWithinAManager(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	_, _, tok := twoRequests(t, s)
	key := s.keyOf(tok)
	unlock, err := s.locks.lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	// While another save of the session holds its lock, a save waits for
	// it, and gives up at MergeTimeout.
	s.MergeTimeout = 20 * time.Millisecond
	ctx, _ := s.Load(context.Background(), tok)
	s.Put(ctx, "x", 1)
	if _, _, err := s.Commit(ctx); !errors.Is(err, ErrConflict) {
		t.Fatalf("Commit while the session is locked = %v, want ErrConflict", err)
	}
	// Another session is not held up.
	other, _ := s.Load(context.Background(), "")
	s.Put(other, "y", 1)
	commitOK(t, s, other)
	unlock()
	s.MergeTimeout = time.Minute
	done := make(chan error, 1)
	unlock, _ = s.locks.lock(context.Background(), key)
	go func() {
		_, _, err := s.Commit(ctx)
		done <- err
	}()
	unlock() // the waiting save goes on
	if err := <-done; err != nil {
		t.Fatalf("Commit after the lock was released: %v", err)
	}
	if n := s.locks.size(); n != 0 {
		t.Errorf("%d session locks left after the saves", n)
	}
}

func TestMergeConcurrentNewAndRenewedSessionsSaveAsUsual(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	a, b, tok := twoRequests(t, s)
	if err := s.RenewToken(a); err != nil {
		t.Fatal(err)
	}
	s.Put(a, "x", 1)
	commitOK(t, s, a)
	if s.Token(a) == tok || len(keysOf(t, s, s.Token(a))) != 2 {
		t.Fatal("a renewed session is saved under its new token with its data")
	}
	if err := s.Destroy(b); err != nil {
		t.Fatal(err)
	}
	s.Put(b, "y", 1)
	commitOK(t, s, b)
	if got := keysOf(t, s, s.Token(b)); len(got) != 1 || got[0] != "y" {
		t.Fatalf("keys after Destroy then Put: %v", got)
	}
}

func TestMergeConcurrentUnderRealConcurrency(t *testing.T) {
	s := newManager(t)
	s.MergeConcurrent = true
	_, _, tok := twoRequests(t, s)
	const workers, rounds = 8, 5
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for r := 0; r < rounds; r++ {
				ctx, err := s.Load(context.Background(), tok)
				if err != nil {
					errc <- err
					return
				}
				s.Put(ctx, string(rune('A'+w))+string(rune('0'+r)), r)
				if _, _, err = s.Commit(ctx); err != nil {
					errc <- err // no ErrConflict either: saves take turns
					return
				}
			}
			errc <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if got := keysOf(t, s, tok); len(got) != 1+workers*rounds {
		t.Fatalf("%d keys, want %d: an update was lost", len(got), 1+workers*rounds)
	}
	if n := s.locks.size(); n != 0 {
		t.Errorf("%d session locks left after the saves", n)
	}
}
