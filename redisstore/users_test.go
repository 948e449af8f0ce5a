package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// TestUserIndexLayout checks the README's layout of the index of user
// sessions: a sorted set beside the sessions, at the prefix without
// "session:" plus "user:<userID>", scored by expiry in Unix milliseconds,
// expiring with its last member.
func TestUserIndexLayout(t *testing.T) {
	pool := testPool(t)
	base := testPrefix(t, pool)
	st := NewWithPrefix(pool, base+"session:")
	user, tok := "alice", storetest.Token(t)
	expiry := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	if err := st.AddUserSession(context.Background(), user, tok, expiry); err != nil {
		t.Fatal(err)
	}
	key := base + "user:" + user
	score, err := redis.Int64(do(t, pool, "ZSCORE", key, tok), nil)
	if err != nil || score != expiry.UnixMilli() {
		t.Fatalf("ZSCORE %s %s = %d, %v; want %d", key, tok, score, err, expiry.UnixMilli())
	}
	at, err := redis.Int64(do(t, pool, "PEXPIRETIME", key), nil)
	if err != nil || at != expiry.UnixMilli() {
		t.Fatalf("PEXPIRETIME %s = %d, %v; want %d", key, at, err, expiry.UnixMilli())
	}
	if n, _ := redis.Int(do(t, pool, "EXISTS", base+"session:user:"+user), nil); n != 0 {
		t.Fatal("the index was written under the sessions' prefix")
	}
}

// TestUserIndexBesideOtherPrefixes checks that with a prefix that does not
// end in "session:" the index lives at "scs:user:" + prefix + userID,
// outside the sessions' prefix, so that All never meets it.
func TestUserIndexBesideOtherPrefixes(t *testing.T) {
	pool := testPool(t)
	prefix := testPrefix(t, pool)
	st := NewWithPrefix(pool, prefix)
	key := "scs:user:" + prefix + "alice"
	t.Cleanup(func() { do(t, pool, "DEL", key) })
	tok := storetest.Token(t)
	if err := st.AddUserSession(context.Background(), "alice", tok, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _ := redis.Int(do(t, pool, "ZCARD", key), nil); n != 1 {
		t.Fatalf("ZCARD %s = %d, want 1", key, n)
	}
	if all, err := st.All(); err != nil || len(all) != 0 {
		t.Fatalf("All = %d sessions, %v; want none", len(all), err)
	}
}

// TestLogoutEverywhereAcrossProcesses logs a user in through one server
// and out everywhere through another, each with its own session manager
// and connection pool, as two processes would.
func TestLogoutEverywhereAcrossProcesses(t *testing.T) {
	pool := testPool(t)
	prefix := testPrefix(t, pool) + "session:"
	a, b := scs.New(), scs.New()
	a.Store, b.Store = NewWithPrefix(pool, prefix), NewWithPrefix(testPool(t), prefix)
	storetest.LogoutEverywhere(t, a, b)
}
