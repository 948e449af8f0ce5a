package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs/internal/enginetest"
)

// TestStoreTimeoutBoundsAFrozenServer freezes a private Redis with SIGSTOP
// and checks that a request with StoreTimeout set answers 500 within the
// bound instead of waiting for the server, and that requests recover after
// SIGCONT.
func TestStoreTimeoutBoundsAFrozenServer(t *testing.T) {
	e := enginetest.NewRedis(t)
	e.Start()
	pool := &redis.Pool{
		MaxIdle:     8,
		MaxActive:   8,
		IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", e.Addr(), redis.DialConnectTimeout(time.Second))
		},
	}
	defer pool.Close()
	e.WaitReady(10*time.Second, func() error {
		c := pool.Get()
		defer c.Close()
		_, err := c.Do("PING")
		return err
	})
	enginetest.CheckStoreTimeout(t, New(pool), e, 500*time.Millisecond)
}
