// Command everywhere is the "log out everywhere" program of
// docs/migrating-from-gorilla.md. The code between the guide markers is the
// guide's code block, as guide_test.go checks.
package main

import (
	"net/http"

	"github.com/seed3bbca6c1/scs"
)

var sessionManager = scs.New()

// guide:begin
func login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	// ... check the password ...
	if err := sessionManager.RenewToken(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sessionManager.Put(r.Context(), "user", name)
	// Ties the session to its user in the store's index of user sessions.
	sessionManager.SetUser(r.Context(), name)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	// Deletes every session of the user, on every device: a copied
	// cookie is worth nothing afterwards.
	user := sessionManager.UserID(r.Context())
	if _, err := sessionManager.DestroyUser(r.Context(), user); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// DestroyUser leaves this request's session alone: end it too, and its
	// cookie.
	if err := sessionManager.Destroy(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// guide:end

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("POST /logout-everywhere", logoutEverywhere)
	http.ListenAndServe(":4000", sessionManager.LoadAndSave(mux))
}
