package redisstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/storetest"
)

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(kvtest.Redis().Main(m))
}

// testPool returns a pool on the test server, closed when the test ends.
func testPool(t testing.TB) *redis.Pool {
	t.Helper()
	addr := kvtest.Redis().Addr(t)
	pool := &redis.Pool{
		MaxIdle:     16,
		IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", addr)
		},
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

// testPrefix returns a key prefix no other test uses, and deletes every key
// under it when the test ends.
func testPrefix(t testing.TB, pool *redis.Pool) string {
	t.Helper()
	return kvtest.Prefix(t, func(prefix string) error { return deleteKeys(pool, escapeGlob(prefix)+"*") })
}

// deleteKeys deletes the keys matching a SCAN pattern.
func deleteKeys(pool *redis.Pool, pattern string) error {
	conn := pool.Get()
	defer conn.Close()
	cursor := "0"
	for {
		reply, err := redis.Values(conn.Do("SCAN", cursor, "MATCH", pattern, "COUNT", 1000))
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
		if cursor == "0" {
			return nil
		}
	}
}

// newStore returns an empty store: one with a fresh prefix.
func newStore(t testing.TB) *RedisStore {
	pool := testPool(t)
	return NewWithPrefix(pool, testPrefix(t, pool)+"session:")
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store { return newStore(t) },
	}.Run(t)
}

// TestWrappedConformance runs every check of the kit on the store wrapped
// with scs.WrapStore, counting calls as a metrics wrapper would: the
// wrapper keeps every capability of the store.
func TestWrappedConformance(t *testing.T) {
	var calls atomic.Int64
	storetest.Run(t, func(t *testing.T) scs.Store {
		return scs.WrapStore(newStore(t), func(ctx context.Context, op string, call func(context.Context) error) error {
			calls.Add(1)
			return call(ctx)
		})
	})
	if calls.Load() == 0 {
		t.Error("no call went through the wrapper")
	}
}

// do runs one command on its own connection from pool.
func do(t testing.TB, pool *redis.Pool, cmd string, args ...any) any {
	t.Helper()
	conn := pool.Get()
	defer conn.Close()
	reply, err := conn.Do(cmd, args...)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return reply
}

// TestSCSLayout checks that New keeps sessions as SCS v2's redisstore does:
// the bare data at "scs:session:<token>", written with SET, then PEXPIREAT
// in Unix milliseconds, in one MULTI.
func TestSCSLayout(t *testing.T) {
	pool := testPool(t)
	storetest.Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			conn := pool.Get()
			defer conn.Close()
			key := "scs:session:" + token
			conn.Send("MULTI")
			conn.Send("SET", key, data)
			conn.Send("PEXPIREAT", key, expiry.UnixNano()/int64(time.Millisecond))
			if _, err := conn.Do("EXEC"); err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			key := "scs:session:" + token
			data, err := redis.Bytes(do(t, pool, "GET", key), nil)
			if errors.Is(err, redis.ErrNil) {
				return nil, time.Time{}, false
			}
			if err != nil {
				t.Fatal(err)
			}
			ms, err := redis.Int64(do(t, pool, "PEXPIRETIME", key), nil)
			if err != nil || ms < 0 {
				t.Fatalf("PEXPIRETIME %s = %d, %v; want the key's expiry", key, ms, err)
			}
			return data, time.UnixMilli(ms), true
		},
		Resolution: time.Millisecond,
	}.Run(t, New(pool))
}

func TestPrefixesKeepStoresApart(t *testing.T) {
	pool := testPool(t)
	kvtest.CheckPrefixesKeepStoresApart(t, testPrefix(t, pool), func(prefix string) scs.Store {
		return NewWithPrefix(pool, prefix)
	})
}

// TestAllManyBatches lists more sessions than one SCAN batch holds.
func TestAllManyBatches(t *testing.T) {
	pool := testPool(t)
	s := NewWithPrefix(pool, testPrefix(t, pool))
	kvtest.CheckAllLists(t, s, 2500, func(sessions map[string][]byte, expiry time.Time) {
		conn := pool.Get()
		defer conn.Close()
		for tok, data := range sessions {
			conn.Send("SET", s.prefix+tok, data, "PXAT", expiry.UnixMilli())
		}
		if _, err := conn.Do(""); err != nil { // flush and read all replies
			t.Fatal(err)
		}
	})
}

func TestErrorsNamePackage(t *testing.T) {
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return nil, errors.New("no server") }}
	kvtest.CheckErrorsNamePackage(t, New(pool), "redisstore", nil, func(err error) bool {
		return strings.Contains(err.Error(), "no server")
	})
}

var benchPayload = bytes.Repeat([]byte("s"), 1024)

func BenchmarkFind(b *testing.B) { kvtest.BenchmarkFind(b, newStore(b), benchPayload) }

func BenchmarkCommit(b *testing.B) { kvtest.BenchmarkCommit(b, newStore(b), benchPayload) }

// TestFindExpiryWithoutTTL checks that a key with no time to live, which
// the store never writes, is found with a zero expiry.
func TestFindExpiryWithoutTTL(t *testing.T) {
	pool := testPool(t)
	s := NewWithPrefix(pool, testPrefix(t, pool))
	tok := storetest.Token(t)
	do(t, pool, "SET", s.prefix+tok, "no ttl")
	b, exp, found, err := s.FindExpiry(context.Background(), tok)
	if err != nil || !found || string(b) != "no ttl" || !exp.IsZero() {
		t.Fatalf("FindExpiry = %q, %v, %v, %v; want the data with a zero expiry", b, exp, found, err)
	}
}

// TestCompareAndSwapExpiry checks that CompareAndSwap sets the expiry it is
// given, and that an expiry that has passed deletes the session, as Commit
// does.
func TestCompareAndSwapExpiry(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("v1"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if ok, err := s.CompareAndSwap(ctx, tok, []byte("v1"), []byte("v2"), later); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v; want true, nil", ok, err)
	}
	if b, exp, found, err := s.FindExpiry(context.Background(), tok); err != nil || !found || string(b) != "v2" || exp.Sub(later).Abs() > time.Second {
		t.Fatalf("FindExpiry after CompareAndSwap = %q, %v, %v, %v; want v2 until %v", b, exp, found, err, later)
	}
	if ok, err := s.CompareAndSwap(ctx, tok, []byte("v2"), []byte("v3"), time.Now().Add(-time.Second)); err != nil || !ok {
		t.Fatalf("CompareAndSwap with a past expiry = %v, %v; want true, nil", ok, err)
	}
	if _, found, err := s.Find(tok); err != nil || found {
		t.Fatalf("Find after CompareAndSwap with a past expiry = %v, %v; want not found", found, err)
	}
}
