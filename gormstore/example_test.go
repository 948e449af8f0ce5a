package gormstore_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/gormstore"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// Example keeps sessions in a SQLite database through GORM. With PostgreSQL
// or MySQL only the gorm.Open line changes, e.g.
// gorm.Open(postgres.Open("postgres://user:pass@host/db"), &gorm.Config{}).
func Example() {
	dir, err := os.MkdirTemp("", "gormstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "app.db")), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	store, err := gormstore.New(db) // creates the sessions table if needed
	if err != nil {
		log.Fatal(err)
	}
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

	// Two requests from one browser: the second brings the first's cookie.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest("GET", "/put", nil))
	get := httptest.NewRequest("GET", "/get", nil)
	for _, c := range put.Result().Cookies() {
		get.AddCookie(c)
	}
	res := httptest.NewRecorder()
	handler.ServeHTTP(res, get)
	fmt.Println(res.Body.String())
	// Output: Hello from a session!
}
