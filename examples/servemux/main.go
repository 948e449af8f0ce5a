// Command servemux shows sessions with the standard library's router and
// its method and wildcard patterns (Go 1.22 and later): LoadAndSave wraps
// the whole mux, and each handler reads the session from r.Context().
//
//	go run ./examples/servemux
//	curl -i --cookie-jar cj --cookie cj -X PUT -d 'blue' localhost:4000/prefs/colour
//	curl -i --cookie-jar cj --cookie cj localhost:4000/prefs/colour
//	curl -i --cookie-jar cj --cookie cj -X DELETE localhost:4000/prefs/colour
package main

import (
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/seed3bbca6c1/scs"
)

func main() {
	addr := flag.String("addr", ":4000", "address to listen on")
	flag.Parse()

	sessionManager := scs.New()
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler(sessionManager)))
}

// newHandler keeps one session value per {name}: PUT stores the request
// body, GET reads it, DELETE removes it. The mux answers other methods with
// 405 and an Allow header.
func newHandler(sessionManager *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /prefs/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<10))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sessionManager.Put(r.Context(), "pref:"+r.PathValue("name"), string(b))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /prefs/{name}", func(w http.ResponseWriter, r *http.Request) {
		key := "pref:" + r.PathValue("name")
		if !sessionManager.Exists(r.Context(), key) {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, sessionManager.GetString(r.Context(), key))
	})
	mux.HandleFunc("DELETE /prefs/{name}", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Remove(r.Context(), "pref:"+r.PathValue("name"))
		w.WriteHeader(http.StatusNoContent)
	})
	return sessionManager.LoadAndSave(mux)
}
