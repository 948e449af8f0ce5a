package adaptertest

import (
	"net/http"
	"testing"

	"github.com/seed3bbca6c1/scs"
)

// recoverer is net/http's usual recovery middleware: it answers a panic
// with a 500 and lets http.ErrAbortHandler abort the response.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// core is the core's own LoadAndSave described as an Adapter: the checks
// hold for it, which is what the adapters must match.
var core = Adapter{
	Name: "scs",
	Build: func(sm *scs.SessionManager, header string) {
		route(sm, header, http.NotFoundHandler())
	},
	Router: func(sm *scs.SessionManager, header string, h http.Handler, recovery bool) http.Handler {
		h = route(sm, header, h)
		if recovery {
			h = recoverer(h)
		}
		return h
	},
	Plain: recoverer,
}

func route(sm *scs.SessionManager, header string, h http.Handler) http.Handler {
	if header == "" {
		return sm.LoadAndSave(h)
	}
	return sm.LoadAndSaveHeader(header, h)
}

func TestCoreLoadAndSave(t *testing.T) {
	Run(t, core)
}
