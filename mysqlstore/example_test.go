package mysqlstore_test

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"

	_ "github.com/go-sql-driver/mysql"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/mysqlstore"
)

func Example() {
	db, err := sql.Open("mysql", exampleDSN())
	if err != nil {
		log.Fatal(err)
	}
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

	// The first request stores a value; the second sends the session
	// cookie back and reads it from MySQL.
	fmt.Println(sqltest.Visit(sessionManager.LoadAndSave(mux), "/put", "/get"))
	// Output: Hello from a session!
}

// exampleDSN gives this example a fresh database of its own on the test
// server, holding the sessions table from the README, and returns a DSN that
// uses it. An application creates that table once, with its other
// migrations.
func exampleDSN() string {
	return sqltest.MySQL().Example("mysqlstore_example", `CREATE TABLE sessions (
		token CHAR(43) PRIMARY KEY,
		data BLOB NOT NULL,
		expiry TIMESTAMP(6) NOT NULL
	)`, "CREATE INDEX sessions_expiry_idx ON sessions (expiry)")
}
