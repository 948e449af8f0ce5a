package mysqlstore_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/go-sql-driver/mysql"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/mysqlstore"
)

func Example() {
	db := openDB()
	defer db.Close()

	store := mysqlstore.New(db)
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
	// cookie back and reads it from MySQL.
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

// openDB connects to the test server and gives this example a fresh
// database of its own holding the sessions table from the README. An
// application creates that table once, with its other migrations.
func openDB() *sql.DB {
	dsn := os.Getenv("SCS_MYSQL_TEST_DSN")
	if dsn == "" {
		dsn = "root@tcp(127.0.0.1:3306)/test?parseTime=true"
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	for _, stmt := range []string{
		"DROP DATABASE IF EXISTS mysqlstore_example",
		"CREATE DATABASE mysqlstore_example",
		`CREATE TABLE mysqlstore_example.sessions (
			token CHAR(43) PRIMARY KEY,
			data BLOB NOT NULL,
			expiry TIMESTAMP(6) NOT NULL
		)`,
		"CREATE INDEX sessions_expiry_idx ON mysqlstore_example.sessions (expiry)",
	} {
		if _, err := admin.Exec(stmt); err != nil {
			log.Fatalf("the example needs the test server (scripts/services.sh, or SCS_MYSQL_TEST_DSN): %v", err)
		}
	}

	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		log.Fatal(err)
	}
	cfg.DBName = "mysqlstore_example"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		log.Fatal(err)
	}
	return db
}
