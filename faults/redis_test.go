package faults

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/enginetest"
	"github.com/seed3bbca6c1/scs/redisstore"
)

// TestRedisKilledUnderLoad kills Redis (appendfsync always) with SIGKILL
// while 20 clients increment counters in their sessions, restarts it on
// its append-only file, and checks: 500s and no hangs while it is down,
// every client served again soon after it answers, no acknowledged update
// lost, no panic.
func TestRedisKilledUnderLoad(t *testing.T) {
	e := enginetest.NewRedis(t)
	addr := e.Addr()
	ready := readyBefore(func(ctx context.Context) error {
		c, err := redis.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = redis.DoContext(c, ctx, "PING")
		return err
	})
	e.Start()
	e.WaitReady(10*time.Second, ready)

	pool := &redis.Pool{
		MaxIdle:     clients,
		IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", addr,
				redis.DialConnectTimeout(time.Second),
				redis.DialReadTimeout(2*time.Second),
				redis.DialWriteTimeout(2*time.Second))
		},
	}
	defer pool.Close()
	sm := scs.New()
	sm.Store = redisstore.New(pool)
	crashUnderLoad(t, e, sm, ready)
}
