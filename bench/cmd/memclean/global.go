package main

import (
	"context"
	"sync"
	"time"
)

// globalStore is memstore as it was before its sessions were sharded: one
// map behind one lock, and a cleanup pass that deletes up to 1,000 expired
// sessions per hold of the write lock but scans the map from the start
// under it each time. It is here only so that one run shows both.
type globalStore struct {
	mu    sync.RWMutex
	items map[string]globalItem
}

type globalItem struct {
	data   []byte
	expiry int64
}

func newGlobalStore() *globalStore {
	return &globalStore{items: make(map[string]globalItem)}
}

func (s *globalStore) Find(token string) ([]byte, bool, error) {
	s.mu.RLock()
	it, ok := s.items[token]
	s.mu.RUnlock()
	if !ok || time.Now().UnixNano() >= it.expiry {
		return nil, false, nil
	}
	return it.data, true, nil
}

func (s *globalStore) Commit(token string, b []byte, expiry time.Time) error {
	it := globalItem{data: append(make([]byte, 0, len(b)), b...), expiry: expiry.UnixNano()}
	s.mu.Lock()
	s.items[token] = it
	s.mu.Unlock()
	return nil
}

func (s *globalStore) All() (map[string][]byte, error) {
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

func (s *globalStore) DeleteExpired(ctx context.Context) error {
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
	return ctx.Err()
}
