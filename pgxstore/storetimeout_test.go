package pgxstore

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seed3bbca6c1/scs/internal/enginetest"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
)

// TestStoreTimeoutBoundsAFrozenServer freezes a private PostgreSQL with
// SIGSTOP and checks that a request with StoreTimeout set answers 500
// within the bound instead of waiting for the server, and that requests
// recover after SIGCONT.
func TestStoreTimeoutBoundsAFrozenServer(t *testing.T) {
	e := enginetest.NewPostgres(t)
	e.Start()
	cfg, err := pgxpool.ParseConfig("postgres://postgres@" + e.Addr() + "/postgres?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	e.WaitReady(30*time.Second, func() error { return pool.Ping(context.Background()) })
	for _, stmt := range append(sqltest.PostgresSchema(), sqltest.PostgresUserSchema()...) {
		if _, err := pool.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	st := New(pool)
	defer st.StopCleanup()
	enginetest.CheckStoreTimeout(t, st, e, 500*time.Millisecond)
}
