package compat

import (
	"database/sql"
	"testing"

	scsmysql "github.com/alexedwards/scs/mysqlstore"
	scspostgres "github.com/alexedwards/scs/postgresstore"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/lib/pq"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/mysqlstore"
	"github.com/seed3bbca6c1/scs/postgresstore"
)

// openDB opens the test server named by env and creates SCS's table in it
// when it is missing, with the schema both libraries document.
func openDB(t *testing.T, driver, env, def string, schema ...string) *sql.DB {
	t.Helper()
	dsn := testenv.Server(t, env, def, func(dsn string) error {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping()
	})
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range schema {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return db
}

func TestPostgresStoreSharesSessionsWithSCS(t *testing.T) {
	db := openDB(t, "postgres", "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		`CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry)`)
	crossCheck(t, scspostgres.NewWithCleanupInterval(db, 0), postgresstore.NewWithCleanupInterval(db, 0))
}

func TestMySQLStoreSharesSessionsWithSCS(t *testing.T) {
	db := openDB(t, "mysql", "SCS_MYSQL_TEST_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true",
		`CREATE TABLE IF NOT EXISTS sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)`)
	crossCheck(t, scsmysql.NewWithCleanupInterval(db, 0), mysqlstore.NewWithCleanupInterval(db, 0))
}
