package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/internal/testenv"
)

// Server is a SQL test server reached through database/sql, on which each
// test gets a namespace of its own: a PostgreSQL schema, a MySQL database.
type Server struct {
	// Driver is the database/sql driver name.
	Driver string

	// Env names the environment variable that holds the server's DSN, and
	// Default is the DSN when it is unset.
	Env, Default string

	// Create and Drop create a namespace and drop it, if it exists, with
	// all it holds; %s stands for its name.
	Create, Drop string

	// Use returns dsn with namespace as the default for unqualified table
	// names.
	Use func(dsn, namespace string) (string, error)
}

// Ping checks that the server at dsn answers; it is the probe for
// testenv.Server and testenv.Main.
func (s Server) Ping(dsn string) error {
	db, err := sql.Open(s.Driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Main is testenv.Main for the server, for a TestMain.
func (s Server) Main(m *testing.M) int {
	return testenv.Main(m, s.Env, s.Default, s.Ping)
}

// Open creates a namespace of the test's own on the server, holding the
// table "sessions" that schema creates, and returns a database whose
// default namespace it is. Both go when the test ends. Without a server it
// skips the test, or fails it in CI.
func (s Server) Open(t testing.TB, schema []string) *DB {
	t.Helper()
	admin, dsn := s.connect(t)
	name := UniqueName(t)
	if _, err := admin.Exec(fmt.Sprintf(s.Create, name)); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(fmt.Sprintf(s.Drop, name)); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	dsn, err := s.Use(dsn, name)
	if err != nil {
		t.Fatalf("%s: %v", s.Env, err)
	}
	d := &DB{DB: open(t, s.Driver, dsn), DSN: dsn, Namespace: name, Table: "sessions"}
	d.CreateTable(t, d.Table, schema)
	return d
}

// Connect returns the server's database as its DSN names it, closed when
// the test ends. Other tests share it, so a test names its tables with
// UniqueName and drops them. Without a server it skips the test, or fails
// it in CI.
func (s Server) Connect(t testing.TB) *sql.DB {
	t.Helper()
	db, _ := s.connect(t)
	return db
}

func (s Server) connect(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := testenv.Server(t, s.Env, s.Default, s.Ping)
	return open(t, s.Driver, dsn), dsn
}

// open opens a database, closed when the test ends.
func open(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close %s database: %v", driver, err)
		}
	})
	return db
}

// SQLite opens a new SQLite database file in the test's temporary
// directory with the driver "sqlite3" (github.com/mattn/go-sqlite3, which
// the test imports), closed when the test ends. WAL and a busy timeout let
// concurrent connections write without "database is locked".
func SQLite(t testing.TB) *sql.DB {
	t.Helper()
	return open(t, "sqlite3", "file:"+filepath.Join(t.TempDir(), "sessions.db")+"?_busy_timeout=10000&_journal_mode=WAL")
}

// Example prepares the database of a store's runnable Example: it
// creates the namespace name afresh on the server, runs schema in it, and
// returns a DSN whose default namespace it is. It stops the program with a
// message naming Env when the server does not answer; testenv.Main keeps
// Examples from running then, outside CI.
func (s Server) Example(name string, schema ...string) string {
	dsn := os.Getenv(s.Env)
	if dsn == "" {
		dsn = s.Default
	}
	admin, err := sql.Open(s.Driver, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	for _, stmt := range []string{s.Drop, s.Create} {
		if _, err := admin.Exec(fmt.Sprintf(stmt, name)); err != nil {
			log.Fatalf("the example needs the test server (scripts/services.sh, or %s): %v", s.Env, err)
		}
	}
	if dsn, err = s.Use(dsn, name); err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open(s.Driver, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range schema {
		if _, err := db.Exec(stmt); err != nil {
			log.Fatalf("%s: %v", stmt, err)
		}
	}
	return dsn
}

// UniqueName returns a new name for a test's namespace or table:
// "scs_test_" and 12 random hex digits.
func UniqueName(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "scs_test_" + hex.EncodeToString(b)
}
