package bench

import (
	"net/http"
	"testing"
)

// TestScenariosStoreAndRead checks, once per library and without timing,
// what the benchmarks rely on: a new session sets a cookie, a seeded session
// reads back its five values, and an update is kept.
func TestScenariosStoreAndRead(t *testing.T) {
	for _, l := range libs(t) {
		t.Run(l.name, func(t *testing.T) {
			if cs := serve(l.put, request(nil)).Result().Cookies(); len(cs) != 1 {
				t.Fatalf("new session set %d cookies", len(cs))
			}
			c := seeded(t, l)
			serve(l.get, request(c))
			if !l.last.valid() {
				t.Fatalf("read back %+v", *l.last)
			}
			if l.payload(c) <= 0 {
				t.Error("no bytes stored for the session")
			}
			w := serve(l.incr, request(c))
			if cs := w.Result().Cookies(); len(cs) == 1 && cs[0].Value != c.Value {
				c = &http.Cookie{Name: cs[0].Name, Value: cs[0].Value} // cookie stores carry the data
			}
			serve(l.get, request(c))
			if l.last.i != 2 {
				t.Fatalf("count after one update = %d, want 2", l.last.i)
			}
		})
	}
}
