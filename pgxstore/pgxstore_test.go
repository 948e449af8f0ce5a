package pgxstore

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql for the tests' own queries

	"github.com/seed3bbca6c1/scs/internal/sqltest"
)

var server = sqltest.Postgres("pgx")

// harness runs the checks every store over PostgreSQL's SQL shares. They
// reach the database through database/sql; the store gets a pool on the
// same one.
var harness = sqltest.PostgresHarness(server, sqltest.Harness{
	Name:       "pgxstore",
	UserSchema: sqltest.PostgresUserSchema(),
	UserAlter:  sqltest.PostgresUserAlter(),
	New: func(t testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(openPool(t, db.DSN), Config(cfg))
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*PostgresStore).deleteExpired(context.Background())
	},
})

// openPool returns a pool on dsn, closed when the test ends; nil when dsn
// is empty.
func openPool(t testing.TB, dsn string) *pgxpool.Pool {
	if dsn == "" {
		return nil
	}
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestMain(m *testing.M) { os.Exit(server.Main(m)) }

func TestSQLStore(t *testing.T) { harness.Run(t) }

func BenchmarkFind(b *testing.B) { harness.BenchmarkFind(b) }

func BenchmarkCommit(b *testing.B) { harness.BenchmarkCommit(b) }
