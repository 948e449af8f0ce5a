package bunstore_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/bunstore"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// Example keeps sessions in a SQLite database through Bun. With PostgreSQL
// only the two opening lines change:
//
//	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN("postgres://user:pass@host/db")))
//	db := bun.NewDB(sqldb, pgdialect.New())
func Example() {
	dir, err := os.MkdirTemp("", "bunstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	sqldb, err := sql.Open("sqlite3", filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	defer db.Close()

	store, err := bunstore.New(db) // the first use creates the sessions table if needed
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
