package goredisstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/enginetest"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

// clusterEnv names the Redis Cluster the suite also runs against, as
// comma-separated host:port seeds; the default is the three-node cluster
// that scripts/services/35-redis-cluster.sh starts.
const (
	clusterEnv   = "SCS_REDIS_CLUSTER_TEST_ADDRS"
	clusterAddrs = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
)

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(kvtest.Redis().Main(m))
}

// testClient returns a client of the test server, closed when the test ends.
func testClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: kvtest.Redis().Addr(t)})
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a key prefix no other test uses, and deletes every key
// under it when the test ends.
func testPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	return kvtest.Prefix(t, func(prefix string) error {
		// Reuse the store's own listing to find what to delete.
		all, err := NewUniversalWithPrefix(c, prefix).All()
		if err != nil {
			return err
		}
		ctx := context.Background()
		_, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for tok := range all {
				p.Del(ctx, prefix+tok)
			}
			return nil
		})
		return err
	})
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			c := testClient(t)
			return NewWithPrefix(c, testPrefix(t, c))
		},
	}.Run(t)
}

// TestConformanceCluster runs the suite against a Redis Cluster, so that
// keys spread over several masters (All scans each of them).
func TestConformanceCluster(t *testing.T) {
	addrs := strings.Split(testenv.Server(t, clusterEnv, clusterAddrs, func(seeds string) error {
		return testenv.Dial(strings.Split(seeds, ",")[0])
	}), ",")
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
			t.Cleanup(func() { c.Close() })
			return NewUniversalWithPrefix(c, testPrefix(t, c))
		},
	}.Run(t)
}

// TestUniversalRing runs All through a Ring, which scans each shard.
func TestUniversalRing(t *testing.T) {
	addr := kvtest.Redis().Addr(t)
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

// TestSCSLayout checks that New and NewUniversal keep sessions as SCS v2's
// redis stores do: the bare data at "scs:session:<token>", written with SET,
// then PEXPIREAT in Unix milliseconds.
func TestSCSLayout(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	layout := storetest.Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			key := "scs:session:" + token
			if err := c.Do(ctx, "SET", key, data).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Do(ctx, "PEXPIREAT", key, expiry.UnixNano()/int64(time.Millisecond)).Err(); err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			key := "scs:session:" + token
			data, err := c.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return nil, time.Time{}, false
			}
			if err != nil {
				t.Fatal(err)
			}
			ms, err := c.Do(ctx, "PEXPIRETIME", key).Int64()
			if err != nil || ms < 0 {
				t.Fatalf("PEXPIRETIME %s = %d, %v; want the key's expiry", key, ms, err)
			}
			return data, time.UnixMilli(ms), true
		},
		Resolution: time.Millisecond,
	}
	t.Run("New", func(t *testing.T) { layout.Run(t, New(c)) })
	t.Run("NewUniversal", func(t *testing.T) { layout.Run(t, NewUniversal(c)) })
}

func TestPrefixesKeepStoresApart(t *testing.T) {
	c := testClient(t)
	kvtest.CheckPrefixesKeepStoresApart(t, testPrefix(t, c), func(prefix string) scs.Store {
		return NewWithPrefix(c, prefix)
	})
}

