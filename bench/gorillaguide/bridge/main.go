// Command bridge is the program of docs/migrating-from-gorilla.md that keeps
// users logged in across the switch. The code between the guide markers is
// the guide's code block, as guide_test.go checks.
package main

import (
	"net/http"
	"os"

	"github.com/gorilla/sessions"

	"github.com/seed3bbca6c1/scs"
)

var (
	store          = sessions.NewCookieStore([]byte(os.Getenv("SESSION_KEY")))
	sessionManager = scs.New()
)

// guide:begin
func fromGorilla(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("app"); err == nil {
			if old, err := store.Get(r, "app"); err == nil && !old.IsNew {
				if name, ok := old.Values["user"].(string); ok && sessionManager.GetString(r.Context(), "user") == "" {
					if err := sessionManager.RenewToken(r.Context()); err != nil {
						http.Error(w, err.Error(), http.StatusInternalServerError)
						return
					}
					sessionManager.Put(r.Context(), "user", name)
				}
				old.Options.MaxAge = -1
				old.Save(r, w)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// http.ListenAndServe(":4000", sessionManager.LoadAndSave(fromGorilla(mux)))
// guide:end

func main() {
	mux := http.NewServeMux()
	http.ListenAndServe(":4000", sessionManager.LoadAndSave(fromGorilla(mux)))
}
