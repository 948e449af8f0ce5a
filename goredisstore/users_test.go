package goredisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

// TestUserIndexLayout checks the README's layout of the index of user
// sessions, which is redisstore's: a sorted set at the prefix without
// "session:" plus "user:<userID>" (the ID escaped), or at "scs:user:[" +
// escaped prefix + "]:" + escaped ID for other prefixes, whose members are
// the store key, NUL, the creation time, NUL, the last-active time (both in
// Unix milliseconds), NUL and the label, scored by expiry in Unix
// milliseconds.
func TestUserIndexLayout(t *testing.T) {
	c := testClient(t)
	base := testPrefix(t, c)
	ctx := context.Background()
	expiry := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	for prefix, key := range map[string]string{
		base + "session:": base + "user:alice%3A%7B1%7D",
		base:              "scs:user:[" + strings.ReplaceAll(base, ":", "%3A") + "]:alice%3A%7B1%7D",
	} {
		st := NewWithPrefix(c, prefix)
		tok := storetest.Token(t)
		entry := scs.UserIndexEntry{Token: tok, Expiry: expiry, Created: time.UnixMilli(1765104998123), Label: "Firefox"}
		if err := st.AddUserSession(ctx, "alice:{1}", entry); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Del(ctx, key) })
		member := tok + "\x001765104998123\x00\x00Firefox"
		if score, err := c.ZScore(ctx, key, member).Result(); err != nil || int64(score) != expiry.UnixMilli() {
			t.Fatalf("ZSCORE %s %q = %v, %v; want %d", key, tok, score, err, expiry.UnixMilli())
		}
	}
}

// TestUserIndexEntries checks that an entry's metadata survives the round
// trip (times to the millisecond, any label), that adding an entry again
// replaces it, bare members of the first layout included, that removing
// one removes its every member, and that bare members still list.
func TestUserIndexEntries(t *testing.T) {
	c := testClient(t)
	checkUserIndexEntriesOn(t, c, NewWithPrefix(c, testPrefix(t, c)+"session:"))
}

// TestUserIndexEntriesCluster is TestUserIndexEntries on a Redis Cluster.
func TestUserIndexEntriesCluster(t *testing.T) {
	addrs := strings.Split(testenv.Server(t, clusterEnv, clusterAddrs, func(seeds string) error {
		return testenv.Dial(strings.Split(seeds, ",")[0])
	}), ",")
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	checkUserIndexEntriesOn(t, c, NewUniversalWithPrefix(c, testPrefix(t, c)+"session:"))
}

func checkUserIndexEntriesOn(t *testing.T, c redis.UniversalClient, st *RedisStore) {
	ctx := context.Background()
	kvtest.UserIndexEntries(t, st, st.userKey, func(t *testing.T, key string, score int64, member string) {
		t.Cleanup(func() { c.Del(ctx, key) })
		if err := c.ZAdd(ctx, key, redis.Z{Score: float64(score), Member: member}).Err(); err != nil {
			t.Fatal(err)
		}
	}, func(t *testing.T, key string) int {
		n, err := c.ZCard(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	})
}

// TestUserIndexPrefixCollision checks that two stores with different
// prefixes on one Redis keep their users' indexes apart even when a user ID
// of one is the other's prefix plus a user ID of the other: each manager's
// DestroyUser deletes only its own store's session. (The first layout gave
// both users of the first case the key "scs:user:app1:bob-…", and both of
// the second "scs:user:scs:app1:bob-…".)
func TestUserIndexPrefixCollision(t *testing.T) {
	c := testClient(t)
	checkUserIndexPrefixCollision(t, func(prefix string) *RedisStore { return NewWithPrefix(c, prefix) })
}

// TestUserIndexPrefixCollisionCluster is TestUserIndexPrefixCollision on
// a Redis Cluster.
func TestUserIndexPrefixCollisionCluster(t *testing.T) {
	addrs := strings.Split(testenv.Server(t, clusterEnv, clusterAddrs, func(seeds string) error {
		return testenv.Dial(strings.Split(seeds, ",")[0])
	}), ",")
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	checkUserIndexPrefixCollision(t, func(prefix string) *RedisStore { return NewUniversalWithPrefix(c, prefix) })
}

func checkUserIndexPrefixCollision(t *testing.T, newStore func(prefix string) *RedisStore) {
	suffix := storetest.Token(t)[:8]
	for _, c := range []struct{ prefixA, userA, prefixB, userB string }{
		{"scs:session:", "app1:bob-" + suffix, "app1:", "bob-" + suffix},
		{"scs:", "app1:bob-" + suffix, "scs:app1:", "bob-" + suffix},
		{"scs:", "app1:bob-" + suffix, "app1:", "bob-" + suffix},
	} {
		t.Run(c.prefixA+c.userA+"|"+c.prefixB+c.userB, func(t *testing.T) {
			kvtest.UserIndexApart(t, newStore(c.prefixA), c.prefixA, c.userA, newStore(c.prefixB), c.prefixB, c.userB)
		})
	}
}