// TestAllManyBatches lists more sessions than one SCAN batch holds.
func TestAllManyBatches(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	s := NewWithPrefix(c, testPrefix(t, c))
	kvtest.CheckAllLists(t, s, 2500, func(sessions map[string][]byte, expiry time.Time) {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for tok, data := range sessions {
				p.SetArgs(ctx, s.prefix+tok, data, redis.SetArgs{ExpireAt: expiry})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestErrorsNamePackage(t *testing.T) {
	// Nothing listens on port 1.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	kvtest.CheckErrorsNamePackage(t, New(c), "goredisstore", nil, func(err error) bool {
		var opErr interface{ Timeout() bool }
		return errors.As(err, &opErr)
	})
}

var benchPayload = bytes.Repeat([]byte("s"), 1024)

func benchStore(b *testing.B) *RedisStore {
	c := testClient(b)
	return NewWithPrefix(c, testPrefix(b, c))
}

func BenchmarkFind(b *testing.B) { kvtest.BenchmarkFind(b, benchStore(b), benchPayload) }

func BenchmarkCommit(b *testing.B) { kvtest.BenchmarkCommit(b, benchStore(b), benchPayload) }

// TestFindExpiryWithoutTTL checks that a key with no time to live, which
// the store never writes, is found with a zero expiry.
func TestFindExpiryWithoutTTL(t *testing.T) {
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	tok := storetest.Token(t)
	if err := c.Set(context.Background(), s.prefix+tok, "no ttl", 0).Err(); err != nil {
		t.Fatal(err)
	}
	b, exp, found, err := s.FindExpiry(context.Background(), tok)
	if err != nil || !found || string(b) != "no ttl" || !exp.IsZero() {
		t.Fatalf("FindExpiry = %q, %v, %v, %v; want the data with a zero expiry", b, exp, found, err)
	}
}

// TestCompareAndSwapExpiry checks that CompareAndSwap sets the expiry it is
// given, and that an expiry that has passed deletes the session, as Commit
// does.
func TestCompareAndSwapExpiry(t *testing.T) {
	s := func() *RedisStore { c := testClient(t); return NewWithPrefix(c, testPrefix(t, c)) }()
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

// TestReplicaWaitWithoutReplicas runs WithReplicaWait against the test
// cluster, whose masters have no replicas: every write still reaches the
// key's master, through the cluster client's Watch, and fails with
// ErrNotReplicated after the timeout, as WAIT counts no replica.
func TestReplicaWaitWithoutReplicas(t *testing.T) {
	addrs := strings.Split(testenv.Server(t, clusterEnv, clusterAddrs, func(seeds string) error {
		return testenv.Dial(strings.Split(seeds, ",")[0])
	}), ",")
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	plain := NewUniversalWithPrefix(c, testPrefix(t, c))
	const timeout = 50 * time.Millisecond
	s := plain.WithReplicaWait(1, timeout)
	ctx := context.Background()
	later := time.Now().Add(time.Minute)
	// Tokens spread over the three masters.
	for i := 0; i < 6; i++ {
		tok := storetest.Token(t)
		start := time.Now()
		err := s.Commit(tok, []byte("v1"), later)
		if !errors.Is(err, ErrNotReplicated) {
			t.Fatalf("Commit = %v; want ErrNotReplicated", err)
		}
		if took := time.Since(start); took < timeout {
			t.Errorf("Commit failed after %v, before the WAIT timeout %v", took, timeout)
		}
		// The master has the write, as the error says.
		if b, found, err := plain.Find(tok); err != nil || !found || string(b) != "v1" {
			t.Fatalf("Find after the unreplicated Commit = %q, %v, %v; want v1 on the master", b, found, err)
		}
		if _, err := s.Update(ctx, tok, []byte("v2"), later); !errors.Is(err, ErrNotReplicated) {
			t.Errorf("Update = %v; want ErrNotReplicated", err)
		}
		if _, err := s.CompareAndSwap(ctx, tok, []byte("v2"), []byte("v3"), later); !errors.Is(err, ErrNotReplicated) {
			t.Errorf("CompareAndSwap = %v; want ErrNotReplicated", err)
		}
		if err := s.Delete(tok); !errors.Is(err, ErrNotReplicated) {
			t.Errorf("Delete = %v; want ErrNotReplicated", err)
		}
		if _, found, err := plain.Find(tok); err != nil || found {
			t.Fatalf("Find after Delete = %v, %v; want the session gone from the master", found, err)
		}
	}
	// Zero replicas is no WAIT at all: the store behaves as plain.
	if err := plain.WithReplicaWait(0, timeout).Commit(storetest.Token(t), []byte("v"), later); err != nil {
		t.Fatalf("Commit with WithReplicaWait(0) = %v", err)
	}
}

// TestReplicaWait runs the conformance kit against a private master with
// one replica, storing through WithReplicaWait(1): every write the kit
// makes must be acknowledged by the replica, and a saved session must be
// readable there at once.
func TestReplicaWait(t *testing.T) {
	master := enginetest.NewRedis(t, "--appendonly", "no")
	master.Start()
	replica := enginetest.NewRedis(t, "--appendonly", "no", "--replicaof", "127.0.0.1", strconv.Itoa(master.Port()))
	replica.Start()
	mc := redis.NewClient(&redis.Options{Addr: master.Addr()})
	t.Cleanup(func() { mc.Close() })
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr()})
	t.Cleanup(func() { rc.Close() })
	ctx := context.Background()
	replica.WaitReady(10*time.Second, func() error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return errors.New("replica not in sync")
		}
		return nil
	})

	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return NewWithPrefix(mc, testPrefix(t, mc)).WithReplicaWait(1, time.Second)
		},
	}.Run(t)

	s := New(mc).WithReplicaWait(1, time.Second)
	tok := storetest.Token(t)
	t.Cleanup(func() { mc.Del(ctx, DefaultPrefix+tok) })
	for i := 0; i < 20; i++ {
		v := []byte("v" + strconv.Itoa(i))
		if err := s.Commit(tok, v, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if b, err := rc.Get(ctx, DefaultPrefix+tok).Bytes(); err != nil || !bytes.Equal(b, v) {
			t.Fatalf("replica holds %q, %v right after Commit(%q) returned", b, err, v)
		}
	}

	// The cost, one commit at a time on loopback.
	const n = 300
	mean := func(s *RedisStore) time.Duration {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := s.Commit(tok, benchPayload, time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start) / n
	}
	t.Logf("Commit of 1 KiB, mean of %d: %v without WAIT, %v with WithReplicaWait(1, 1s)", n, mean(New(mc)), mean(s))
}
