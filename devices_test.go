package scs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// TestDeviceCallsCost counts the store calls of each device call on a
// store with an index, as docs/concurrency.md gives them: one for
// ListUserSessions, three for DestroyUserSession.
func TestDeviceCallsCost(t *testing.T) {
	var mu sync.Mutex
	var ops []string
	sm := scs.New()
	sm.Store = scs.WrapStore(memstore.New(), func(ctx context.Context, op string, call func(context.Context) error) error {
		mu.Lock()
		ops = append(ops, op)
		mu.Unlock()
		return call(ctx)
	})
	login := func(label string) context.Context {
		ctx, err := sm.Load(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		sm.SetUser(ctx, "alice")
		sm.SetUserLabel(ctx, label)
		if _, _, err := sm.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	laptop := login("laptop")
	time.Sleep(2 * time.Millisecond) // starts are kept to the millisecond
	phone := login("phone")
	count := func(f func()) []string {
		mu.Lock()
		ops = nil
		mu.Unlock()
		f()
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ops...)
	}
	var list []scs.UserSession
	got := count(func() {
		var err error
		if list, err = sm.ListUserSessions(phone, "alice"); err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != 1 || len(list) != 2 || list[0].Label != "phone" || !list[0].Current || list[1].Current {
		t.Fatalf("ListUserSessions: store calls %v, list %+v", got, list)
	}
	got = count(func() {
		if ok, err := sm.DestroyUserSession(phone, "alice", list[1].ID); err != nil || !ok {
			t.Fatalf("DestroyUserSession = %v, %v", ok, err)
		}
	})
	if len(got) != 3 {
		t.Errorf("DestroyUserSession made store calls %v, want 3", got)
	}
	if ok, err := sm.DestroyUserSession(phone, "bob", list[0].ID); err != nil || ok {
		t.Errorf("DestroyUserSession of alice's session as bob = %v, %v; want false", ok, err)
	}
	if _, found, _ := sm.Store.Find(sm.Token(laptop)); found {
		t.Error("the laptop's session survived DestroyUserSession")
	}
}
