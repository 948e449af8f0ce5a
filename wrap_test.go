package scs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// naiveWrapper is the usual way to wrap a store for metrics, which hides
// every optional capability of the store it wraps.
type naiveWrapper struct{ scs.Store }

// unwrapper is naiveWrapper with an Unwrap method: the manager finds the
// wrapped store's capabilities through it.
type unwrapper struct{ scs.Store }

func (u unwrapper) Unwrap() scs.Store { return u.Store }

func TestStoreAs(t *testing.T) {
	mem := memstore.New()
	counted := scs.WrapStore(mem, func(ctx context.Context, op string, call func(context.Context) error) error { return call(ctx) })
	for _, c := range []struct {
		name                          string
		store                         scs.Store
		update, expiry, index, iter   bool
		updateIsWrapper, expiryIsWrap bool
	}{
		{"memstore", mem, true, true, true, true, false, false},
		{"naive wrapper", naiveWrapper{mem}, false, false, false, false, false, false},
		{"wrapper with Unwrap", unwrapper{mem}, true, true, true, true, false, false},
		{"WrapStore", counted, true, true, true, true, true, true},
		{"WrapStore of a plain store", scs.WrapStore(naiveWrapper{mem}, nil), false, false, false, false, false, false},
		{"Unwrap of WrapStore", unwrapper{counted}, true, true, true, true, true, true},
	} {
		up, okUp := scs.StoreAs[scs.UpdateStore](c.store)
		ex, okEx := scs.StoreAs[scs.ExpiryStore](c.store)
		_, okIx := scs.StoreAs[scs.UserIndexStore](c.store)
		_, okIt := scs.StoreAs[scs.IterableStore](c.store)
		if okUp != c.update || okEx != c.expiry || okIx != c.index || okIt != c.iter {
			t.Errorf("%s: UpdateStore %v, ExpiryStore %v, UserIndexStore %v, IterableStore %v; want %v %v %v %v", c.name, okUp, okEx, okIx, okIt, c.update, c.expiry, c.index, c.iter)
		}
		if okUp && (any(up) == any(counted)) != c.updateIsWrapper {
			t.Errorf("%s: StoreAs returned %T for UpdateStore", c.name, up)
		}
		if okEx && (any(ex) == any(counted)) != c.expiryIsWrap {
			t.Errorf("%s: StoreAs returned %T for ExpiryStore", c.name, ex)
		}
	}
	if _, ok := scs.StoreAs[scs.CtxStore](counted); !ok {
		t.Error("WrapStore's store is not a CtxStore: around would not get the request's context")
	}
	if m, ok := scs.StoreAs[*memstore.MemStore](unwrapper{counted}); !ok || m != mem {
		t.Errorf("StoreAs[*memstore.MemStore] through two wrappers = %v, %v", m, ok)
	}
}

// TestWrapStoreSeesEveryCall serves requests through a manager over a
// WrapStore'd memstore and checks that the saves of existing sessions go
// through Update (the logout-sticky path) and that every call was seen.
func TestWrapStoreSeesEveryCall(t *testing.T) {
	var mu sync.Mutex
	ops := map[string]int{}
	sm := scs.New()
	sm.Store = scs.WrapStore(memstore.New(), func(ctx context.Context, op string, call func(context.Context) error) error {
		if ctx == nil {
			t.Errorf("%s without a context", op)
		}
		mu.Lock()
		ops[op]++
		mu.Unlock()
		return call(ctx)
	})
	var weak int
	sm.OnEvent = func(_ context.Context, e scs.Event) {
		if e.Kind == scs.EventWeakStore {
			weak++
		}
	}
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "n", sm.GetInt(r.Context(), "n")+1)
		if r.URL.Path == "/login" {
			sm.RenewToken(r.Context())
			sm.SetUser(r.Context(), "alice")
		}
	}))
	var cookie string
	for _, path := range []string{"/", "/", "/login", "/"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		h.ServeHTTP(w, r)
		if c := w.Result().Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
	}
	if n, err := sm.DestroyUser(context.Background(), "alice"); err != nil || n != 1 {
		t.Errorf("DestroyUser = %d, %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, op := range []string{"Commit", "Find", "Update", "Delete", "AddUserSession", "UserSessions", "RemoveUserSessions"} {
		if ops[op] == 0 {
			t.Errorf("no %s went through the wrapper: %v", op, ops)
		}
	}
	if weak != 0 {
		t.Errorf("EventWeakStore sent %d times for a WrapStore'd memstore", weak)
	}
}

// TestWeakStoreSaidOnce checks that a manager whose store cannot make a
// logout stick says so once, at first use, through OnEvent, naming the
// store's type.
func TestWeakStoreSaidOnce(t *testing.T) {
	sm := scs.New()
	sm.Store = naiveWrapper{memstore.New()}
	var events []scs.Event
	sm.OnEvent = func(_ context.Context, e scs.Event) {
		if e.Kind == scs.EventWeakStore {
			events = append(events, e)
		}
	}
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sm.Put(r.Context(), "k", "v") }))
	for i := 0; i < 3; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if len(events) != 1 || !strings.Contains(events[0].Err.Error(), "naiveWrapper") || events[0].Kind.String() != "weak-store" {
		t.Fatalf("weak-store events %v; want one naming scs_test.naiveWrapper", events)
	}
}
