package storetest_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
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

// Update and CompareAndSwap make mapStore an scs.UpdateStore: the
// conditional writes that make a logout stick. Each checks and writes
// under one lock, as an engine does in one operation.
func (s *mapStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[token]
	if !ok || !time.Now().Before(e.expiry) {
		return false, nil // never creates the token
	}
	s.m[token] = mapEntry{append([]byte(nil), b...), expiry}
	return true, nil
}

func (s *mapStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[token]
	if !ok || !time.Now().Before(e.expiry) || !bytes.Equal(e.data, old) {
		return false, nil
	}
	s.m[token] = mapEntry{append([]byte(nil), b...), expiry}
	return true, nil
}

func TestCustomStorePassesTheKit(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scs.Store {
		return &mapStore{m: map[string]mapEntry{}}
	})
}

// naiveWrapper wraps a store for metrics the usual way, and so hides every
// optional capability of the store it wraps.
type naiveWrapper struct{ scs.Store }

// TestKitFailsANaiveWrapper runs the kit, in a child process, on a naive
// wrapper around memstore with the defaults (storetest.Run), and checks
// that it fails and names what was lost.
func TestKitFailsANaiveWrapper(t *testing.T) {
	if os.Getenv("STORETEST_NAIVE_WRAPPER") == "1" {
		storetest.Run(t, func(t *testing.T) scs.Store { return naiveWrapper{memstore.New()} })
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKitFailsANaiveWrapper$", "-test.v")
	cmd.Env = append(os.Environ(), "STORETEST_NAIVE_WRAPPER=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the kit passed a naive wrapper around memstore:\n%s", out)
	}
	for _, want := range []string{"--- FAIL: TestKitFailsANaiveWrapper/Capabilities", "does not implement scs.UpdateStore", "a logout does not stick"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the kit's output does not say %q:\n%s", want, out)
		}
	}
}

// TestWrapStorePassesTheKit runs every check of the kit on memstore wrapped
// with scs.WrapStore, counting calls as a metrics wrapper would.
func TestWrapStorePassesTheKit(t *testing.T) {
	var calls atomic.Int64
	storetest.Run(t, func(t *testing.T) scs.Store {
		return scs.WrapStore(memstore.New(), func(ctx context.Context, op string, call func(context.Context) error) error {
			calls.Add(1)
			return call(ctx)
		})
	})
	if calls.Load() == 0 {
		t.Error("no call went through the wrapper")
	}
}
