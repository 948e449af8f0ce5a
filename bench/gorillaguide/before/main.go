// Command before is the "before" program of docs/migrating-from-gorilla.md:
// an application on gorilla/sessions. The code between the guide markers is
// the guide's code block, as guide_test.go checks.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/gorilla/sessions"
)

// guide:begin
var store = sessions.NewCookieStore([]byte(os.Getenv("SESSION_KEY")))

func login(w http.ResponseWriter, r *http.Request) {
	session, err := store.Get(r, "app")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	name := r.PostFormValue("name")
	// ... check the password ...
	session.Values["user"] = name
	session.AddFlash("Welcome back!")
	if err := session.Save(r, w); err != nil { // easy to forget
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func account(w http.ResponseWriter, r *http.Request) {
	session, _ := store.Get(r, "app")
	name, ok := session.Values["user"].(string)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	flashes := session.Flashes()
	session.Save(r, w) // Flashes changed the session
	fmt.Fprintln(w, "hello", name, flashes)
}

func logout(w http.ResponseWriter, r *http.Request) {
	session, _ := store.Get(r, "app")
	session.Options.MaxAge = -1
	session.Save(r, w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /account", account)
	mux.HandleFunc("POST /logout", logout)
	http.ListenAndServe(":4000", mux)
}

// guide:end
