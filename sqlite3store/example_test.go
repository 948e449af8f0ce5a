package sqlite3store_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/sqlite3store"
)

func Example() {
	dir, err := os.MkdirTemp("", "sqlite3store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite3", filepath.Join(dir, "app.db")+"?_busy_timeout=5000&_journal_mode=WAL")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// The store does not create its table; an application creates it once.
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS sessions (
		token TEXT PRIMARY KEY,
		data BLOB NOT NULL,
		expiry REAL NOT NULL
	);
	CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry);`)
	if err != nil {
		log.Fatal(err)
	}

	store := sqlite3store.New(db)
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

	// A first request stores a value; a second one, with the session
	// cookie, reads it back from the sessions table.
	fmt.Println(sqltest.Visit(sessionManager.LoadAndSave(mux), "/put", "/get"))
	// Output: Hello from a session!
}
