package mssqlstore_test

import (
	"database/sql"
	"io"
	"log"
	"net/http"

	_ "github.com/microsoft/go-mssqldb"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/mssqlstore"
)

// No SQL Server runs where this project's tests run, so this example is
// compiled but not run (it has no Output comment). It expects the sessions
// table from the README.
func Example() {
	db, err := sql.Open("sqlserver", "sqlserver://user:pass@localhost:1433?database=app")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	store := mssqlstore.New(db)
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
	log.Fatal(http.ListenAndServe(":4000", sessionManager.LoadAndSave(mux)))
}
