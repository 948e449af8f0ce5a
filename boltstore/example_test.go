package boltstore_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/boltstore"
	"go.etcd.io/bbolt"
)

func Example() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := bbolt.Open(filepath.Join(dir, "sessions.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	store := boltstore.New(db)
	defer store.StopCleanup() // stop the cleanup goroutine before closing db

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

	// A first request stores a value; a second one, with the session
	// cookie, reads it back from the bbolt database.
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/put", nil))
	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())
	// Output: Hello from a session!
}
