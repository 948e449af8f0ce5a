package scs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Backoff between merge attempts that lost to another process: the first
// wait is up to minMergeBackoff, each later one up to twice the last, at
// most maxMergeBackoff, with full jitter so that competing writers spread
// out.
const (
	minMergeBackoff = time.Millisecond
	maxMergeBackoff = 20 * time.Millisecond
)

// mergeBackoff returns the wait before merge attempt n+1 (n from 1).
func mergeBackoff(n int) time.Duration {
	d := minMergeBackoff << min(n-1, 10)
	if d > maxMergeBackoff || d <= 0 {
		d = maxMergeBackoff
	}
	return d/4 + rand.N(d-d/4)
}

// commitMerged is Commit for MergeConcurrent and a session that exists in
// the store under key (its token being token). It re-reads the session,
// applies this request's changes to what the store holds now, and writes
// the result with UpdateStore.CompareAndSwap when the store has it. Within
// this manager the saves of one session take turns (a per-session lock); a swap lost to another
// process is retried after a jittered backoff until MergeTimeout has passed
// or ctx ends. When the re-read finds the session gone and the store is an
// UpdateStore, it returns ErrSessionGone. The merged data becomes the
// request's session data.
func (s *SessionManager) commitMerged(ctx context.Context, sd *sessionData, token, key string) (string, time.Time, error) {
	bound, cancel := context.WithTimeout(ctx, max(s.MergeTimeout, 0))
	defer cancel()
	if s.locks != nil {
		unlock, err := s.locks.lock(bound, key)
		if err != nil {
			return "", time.Time{}, s.mergeGiveUp(ctx, key)
		}
		defer unlock()
	}
	up := s.store(ctx).update
	for attempt := 1; ; attempt++ {
		cur, found, err := s.storeFind(ctx, key)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: re-read: %w", err)
		}
		if !found && up != nil {
			return s.sessionGone(ctx, sd, key)
		}
		sd.mu.Lock()
		values, deadline, prev := sd.values, sd.deadline, sd.changes.user
		if found {
			// A payload this codec cannot read is overwritten by this
			// request's data, as without MergeConcurrent.
			if d, v, err := s.Codec.Decode(cur); err == nil {
				if !s.live(d) && up != nil {
					// A tombstone: another request renewed the token
					// away (see move.go).
					sd.mu.Unlock()
					return s.sessionGone(ctx, sd, key)
				}
				values, deadline = sd.changes.apply(sd.values, sd.deadline, v, d)
				prev = userOf(v)
			}
		}
		user := userOf(values)
		b, err := s.Codec.Encode(deadline, values)
		sd.mu.Unlock()
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
		}

		expiry := s.storeExpiry(deadline)
		if err := s.index(ctx, user, key, expiry); err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}
		switch {
		case !found:
			// A store without UpdateStore: saved as before it had one.
			err = s.storeCommit(ctx, key, b, expiry)
		case up != nil:
			var swapped bool
			if swapped, err = s.storeCompareAndSwap(ctx, up, key, cur, b, expiry); err == nil && !swapped {
				// Another process saved (or deleted) the session since
				// the re-read: wait a little, then merge again.
				t := time.NewTimer(mergeBackoff(attempt))
				select {
				case <-t.C:
					continue
				case <-bound.Done():
					t.Stop()
					return "", time.Time{}, s.mergeGiveUp(ctx, key)
				}
			}
		default:
			err = s.storeCommit(ctx, key, b, expiry)
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}

		sd.mu.Lock()
		sd.values, sd.deadline = values, deadline
		sd.mu.Unlock()
		if err := s.finishSave(ctx, sd, false, key, expiry, prev, user); err != nil {
			return "", time.Time{}, err
		}
		return token, expiry, nil
	}
}

// mergeGiveUp returns the error of a merged save that ran out of time: the
// request's context error when ctx ended, else ErrConflict (MergeTimeout
// passed), which it also reports to OnEvent.
func (s *SessionManager) mergeGiveUp(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	s.emit(ctx, EventConflict, key, ErrConflict)
	return ErrConflict
}

// sessionLocks serialises the merged saves of one session within a
// SessionManager, so that its concurrent requests take turns instead of
// racing each other through the store. Entries are keyed by store key,
// counted by their users, and removed when the last one leaves, so the map
// holds only sessions being saved right now. The zero value is ready to use.
type sessionLocks struct {
	mu sync.Mutex              // guards m and every entry's refs
	m  map[string]*sessionLock // by store key
}

type sessionLock struct {
	held chan struct{} // holds one element while locked
	refs int           // holders and waiters
}

// lock waits until it holds the lock of key, or ctx ends, and returns the
// function that unlocks it.
func (l *sessionLocks) lock(ctx context.Context, key string) (unlock func(), err error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*sessionLock)
	}
	e := l.m[key]
	if e == nil {
		e = &sessionLock{held: make(chan struct{}, 1)}
		l.m[key] = e
	}
	e.refs++
	l.mu.Unlock()

	unlock = func() {
		<-e.held
		l.release(key, e)
	}
	select {
	case e.held <- struct{}{}: // free: taken even when ctx has ended
		return unlock, nil
	default:
	}
	select {
	case e.held <- struct{}{}:
		return unlock, nil
	case <-ctx.Done():
		l.release(key, e)
		return nil, ctx.Err()
	}
}

func (l *sessionLocks) release(key string, e *sessionLock) {
	l.mu.Lock()
	if e.refs--; e.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}

// size returns the number of sessions with a lock entry, for tests.
func (l *sessionLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
