package firestore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"cloud.google.com/go/firestore"

	"github.com/seed3bbca6c1/scs"
	scsfirestore "github.com/seed3bbca6c1/scs/firestore"
)

// Example keeps the sessions of a scs.SessionManager in Firestore. The client
// talks to the emulator named by FIRESTORE_EMULATOR_HOST when it is set (the
// tests set it); otherwise to Google Cloud with the default credentials.
func Example() {
	client, err := firestore.NewClient(context.Background(), "example-project")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	store := scsfirestore.New(client)
	defer store.StopCleanup()

	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from a session!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	handler := sessionManager.LoadAndSave(mux)

	// A browser's two requests: the cookie set by the first goes with the second.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest(http.MethodGet, "/put", nil))
	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	for _, c := range put.Result().Cookies() {
		req.AddCookie(c)
	}
	get := httptest.NewRecorder()
	handler.ServeHTTP(get, req)
	fmt.Println(get.Body.String())
	// Output: Hello from a session!
}
