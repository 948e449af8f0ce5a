package scs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// iterableOnly is a memstore seen as a store that can list its sessions
// but keeps no index of user sessions.
type iterableOnly struct{ m *memstore.MemStore }

func (s iterableOnly) Find(token string) ([]byte, bool, error)      { return s.m.Find(token) }
func (s iterableOnly) Delete(token string) error                    { return s.m.Delete(token) }
func (s iterableOnly) All() (map[string][]byte, error)              { return s.m.All() }
func (s iterableOnly) Commit(t string, b []byte, e time.Time) error { return s.m.Commit(t, b, e) }

// plainOnly is a memstore seen as a store with neither an index nor All.
type plainOnly struct{ m *memstore.MemStore }

func (s plainOnly) Find(token string) ([]byte, bool, error)      { return s.m.Find(token) }
func (s plainOnly) Delete(token string) error                    { return s.m.Delete(token) }
func (s plainOnly) Commit(t string, b []byte, e time.Time) error { return s.m.Commit(t, b, e) }

func TestLogoutEverywhereByScanning(t *testing.T) {
	for _, hash := range []bool{false, true} {
		sm := scs.New()
		sm.Store = iterableOnly{memstore.NewWithCleanupInterval(0)}
		sm.HashTokenInStore = hash
		storetest.LogoutEverywhere(t, sm)
	}
}

func TestUserSessionsNeedIndexOrIterable(t *testing.T) {
	sm := scs.New()
	sm.Store = plainOnly{memstore.NewWithCleanupInterval(0)}
	if _, err := sm.UserSessions(context.Background(), "alice"); !errors.Is(err, scs.ErrNotIterable) {
		t.Errorf("UserSessions on a store without index or All = %v, want ErrNotIterable", err)
	}
	if n, err := sm.DestroyUser(context.Background(), "alice"); !errors.Is(err, scs.ErrNotIterable) || n != 0 {
		t.Errorf("DestroyUser on a store without index or All = %d, %v, want 0, ErrNotIterable", n, err)
	}
}
