// Command cookie is the cookie-session program of
// docs/migrating-from-gorilla.md: gorilla's CookieStore with rotated keys,
// on scs with cookiestore. The code between the guide markers is the guide's
// code block, as guide_test.go checks.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cookiestore"
)

// guide:begin
func newSessionManager() (*scs.SessionManager, error) {
	// The first secret seals and opens; the others only open, until the
	// cookies they sealed have expired. Each is at least 32 random bytes.
	secrets := [][]byte{[]byte(os.Getenv("SESSION_SECRET"))}
	if old := os.Getenv("SESSION_SECRET_OLD"); old != "" {
		secrets = append(secrets, []byte(old))
	}
	store, err := cookiestore.NewFromSecret(secrets...) // or New(aesKeys...)
	if err != nil {
		return nil, err
	}
	sessionManager := scs.New()
	sessionManager.Cookie.Name = "app"
	// The data travels in the cookie, sealed with AES-GCM and bound to the
	// cookie's name and to this label: another application that shares the
	// secret cannot open it.
	sessionManager.Sealer = store.WithLabel("my-app")
	return sessionManager, nil
}

// guide:end

func main() {
	sessionManager, err := newSessionManager()
	if err != nil {
		log.Fatal(err)
	}
	http.ListenAndServe(":4000", sessionManager.LoadAndSave(http.NotFoundHandler()))
}
