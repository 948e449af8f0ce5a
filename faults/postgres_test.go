package faults

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/enginetest"
	"github.com/seed3bbca6c1/scs/pgxstore"
)

// TestPostgresKilledUnderLoad kills PostgreSQL (default durability
// settings) with SIGKILL while 20 clients increment counters in their
// sessions, restarts it on the same data directory (crash recovery), and
// checks: 500s and no hangs while it is down, every client served again
// soon after it answers, no acknowledged update lost, no panic.
func TestPostgresKilledUnderLoad(t *testing.T) {
	e := enginetest.NewPostgres(t)
	dsn := "postgres://postgres@127.0.0.1:" + strconv.Itoa(e.Port()) + "/postgres?sslmode=disable&connect_timeout=2"
	ready := readyBefore(func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		return c.Ping(ctx)
	})
	e.Start()
	e.WaitReady(30*time.Second, ready)

	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, q := range []string{
		`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX sessions_expiry_idx ON sessions (expiry)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	sm := scs.New()
	sm.Store = pgxstore.NewWithCleanupInterval(pool, 0)
	crashUnderLoad(t, e, sm, ready)
}
