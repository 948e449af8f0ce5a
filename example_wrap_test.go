package scs_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// callCounter counts store calls by operation, as a metrics wrapper would.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

// around is the function WrapStore runs every store call through.
func (c *callCounter) around(ctx context.Context, op string, call func(context.Context) error) error {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
	return call(ctx)
}

// A wrapper that counts store calls and keeps every guarantee of the store
// it wraps: saves of existing sessions still go through Update (a logout
// sticks), and the wrapper sees them.
func ExampleWrapStore() {
	counter := &callCounter{calls: map[string]int{}}
	sessionManager := scs.New()
	sessionManager.Store = scs.WrapStore(memstore.New(), counter.around)

	h := sessionManager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := sessionManager.GetInt(r.Context(), "visits")
		sessionManager.Put(r.Context(), "visits", n+1)
	}))
	cookies, _ := serve(h, "/", nil)
	serve(h, "/", cookies)

	var ops []string
	for op, n := range counter.calls {
		ops = append(ops, fmt.Sprintf("%s=%d", op, n))
	}
	sort.Strings(ops)
	fmt.Println(ops)
	// Output: [Commit=1 Find=1 Update=1]
}
