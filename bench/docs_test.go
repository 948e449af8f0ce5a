package bench

import (
	"context"
	"database/sql"
	"testing"
	"time"

	redigo "github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/doccheck"
)

// The driver settings docs/hardening.md recommends, as code that compiles.

// doc:begin docs/hardening.md
// Here redigo is github.com/gomodule/redigo/redis, and goredis is
// github.com/redis/go-redis/v9.

// newSessionManager bounds every store call.
func newSessionManager() *scs.SessionManager {
	sessionManager := scs.New()
	sessionManager.StoreTimeout = 2 * time.Second
	return sessionManager
}

// newRedigoPool is for redisstore.
func newRedigoPool() *redigo.Pool {
	return &redigo.Pool{
		MaxActive: 32, MaxIdle: 32, IdleTimeout: 5 * time.Minute, Wait: true,
		DialContext: func(ctx context.Context) (redigo.Conn, error) {
			return redigo.DialContext(ctx, "tcp", "localhost:6379",
				redigo.DialConnectTimeout(time.Second),
				redigo.DialReadTimeout(time.Second), redigo.DialWriteTimeout(time.Second))
		},
	}
}

// newGoRedisClient is for goredisstore: ContextTimeoutEnabled makes it
// honour StoreTimeout.
func newGoRedisClient() *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr: "localhost:6379", DialTimeout: time.Second,
		ReadTimeout: time.Second, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true, PoolSize: 32, MinIdleConns: 8,
	})
}

// newPgxPool is for pgxstore: queries honour the context; bound the dial
// too.
func newPgxPool(ctx context.Context) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig("postgres://user:pass@localhost/db?connect_timeout=2")
	if err != nil {
		return nil, err
	}
	cfg.MaxConns, cfg.MinConns = 32, 8
	return pgxpool.NewWithConfig(ctx, cfg)
}

// openMySQL is for mysqlstore, and the same holds for every database/sql
// store: DSN timeouts (lib/pq: "postgres://user:pass@localhost/db?
// connect_timeout=2"), and as many idle connections as open ones.
func openMySQL() (*sql.DB, error) {
	db, err := sql.Open("mysql", "user:pass@/db?parseTime=true&timeout=2s&readTimeout=2s&writeTimeout=2s")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// doc:end

func TestDocsCodeCompiles(t *testing.T) {
	doccheck.Check(t, "docs_test.go", "..", "docs/hardening.md")
	if newSessionManager().StoreTimeout != 2*time.Second || newRedigoPool().MaxActive != 32 || newGoRedisClient() == nil {
		t.Fatal("the documented settings are not what the code sets")
	}
	if _, err := newPgxPool(context.Background()); err != nil {
		t.Fatal(err) // pgxpool connects lazily: no server is needed
	}
	if db, err := openMySQL(); err != nil {
		t.Fatal(err)
	} else {
		db.Close()
	}
}
