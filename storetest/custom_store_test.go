package storetest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// mapStore is the smallest correct custom store: a map guarded by a mutex.
// The README's section on custom stores shows it.
type mapStore struct {
	mu sync.Mutex
	m  map[string]mapEntry
}

type mapEntry struct {
	data   []byte
	expiry time.Time
}

func (s *mapStore) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[token]
	if !ok || !time.Now().Before(e.expiry) {
		return nil, false, nil
	}
	return e.data, true, nil
}

func (s *mapStore) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[token] = mapEntry{append([]byte(nil), b...), expiry}
	return nil
}

func (s *mapStore) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
	return nil
}

func TestCustomStorePassesTheKit(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scs.Store {
		return &mapStore{m: map[string]mapEntry{}}
	})
}
