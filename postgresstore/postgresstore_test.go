package postgresstore

import (
	"context"
	"os"
	"testing"

	_ "github.com/lib/pq"

	"github.com/seed3bbca6c1/scs/internal/sqltest"
)

var server = sqltest.Postgres("postgres")

// harness runs the checks every store over PostgreSQL's SQL shares.
var harness = sqltest.PostgresHarness(server, sqltest.Harness{
	Name:       "postgresstore",
	UserSchema: sqltest.PostgresUserSchema(),
	UserAlter:  sqltest.PostgresUserAlter(),
	New: func(_ testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(db.DB, Config(cfg))
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*PostgresStore).store.DeleteExpired(context.Background())
	},
})

func TestMain(m *testing.M) { os.Exit(server.Main(m)) }

func TestSQLStore(t *testing.T) { harness.Run(t) }

func BenchmarkFind(b *testing.B) { harness.BenchmarkFind(b) }

func BenchmarkCommit(b *testing.B) { harness.BenchmarkCommit(b) }
