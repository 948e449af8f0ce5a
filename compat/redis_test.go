package compat

import (
	"testing"

	scsgoredis "github.com/alexedwards/scs/goredisstore"
	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/gomodule/redigo/redis"
	goredis "github.com/redis/go-redis/v9"
	"github.com/seed3bbca6c1/scs/goredisstore"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/redisstore"
)

func TestRedisStoreSharesSessionsWithSCS(t *testing.T) {
	addr := testenv.Server(t, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
	t.Cleanup(func() { pool.Close() })
	crossCheck(t, scsredis.New(pool), redisstore.New(pool))
}

func TestGoRedisStoreSharesSessionsWithSCS(t *testing.T) {
	addr := testenv.Server(t, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	crossCheck(t, scsgoredis.New(client), goredisstore.New(client), true)
}
