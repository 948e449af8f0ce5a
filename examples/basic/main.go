// Command basic is the quick-start server: /put stores a message in the
// session, /get reads it back.
//
//	go run ./examples/basic
//	curl -i --cookie-jar cj --cookie cj localhost:4000/put
//	curl -i --cookie-jar cj --cookie cj localhost:4000/get
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/seed3bbca6c1/scs"
)

func main() {
	addr := flag.String("addr", ":4000", "address to listen on")
	flag.Parse()

	sessionManager := scs.New()
	sessionManager.Lifetime = 24 * time.Hour

	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler(sessionManager)))
}

// newHandler wraps the two routes with the LoadAndSave middleware.
func newHandler(sessionManager *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		// Store a new key and value in the session data.
		sessionManager.Put(r.Context(), "message", "Hello from a session!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		// GetString returns "" when the key does not exist.
		msg := sessionManager.GetString(r.Context(), "message")
		io.WriteString(w, msg)
	})
	return sessionManager.LoadAndSave(mux)
}
