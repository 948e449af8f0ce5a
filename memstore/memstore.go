// Package memstore is an in-memory session store, the default store of
// scs.SessionManager. Sessions are lost when the process stops, so it suits
// development, tests, and applications that accept that.
package memstore

import (
	"bytes"
	"context"
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
)

// shardCount is the number of shards a store splits its sessions into, a
// power of two. A million sessions make about 1,000 per shard: the most
// that a cleanup pass reads under one shard's read lock, or deletes under
// its write lock. With fewer, larger shards a request more often meets the
// pass on its shard (a measure at a million sessions on a loaded machine
// had Find's 99.9th percentile during a pass at 3 ms with 256 shards, under
// 1 ms with 1,024); with more, each store costs more memory up front (32
// bytes a shard).
const shardCount = 1024

// deleteBatch is the most expired sessions a cleanup pass deletes under one
// hold of a shard's write lock.
const deleteBatch = 1024

// MemStore is an in-memory session store. Create one with New or
// NewWithCleanupInterval; it is safe for concurrent use.
//
// Sessions are spread over shards by a hash of their token, each shard a
// map behind its own lock, so that requests for different sessions seldom
// wait for each other and a cleanup pass never holds more than one shard.
type MemStore struct {
	seed   maphash.Seed // picks a token's shard
	shards [shardCount]shard

	// users is the index of user sessions, sharded like the sessions but
	// by a hash of the user ID (see users.go). Nil until the first
	// AddUserSession, so that a store that indexes no user pays nothing.
	users atomic.Pointer[[shardCount]userShard]

	runner *cleanup.Runner
}

// shard is one part of a store's sessions.
type shard struct {
	mu    sync.RWMutex    // guards items
	items map[string]item // by token; nil until the shard's first Commit
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
	s := &MemStore{seed: maphash.MakeSeed()}
	s.runner = cleanup.New(interval, s.DeleteExpired)
	return s
}

// shard returns the shard that holds token.
func (s *MemStore) shard(token string) *shard {
	return &s.shards[maphash.String(s.seed, token)&(shardCount-1)]
}

// Find returns the data for token, with found false when it is missing or
// expired. The returned slice must not be modified.
func (s *MemStore) Find(token string) ([]byte, bool, error) {
	b, _, found := s.find(token)
	return b, found, nil
}

// FindExpiry is Find that also returns the expiry token was committed with,
// making the store an scs.ExpiryStore. It does no I/O, so ctx only matters
// when it has ended already: then it returns ctx's error.
func (s *MemStore) FindExpiry(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, err
	}
	b, expiry, found := s.find(token)
	return b, expiry, found, nil
}

// find returns the live data of token and its expiry.
func (s *MemStore) find(token string) ([]byte, time.Time, bool) {
	sh := s.shard(token)
	sh.mu.RLock()
	it, ok := sh.items[token]
	sh.mu.RUnlock()
	if !ok || time.Now().UnixNano() >= it.expiry {
		return nil, time.Time{}, false
	}
	return it.data, time.Unix(0, it.expiry), true
}

// Commit stores a copy of b for token until expiry, replacing any data and
// expiry the token had.
func (s *MemStore) Commit(token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	it := item{data: append(make([]byte, 0, len(b)), b...), expiry: expiry.UnixNano()}
	sh := s.shard(token)
	sh.mu.Lock()
	if sh.items == nil {
		sh.items = make(map[string]item)
	}
	sh.items[token] = it
	sh.mu.Unlock()
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
	sh := s.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	it, ok := sh.items[token]
	if !ok || time.Now().UnixNano() >= it.expiry || !bytes.Equal(it.data, old) {
		return false, nil
	}
	sh.items[token] = next
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
	sh := s.shard(token)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	it, ok := sh.items[token]
	if !ok || time.Now().UnixNano() >= it.expiry {
		return false, nil
	}
	sh.items[token] = next
	return true, nil
}

// Delete removes token; a missing token is not an error.
func (s *MemStore) Delete(token string) error {
	sh := s.shard(token)
	sh.mu.Lock()
	delete(sh.items, token)
	sh.mu.Unlock()
	return nil
}

// All returns the data of every live session by token, an empty map when
// there is none. It reads one shard at a time, so a session committed or
// deleted while it runs may or may not be in the result.
func (s *MemStore) All() (map[string][]byte, error) {
	now := time.Now().UnixNano()
	all := make(map[string][]byte)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for token, it := range sh.items {
			if now < it.expiry {
				all[token] = it.data
			}
		}
		sh.mu.RUnlock()
	}
	return all, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, and when no goroutine runs.
func (s *MemStore) StopCleanup() {
	s.runner.Stop()
}

// DeleteExpired deletes the sessions that have expired, as the cleanup
// goroutine does every interval; it returns ctx's error if ctx is done
// before it has finished. It works a shard at a time: it lists the expired
// sessions of a shard under the shard's read lock, which leaves Find free,
// then deletes those still expired under the write lock, at most
// deleteBatch per hold. Requests therefore wait at most for the scan of
// one shard (about 1,000 sessions per million stored), never for a pass.
// It then does the same over the index of user sessions.
func (s *MemStore) DeleteExpired(ctx context.Context) error {
	var expired []string // reused from shard to shard
	for i := range s.shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := &s.shards[i]
		now := time.Now().UnixNano()
		expired = expired[:0]
		sh.mu.RLock()
		for token, it := range sh.items {
			if now >= it.expiry {
				expired = append(expired, token)
			}
		}
		sh.mu.RUnlock()
		for start := 0; start < len(expired); start += deleteBatch {
			sh.mu.Lock()
			for _, token := range expired[start:min(start+deleteBatch, len(expired))] {
				// A Commit since the scan may have renewed the session.
				if it, ok := sh.items[token]; ok && now >= it.expiry {
					delete(sh.items, token)
				}
			}
			sh.mu.Unlock()
		}
		clear(expired)    // drops the tokens, so their memory can go
		runtime.Gosched() // lets waiting requests run even on one CPU
	}
	return s.deleteExpiredUsers(ctx)
}
