package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/storetest"
)

// TestUserIndexLayout checks the README's layout of the index of user
// sessions: a sorted set beside the sessions, at the prefix without
// "session:" plus "user:<userID>" (the ID escaped), whose members are the
// store key, NUL, the creation time, NUL, the last-active time (both in
// Unix milliseconds), NUL and the label, scored by expiry in Unix
// milliseconds, expiring with its last member.
func TestUserIndexLayout(t *testing.T) {
	pool := testPool(t)
	base := testPrefix(t, pool)
	st := NewWithPrefix(pool, base+"session:")
	user, tok := "alice@example.com/{1}", storetest.Token(t)
	expiry := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	created, active := time.UnixMilli(1765104998123), time.UnixMilli(1765105998456)
	entry := scs.UserIndexEntry{Token: tok, Expiry: expiry, Created: created, LastActive: active, Label: "Firefox"}
	if err := st.AddUserSession(context.Background(), user, entry); err != nil {
		t.Fatal(err)
	}
	key := base + "user:alice@example.com%2F%7B1%7D"
	member := tok + "\x001765104998123\x001765105998456\x00Firefox"
	score, err := redis.Int64(do(t, pool, "ZSCORE", key, member), nil)
	if err != nil || score != expiry.UnixMilli() {
		t.Fatalf("ZSCORE %s %q = %d, %v; want %d", key, tok, score, err, expiry.UnixMilli())
	}
	at, err := redis.Int64(do(t, pool, "PEXPIRETIME", key), nil)
	if err != nil || at != expiry.UnixMilli() {
		t.Fatalf("PEXPIRETIME %s = %d, %v; want %d", key, at, err, expiry.UnixMilli())
	}
	if n, _ := redis.Int(do(t, pool, "EXISTS", base+"session:"+strings.TrimPrefix(key, base)), nil); n != 0 {
		t.Fatal("the index was written under the sessions' prefix")
	}
}

// TestUserIndexBesideOtherPrefixes checks that with a prefix that does not
// end in "session:" the index lives at "scs:user:[" + escaped prefix +
// "]:" + escaped userID, outside the sessions' prefix, so that All never
// meets it.
func TestUserIndexBesideOtherPrefixes(t *testing.T) {
	pool := testPool(t)
	prefix := testPrefix(t, pool)
	st := NewWithPrefix(pool, prefix)
	key := "scs:user:[" + strings.ReplaceAll(prefix, ":", "%3A") + "]:alice%3A1"
	t.Cleanup(func() { do(t, pool, "DEL", key) })
	tok := storetest.Token(t)
	if err := st.AddUserSession(context.Background(), "alice:1", scs.UserIndexEntry{Token: tok, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := redis.Int(do(t, pool, "ZCARD", key), nil); n != 1 {
		t.Fatalf("ZCARD %s = %d, want 1", key, n)
	}
	if all, err := st.All(); err != nil || len(all) != 0 {
		t.Fatalf("All = %d sessions, %v; want none", len(all), err)
	}
}

// TestUserIndexEntries checks that an entry's metadata survives the round
// trip (times to the millisecond, any label), that adding an entry again
// replaces it, bare members of the first layout included, that removing
// one removes its every member, and that bare members still list.
func TestUserIndexEntries(t *testing.T) {
	pool := testPool(t)
	st := NewWithPrefix(pool, testPrefix(t, pool)+"session:")
	kvtest.UserIndexEntries(t, st, st.userKey, func(t *testing.T, key string, score int64, member string) {
		do(t, pool, "ZADD", key, score, member)
	}, func(t *testing.T, key string) int {
		n, _ := redis.Int(do(t, pool, "ZCARD", key), nil)
		return n
	})
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

// TestUserIndexPrefixCollision checks that two stores with different
// prefixes on one Redis keep their users' indexes apart even when a user ID
// of one is the other's prefix plus a user ID of the other: each manager's
// DestroyUser deletes only its own store's session. (The first layout gave
// both users of the first case the key "scs:user:app1:bob-…", and both of
// the second "scs:user:scs:app1:bob-…".)
func TestUserIndexPrefixCollision(t *testing.T) {
	pool := testPool(t)
	suffix := storetest.Token(t)[:8]
	for _, c := range []struct{ prefixA, userA, prefixB, userB string }{
		{"scs:session:", "app1:bob-" + suffix, "app1:", "bob-" + suffix},
		{"scs:", "app1:bob-" + suffix, "scs:app1:", "bob-" + suffix},
		{"scs:", "app1:bob-" + suffix, "app1:", "bob-" + suffix},
	} {
		t.Run(c.prefixA+c.userA+"|"+c.prefixB+c.userB, func(t *testing.T) {
			a, b := NewWithPrefix(pool, c.prefixA), NewWithPrefix(pool, c.prefixB)
			kvtest.UserIndexApart(t, a, c.prefixA, c.userA, b, c.prefixB, c.userB)
		})
	}
}
