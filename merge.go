package scs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// This file holds what MergeConcurrent's merged save (commitMerged, in
// save.go) needs beside the store: a backoff between attempts, the error
// when it gives up, and the per-session locks of one manager.

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

// mergeGiveUp returns the error of a merged save that ran out of time: the
// request's context error when ctx ended, else [ErrConflict] (MergeTimeout
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
