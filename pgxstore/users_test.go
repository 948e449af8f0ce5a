package pgxstore

import (
	"testing"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/storetest"
)

// TestLogoutEverywhereAcrossProcesses logs a user in through one server
// and out everywhere through another, each with its own session manager
// and connection pool, as two processes would.
func TestLogoutEverywhereAcrossProcesses(t *testing.T) {
	db := harness.Open(t)
	for _, stmt := range sqltest.PostgresUserSchema() {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	a, b := scs.New(), scs.New()
	a.Store = NewWithCleanupInterval(openPool(t, db.DSN), 0)
	b.Store = NewWithCleanupInterval(openPool(t, db.DSN), 0)
	storetest.LogoutEverywhere(t, a, b)
}
