package cockroachdbstore

import (
	"context"
	"os"
	"testing"

	_ "github.com/lib/pq"

	"github.com/seed3bbca6c1/scs/internal/sqltest"
)

// server is CockroachDB when SCS_COCKROACHDB_TEST_DSN is set, the
// PostgreSQL test server otherwise.
var server = sqltest.CockroachDB()

// harness runs the checks every store over PostgreSQL's SQL shares.
var harness = sqltest.PostgresHarness(server, sqltest.Harness{
	Name: "cockroachdbstore",
	New: func(_ testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(db.DB, Config(cfg))
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*CockroachDBStore).store.DeleteExpired(context.Background())
	},
})

func TestMain(m *testing.M) { os.Exit(server.Main(m)) }

func TestSQLStore(t *testing.T) { harness.Run(t) }

func BenchmarkFind(b *testing.B) { harness.BenchmarkFind(b) }

func BenchmarkCommit(b *testing.B) { harness.BenchmarkCommit(b) }
