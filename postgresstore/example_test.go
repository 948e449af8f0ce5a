package postgresstore_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	_ "github.com/lib/pq"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/postgresstore"
)

func Example() {
	db := openDB()
	defer db.Close()

	store := postgresstore.New(db)
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

	// The first request stores a value; the second sends the session
	// cookie back and reads it from PostgreSQL.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest("GET", "/put", nil))
	req := httptest.NewRequest("GET", "/get", nil)
	for _, c := range put.Result().Cookies() {
		req.AddCookie(c)
	}
	get := httptest.NewRecorder()
	handler.ServeHTTP(get, req)
	fmt.Println(get.Body.String())
	// Output: Hello from a session!
}

// openDB connects to the test server and gives this example a fresh schema
// of its own holding the sessions table from the README. An application
// creates that table once, with its other migrations.
func openDB() *sql.DB {
	dsn := os.Getenv("SCS_POSTGRES_TEST_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	// lib/pq passes unknown DSN parameters such as search_path on to the
	// server as run-time parameters.
	db, err := sql.Open("postgres", dsn+sep(dsn)+"search_path=postgresstore_example")
	if err != nil {
		log.Fatal(err)
	}
	_, err = db.Exec(`DROP SCHEMA IF EXISTS postgresstore_example CASCADE;
		CREATE SCHEMA postgresstore_example;
		CREATE TABLE sessions (
			token TEXT PRIMARY KEY,
			data BYTEA NOT NULL,
			expiry TIMESTAMPTZ NOT NULL
		);
		CREATE INDEX sessions_expiry_idx ON sessions (expiry);`)
	if err != nil {
		log.Fatalf("the example needs the test server (scripts/services.sh, or SCS_POSTGRES_TEST_DSN): %v", err)
	}
	return db
}

// sep returns what goes between dsn and one more parameter.
func sep(dsn string) string {
	switch {
	case !strings.Contains(dsn, "://"):
		return " "
	case strings.Contains(dsn, "?"):
		return "&"
	default:
		return "?"
	}
}
