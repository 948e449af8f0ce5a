package scs_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/seed3bbca6c1/scs"
)

// Log a user out everywhere: SetUser at login ties the session to the
// user; DestroyUser deletes every session of that user, at the cost of
// that user's sessions with a store that implements scs.UserIndexStore
// (memstore, the Redis and the PostgreSQL, MySQL and SQLite stores).
func ExampleSessionManager_DestroyUser() {
	sessionManager := scs.New()

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		// Renew the token on login, then say whose session it is.
		if err := sessionManager.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := sessionManager.SetUser(r.Context(), "alice"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.UserID(r.Context()))
	})
	mux.HandleFunc("/logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		user := sessionManager.UserID(r.Context())
		n, err := sessionManager.DestroyUser(r.Context(), user)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// DestroyUser leaves this request's session alone: end it too.
		if err := sessionManager.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d sessions ended", n)
	})
	handler := sessionManager.LoadAndSave(mux)

	laptop, _ := serve(handler, "/login", nil)
	phone, _ := serve(handler, "/login", nil)
	_, who := serve(handler, "/whoami", laptop)
	fmt.Println("laptop:", who)

	_, done := serve(handler, "/logout-everywhere", phone)
	fmt.Println(done)
	_, who = serve(handler, "/whoami", laptop)
	fmt.Printf("laptop: %q\n", who)
	// Output:
	// laptop: alice
	// 2 sessions ended
	// laptop: ""
}
