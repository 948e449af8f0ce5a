package postgresstore_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"

	_ "github.com/lib/pq"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/postgresstore"
)

func Example() {
	db, err := sql.Open("postgres", exampleDSN())
	if err != nil {
		log.Fatal(err)
	}
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

	// The first request stores a value; the second sends the session
	// cookie back and reads it from PostgreSQL.
	fmt.Println(sqltest.Visit(sessionManager.LoadAndSave(mux), "/put", "/get"))
	// Output: Hello from a session!
}

// exampleDSN gives this example a fresh schema of its own on the test
// server, holding the sessions table from the README, and returns a DSN that
// uses it. An application creates that table once, with its other
// migrations.
func exampleDSN() string {
	return sqltest.Postgres("postgres").Example("postgresstore_example", sqltest.PostgresSchema()...)
}
