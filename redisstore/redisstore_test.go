package redisstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

const (
	addrEnv     = "SCS_REDIS_TEST_ADDR"
	defaultAddr = "127.0.0.1:6379"
)

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(storetest.Main(m, addrEnv, defaultAddr, storetest.Dial))
}

// testPool returns a pool on the test server, closed when the test ends.
func testPool(t testing.TB) *redis.Pool {
	t.Helper()
	addr := storetest.Server(t, addrEnv, defaultAddr, storetest.Dial)
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
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scstest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { deleteKeys(t, pool, escapeGlob(prefix)+"*") })
	return prefix
}

// deleteKeys deletes the keys matching a SCAN pattern.
func deleteKeys(t testing.TB, pool *redis.Pool, pattern string) {
	t.Helper()
	conn := pool.Get()
	defer conn.Close()
	cursor := "0"
	for {
		reply, err := redis.Values(conn.Do("SCAN", cursor, "MATCH", pattern, "COUNT", 1000))
		if err != nil {
			t.Errorf("clean up %s: %v", pattern, err)
			return
		}
		var keys []string
		if _, err := redis.Scan(reply, &cursor, &keys); err != nil {
			t.Errorf("clean up %s: %v", pattern, err)
			return
		}
		if len(keys) > 0 {
			if _, err := conn.Do("DEL", redis.Args{}.AddFlat(keys)...); err != nil {
				t.Errorf("clean up %s: %v", pattern, err)
				return
			}
		}
		if cursor == "0" {
			return
		}
	}
}

// newStore returns an empty store: one with a fresh prefix.
func newStore(t testing.TB) *RedisStore {
	pool := testPool(t)
	return NewWithPrefix(pool, testPrefix(t, pool))
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store { return newStore(t) },
	}.Run(t)
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

func TestNewUsesSCSPrefix(t *testing.T) {
	pool := testPool(t)
	s := New(pool)
	tok := storetest.Token(t)
	key := "scs:session:" + tok
	t.Cleanup(func() { do(t, pool, "DEL", key) })

	if err := s.Commit(tok, []byte("payload"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := redis.Bytes(do(t, pool, "GET", key), nil)
	if err != nil || string(got) != "payload" {
		t.Fatalf("GET %s = %q, %v; want the bare payload", key, got, err)
	}
}

// TestFindReadsSCSLayout writes a session the way SCS v2's redisstore does
// (SET, then PEXPIREAT in Unix milliseconds, in one MULTI) and reads it back.
func TestFindReadsSCSLayout(t *testing.T) {
	pool := testPool(t)
	s := New(pool)
	tok := storetest.Token(t)
	key := "scs:session:" + tok
	t.Cleanup(func() { do(t, pool, "DEL", key) })

	payload := []byte("\x00gob payload written by SCS v2\xff")
	conn := pool.Get()
	defer conn.Close()
	conn.Send("MULTI")
	conn.Send("SET", key, payload)
	conn.Send("PEXPIREAT", key, time.Now().Add(time.Minute).UnixNano()/int64(time.Millisecond))
	if _, err := conn.Do("EXEC"); err != nil {
		t.Fatal(err)
	}

	b, found, err := s.Find(tok)
	if err != nil || !found || !bytes.Equal(b, payload) {
		t.Fatalf("Find = %q, %v, %v; want %q, true, nil", b, found, err, payload)
	}
	all, err := s.All()
	if err != nil || !bytes.Equal(all[tok], payload) {
		t.Fatalf("All()[token] = %q, %v; want %q", all[tok], err, payload)
	}
}

// TestCommitSetsMillisecondExpiry checks that the key's own TTL is the
// session expiry to the millisecond, not rounded to seconds.
func TestCommitSetsMillisecondExpiry(t *testing.T) {
	pool := testPool(t)
	s := NewWithPrefix(pool, testPrefix(t, pool))
	tok := storetest.Token(t)
	want := time.Hour + 337*time.Millisecond
	if err := s.Commit(tok, []byte("x"), time.Now().Add(want)); err != nil {
		t.Fatal(err)
	}
	pttl, err := redis.Int64(do(t, pool, "PTTL", s.prefix+tok), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := time.Duration(pttl) * time.Millisecond
	if got > want || got < want-200*time.Millisecond {
		t.Fatalf("PTTL = %v, want within 200ms below %v", got, want)
	}
}

func TestCommitPastExpiryRemovesKey(t *testing.T) {
	pool := testPool(t)
	s := NewWithPrefix(pool, testPrefix(t, pool))
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(tok, []byte("y"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, _ := redis.Int(do(t, pool, "EXISTS", s.prefix+tok), nil); n != 0 {
		t.Fatal("the key is still there after a commit with a past expiry")
	}
}

// TestAllEscapesPrefix checks that glob characters in a prefix match only
// themselves: the store with prefix "...a*" must not list the sessions of the
// store with prefix "...ab".
func TestAllEscapesPrefix(t *testing.T) {
	pool := testPool(t)
	base := testPrefix(t, pool)
	star := NewWithPrefix(pool, base+"a*[?]\\")
	other := NewWithPrefix(pool, base+"ab")
	mine, theirs := storetest.Token(t), storetest.Token(t)
	if err := star.Commit(mine, []byte("mine"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(theirs, []byte("theirs"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	all, err := star.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || string(all[mine]) != "mine" {
		t.Fatalf("All = %q, want only the store's own session", all)
	}
}

// TestAllManyBatches lists more sessions than one SCAN batch holds.
func TestAllManyBatches(t *testing.T) {
	pool := testPool(t)
	s := NewWithPrefix(pool, testPrefix(t, pool))
	const n = 2500
	expiry := time.Now().Add(time.Minute).UnixMilli()
	conn := pool.Get()
	defer conn.Close()
	want := make(map[string]string, n)
	for i := 0; i < n; i++ {
		tok := storetest.Token(t)
		want[tok] = fmt.Sprint(i)
		conn.Send("SET", s.prefix+tok, want[tok], "PXAT", expiry)
	}
	if _, err := conn.Do(""); err != nil { // flush and read all replies
		t.Fatal(err)
	}
	all, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("All returned %d sessions, want %d", len(all), n)
	}
	for tok, v := range want {
		if string(all[tok]) != v {
			t.Fatalf("All()[%s] = %q, want %q", tok, all[tok], v)
		}
	}
}

func TestErrorsNamePackage(t *testing.T) {
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return nil, errors.New("no server") }}
	s := New(pool)
	for name, err := range map[string]error{
		"Find":   func() error { _, _, err := s.Find("x"); return err }(),
		"Commit": s.Commit("x", nil, time.Now().Add(time.Minute)),
		"Delete": s.Delete("x"),
		"All":    func() error { _, err := s.All(); return err }(),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "redisstore: ") || !strings.Contains(err.Error(), "no server") {
			t.Errorf("%s error = %v, want one starting with \"redisstore: \" and wrapping the cause", name, err)
		}
	}
}

var benchPayload = bytes.Repeat([]byte("s"), 1024)

func BenchmarkFind(b *testing.B) {
	s := newStore(b)
	tok := storetest.Token(b)
	if err := s.Commit(tok, benchPayload, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, found, err := s.Find(tok); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	s := newStore(b)
	tok := storetest.Token(b)
	expiry := time.Now().Add(time.Hour)
	for b.Loop() {
		if err := s.Commit(tok, benchPayload, expiry); err != nil {
			b.Fatal(err)
		}
	}
}
