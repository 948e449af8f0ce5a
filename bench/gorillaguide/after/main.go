// Command after is the "after" program of docs/migrating-from-gorilla.md:
// the application of ../before on scs. The code between the guide markers
// is the guide's code block, as guide_test.go checks.
package main

import (
	"fmt"
	"net/http"

	"github.com/seed3bbca6c1/scs"
)

// guide:begin
var sessionManager = scs.New() // memstore; set .Store for a shared one

func login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	// ... check the password ...
	// A new token when privileges change, against session fixation.
	if err := sessionManager.RenewToken(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sessionManager.Put(r.Context(), "user", name)
	sessionManager.Put(r.Context(), "flash", "Welcome back!")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func account(w http.ResponseWriter, r *http.Request) {
	name := sessionManager.GetString(r.Context(), "user")
	if name == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	flash := sessionManager.PopString(r.Context(), "flash")
	fmt.Fprintln(w, "hello", name, flash)
}

func logout(w http.ResponseWriter, r *http.Request) {
	if err := sessionManager.Destroy(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /account", account)
	mux.HandleFunc("POST /logout", logout)
	http.ListenAndServe(":4000", sessionManager.LoadAndSave(mux))
}

// guide:end
