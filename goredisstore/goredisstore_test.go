package goredisstore

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

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

const (
	addrEnv     = "SCS_REDIS_TEST_ADDR"
	defaultAddr = "127.0.0.1:6379"

	// clusterEnv names a Redis Cluster to run the suite against too, as
	// comma-separated host:port seeds. No cluster runs in CI.
	clusterEnv = "SCS_REDIS_CLUSTER_TEST_ADDRS"
)

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(storetest.Main(m, addrEnv, defaultAddr, storetest.Dial))
}

// testClient returns a client of the test server, closed when the test ends.
func testClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: storetest.Server(t, addrEnv, defaultAddr, storetest.Dial)})
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a key prefix no other test uses, and deletes every key
// under it when the test ends.
func testPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scstest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		// Reuse the store's own listing to find what to delete.
		all, err := NewUniversalWithPrefix(c, prefix).All()
		if err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
		ctx := context.Background()
		_, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for tok := range all {
				p.Del(ctx, prefix+tok)
			}
			return nil
		})
		if err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
	})
	return prefix
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			c := testClient(t)
			return NewWithPrefix(c, testPrefix(t, c))
		},
	}.Run(t)
}

// TestConformanceCluster runs the suite against a Redis Cluster, when one is
// named by SCS_REDIS_CLUSTER_TEST_ADDRS.
func TestConformanceCluster(t *testing.T) {
	addrs := strings.Split(storetest.Optional(t, clusterEnv), ",")
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs, IsClusterMode: true})
			t.Cleanup(func() { c.Close() })
			if _, ok := c.(*redis.ClusterClient); !ok {
				t.Fatalf("NewUniversalClient gave a %T, want a *redis.ClusterClient", c)
			}
			return NewUniversalWithPrefix(c, testPrefix(t, c))
		},
	}.Run(t)
}

// TestUniversalRing runs All through a Ring, which scans each shard.
func TestUniversalRing(t *testing.T) {
	addr := storetest.Server(t, addrEnv, defaultAddr, storetest.Dial)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"one": addr}})
	t.Cleanup(func() { ring.Close() })
	s := NewUniversalWithPrefix(ring, testPrefix(t, ring))
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("ring"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	all, err := s.All()
	if err != nil || len(all) != 1 || string(all[tok]) != "ring" {
		t.Fatalf("All = %q, %v; want the one session", all, err)
	}
}

func TestNewUniversalUsesSCSPrefix(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	for name, s := range map[string]*RedisStore{"New": New(c), "NewUniversal": NewUniversal(c)} {
		tok := storetest.Token(t)
		key := "scs:session:" + tok
		t.Cleanup(func() { c.Del(ctx, key) })
		if err := s.Commit(tok, []byte("payload"), time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Get(ctx, key).Result(); err != nil || got != "payload" {
			t.Fatalf("%s: GET %s = %q, %v; want the bare payload", name, key, got, err)
		}
	}
}

// TestFindReadsSCSLayout writes a session the way SCS v2's redis stores do
// (SET, then PEXPIREAT in Unix milliseconds) and reads it back.
func TestFindReadsSCSLayout(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	s := New(c)
	tok := storetest.Token(t)
	key := "scs:session:" + tok
	t.Cleanup(func() { c.Del(ctx, key) })

	payload := []byte("\x00gob payload written by SCS v2\xff")
	if err := c.Do(ctx, "SET", key, payload).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "PEXPIREAT", key, time.Now().Add(time.Minute).UnixNano()/int64(time.Millisecond)).Err(); err != nil {
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
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	tok := storetest.Token(t)
	want := time.Hour + 337*time.Millisecond
	if err := s.Commit(tok, []byte("x"), time.Now().Add(want)); err != nil {
		t.Fatal(err)
	}
	got, err := c.PTTL(context.Background(), s.prefix+tok).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got > want || got < want-200*time.Millisecond {
		t.Fatalf("PTTL = %v, want within 200ms below %v", got, want)
	}
}

func TestCommitPastExpiryRemovesKey(t *testing.T) {
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(tok, []byte("y"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(context.Background(), s.prefix+tok).Result(); n != 0 {
		t.Fatal("the key is still there after a commit with a past expiry")
	}
}

// TestAllEscapesPrefix checks that glob characters in a prefix match only
// themselves: the store with prefix "...a*" must not list the sessions of the
// store with prefix "...ab".
func TestAllEscapesPrefix(t *testing.T) {
	c := testClient(t)
	base := testPrefix(t, c)
	star := NewWithPrefix(c, base+"a*[?]\\")
	other := NewWithPrefix(c, base+"ab")
	mine, theirs := storetest.Token(t), storetest.Token(t)
	if err := star.Commit(mine, []byte("mine"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(theirs, []byte("theirs"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Del(context.Background(), star.prefix+mine) })
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
	c := testClient(t)
	ctx := context.Background()
	s := NewWithPrefix(c, testPrefix(t, c))
	const n = 2500
	expiry := time.Now().Add(time.Minute)
	want := make(map[string]string, n)
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < n; i++ {
			tok := storetest.Token(t)
			want[tok] = fmt.Sprint(i)
			p.SetArgs(ctx, s.prefix+tok, want[tok], redis.SetArgs{ExpireAt: expiry})
		}
		return nil
	})
	if err != nil {
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
	// Nothing listens on port 1.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { c.Close() })
	s := New(c)
	for name, err := range map[string]error{
		"Find":   func() error { _, _, err := s.Find("x"); return err }(),
		"Commit": s.Commit("x", nil, time.Now().Add(time.Minute)),
		"Delete": s.Delete("x"),
		"All":    func() error { _, err := s.All(); return err }(),
	} {
		var opErr interface{ Timeout() bool }
		if err == nil || !strings.HasPrefix(err.Error(), "goredisstore: ") || !errors.As(err, &opErr) {
			t.Errorf("%s error = %v, want one starting with \"goredisstore: \" and wrapping the network error", name, err)
		}
	}
}

var benchPayload = bytes.Repeat([]byte("s"), 1024)

func benchStore(b *testing.B) *RedisStore {
	c := testClient(b)
	return NewWithPrefix(c, testPrefix(b, c))
}

func BenchmarkFind(b *testing.B) {
	s := benchStore(b)
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
	s := benchStore(b)
	tok := storetest.Token(b)
	expiry := time.Now().Add(time.Hour)
	for b.Loop() {
		if err := s.Commit(tok, benchPayload, expiry); err != nil {
			b.Fatal(err)
		}
	}
}
