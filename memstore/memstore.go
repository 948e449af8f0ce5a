// Package memstore is an in-memory session store, the default store of
// scs.SessionManager. Sessions are lost when the process stops, so it suits
// development, tests, and applications that accept that.
package memstore

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
)

// MemStore is an in-memory session store. Create one with New or
// NewWithCleanupInterval; it is safe for concurrent use.
type MemStore struct {
	mu    sync.RWMutex    // guards items
	items map[string]item // by token

	runner *cleanup.Runner
}

type item struct {
	data   []byte
	expiry int64 // Unix nanoseconds
}

// New returns a store that deletes expired sessions every minute.
func New() *MemStore {
	return NewWithCleanupInterval(time.Minute)
}

// NewWithCleanupInterval returns a store that deletes expired sessions every
// interval; an interval of 0 deletes none (expired sessions are never found
// nor listed, but keep their memory). The cleanup goroutine starts with the
// first Commit and ends with StopCleanup.
func NewWithCleanupInterval(interval time.Duration) *MemStore {
	s := &MemStore{items: make(map[string]item)}
	s.runner = cleanup.New(interval, s.deleteExpired)
	return s
}

// Find returns the data for token, with found false when it is missing or
// expired. The returned slice must not be modified.
func (s *MemStore) Find(token string) ([]byte, bool, error) {
	b, _, found, err := s.FindExpiry(token)
	return b, found, err
}

// FindExpiry is Find that also returns the expiry token was committed with.
func (s *MemStore) FindExpiry(token string) ([]byte, time.Time, bool, error) {
	s.mu.RLock()
	it, ok := s.items[token]
	s.mu.RUnlock()
	if !ok || time.Now().UnixNano() >= it.expiry {
		return nil, time.Time{}, false, nil
	}
	return it.data, time.Unix(0, it.expiry), true, nil
}

// Commit stores a copy of b for token until expiry, replacing any data and
// expiry the token had.
func (s *MemStore) Commit(token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	it := item{data: append(make([]byte, 0, len(b)), b...), expiry: expiry.UnixNano()}
	s.mu.Lock()
	s.items[token] = it
	s.mu.Unlock()
	return nil
}

// CompareAndSwap stores a copy of b for token until expiry if the store
// still holds exactly old for it, unexpired, and reports whether it did. It
// makes SessionManager.MergeConcurrent atomic.
func (s *MemStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.runner.Start()
	next := item{data: append(make([]byte, 0, len(b)), b...), expiry: expiry.UnixNano()}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[token]
	if !ok || time.Now().UnixNano() >= it.expiry || !bytes.Equal(it.data, old) {
		return false, nil
	}
	s.items[token] = next
	return true, nil
}

// Update stores a copy of b for token until expiry, like Commit, if the
// store holds token unexpired, and reports whether it did; it never creates
// token. It makes the store an scs.UpdateStore, so that a session another
// request destroyed or renewed is not written back.
func (s *MemStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	next := item{data: append(make([]byte, 0, len(b)), b...), expiry: expiry.UnixNano()}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[token]
	if !ok || time.Now().UnixNano() >= it.expiry {
		return false, nil
	}
	s.items[token] = next
	return true, nil
}

// Delete removes token; a missing token is not an error.
func (s *MemStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.items, token)
	s.mu.Unlock()
	return nil
}

// All returns the data of every live session by token, an empty map when
// there is none.
func (s *MemStore) All() (map[string][]byte, error) {
	now := time.Now().UnixNano()
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := make(map[string][]byte, len(s.items))
	for token, it := range s.items {
		if now < it.expiry {
			all[token] = it.data
		}
	}
	return all, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, and when no goroutine runs.
func (s *MemStore) StopCleanup() {
	s.runner.Stop()
}

// deleteExpired removes expired sessions, a bounded batch per lock so that
// requests are never held up for long.
func (s *MemStore) deleteExpired(ctx context.Context) error {
	const batch = 1000
	for ctx.Err() == nil {
		now := time.Now().UnixNano()
		n := 0
		s.mu.Lock()
		for token, it := range s.items {
			if now >= it.expiry {
				delete(s.items, token)
				if n++; n == batch {
					break
				}
			}
		}
		s.mu.Unlock()
		if n < batch {
			return nil
		}
	}
	return nil
}
