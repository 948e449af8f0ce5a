package otelscs_test

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/redisstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// The kit, every check, on an instrumented redisstore, on the Redis test
// server (SCS_REDIS_TEST_ADDR, default 127.0.0.1:6379; skipped without it,
// failed in CI).
func TestConformanceRedisstore(t *testing.T) {
	tel := newTelemetry(t)
	storetest.Run(t, func(t *testing.T) scs.Store {
		pool := redisPool(t)
		prefix := kvtest.Prefix(t, func(prefix string) error { return deleteUnder(pool, prefix) })
		return instrumentedStore(t, tel, redisstore.NewWithPrefix(pool, prefix+"session:"))
	})
	if storeCalls(t, tel) == 0 {
		t.Error("no store call was measured")
	}
}

// redisPool returns a pool on the test server, closed when the test ends.
func redisPool(t *testing.T) *redis.Pool {
	t.Helper()
	addr := kvtest.Redis().Addr(t)
	pool := &redis.Pool{
		MaxIdle:     8,
		IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", addr)
		},
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

// deleteUnder deletes every key that starts with prefix (kvtest's prefixes
// hold no glob characters).
func deleteUnder(pool *redis.Pool, prefix string) error {
	conn := pool.Get()
	defer conn.Close()
	for cursor := 0; ; {
		reply, err := redis.Values(conn.Do("SCAN", cursor, "MATCH", prefix+"*", "COUNT", 500))
		if err != nil {
			return err
		}
		var keys []string
		if _, err := redis.Scan(reply, &cursor, &keys); err != nil {
			return err
		}
		if len(keys) > 0 {
			if _, err := conn.Do("DEL", redis.Args{}.AddFlat(keys)...); err != nil {
				return err
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}
