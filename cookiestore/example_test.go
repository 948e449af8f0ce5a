package cookiestore_test

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cookiestore"
)

// Sessions sealed in the cookie: no database, the same manager API. Each
// cookie is bound to its name ("session", the manager's Cookie.Name) and to
// the store's label, so that another manager or application sharing the
// secret cannot be handed it.
func Example() {
	secret := make([]byte, 32) // in production: a secret from configuration
	rand.Read(secret)
	store, err := cookiestore.NewFromSecret(secret) // or New(aesKey)
	if err != nil {
		panic(err)
	}
	sessionManager := scs.New()
	sessionManager.Sealer = store.WithLabel("example-app")

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from a cookie!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	srv := httptest.NewServer(sessionManager.LoadAndSave(mux))
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/put")
	cookie := resp.Cookies()[0]
	resp.Body.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/get", nil)
	req.AddCookie(cookie)
	resp, _ = http.DefaultClient.Do(req)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(b))
	// Output: Hello from a cookie!
}
