package etcdstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

const (
	endpointsEnv     = "SCS_ETCD_TEST_ENDPOINTS"
	defaultEndpoints = "127.0.0.1:2379"

	// expiryGrace is how long after its expiry a session may still be
	// found: up to a second from sharing the lease of the expiry's second,
	// up to a second from whole-second TTLs, and the time etcd takes to
	// notice an ended lease (it checks every 500ms).
	expiryGrace = 3 * time.Second
)

// dialAll is a testenv.Server probe for a comma-separated endpoint list.
func dialAll(endpoints string) error {
	for _, ep := range strings.Split(endpoints, ",") {
		if err := testenv.Dial(ep); err != nil {
			return err
		}
	}
	return nil
}

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, endpointsEnv, defaultEndpoints, dialAll))
}

// testClient returns a client of the test server, closed when the test ends.
func testClient(t testing.TB) *clientv3.Client {
	t.Helper()
	eps := testenv.Server(t, endpointsEnv, defaultEndpoints, dialAll)
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(eps, ","),
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a key prefix no other test uses, and deletes every key
// under it when the test ends.
func testPrefix(t testing.TB, c *clientv3.Client) string {
	t.Helper()
	return kvtest.Prefix(t, func(prefix string) error {
		_, err := c.Delete(context.Background(), prefix, clientv3.WithPrefix())
		return err
	})
}

// newStore returns an empty store: one with a fresh prefix.
func newStore(t testing.TB) *EtcdStore {
	c := testClient(t)
	return NewWithPrefix(c, testPrefix(t, c))
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New:         func(t *testing.T) scs.Store { return newStore(t) },
		ExpiryGrace: expiryGrace,
		// As much as etcd's default request limit allows; one byte more
		// is refused before writing.
		MaxPayload: (&EtcdStore{}).MaxPayload(),
	}.Run(t)
}

// get reads key straight from etcd.
func get(t *testing.T, c *clientv3.Client, key string) (value []byte, lease clientv3.LeaseID, ok bool) {
	t.Helper()
	res, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kvs) == 0 {
		return nil, 0, false
	}
	return res.Kvs[0].Value, clientv3.LeaseID(res.Kvs[0].Lease), true
}

// TestSCSLayout checks that New keeps sessions as SCS v2's etcdstore does:
// the bare data at "scs:session:<token>", under a lease of the remaining
// whole seconds. The lease of a committed session ends at its expiry or less
// than two seconds later (see EtcdStore), and TimeToLive rounds the time
// left down to whole seconds.
func TestSCSLayout(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	storetest.Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			ttl := int64(time.Until(expiry).Seconds())
			if ttl <= 0 {
				return // etcd grants no lease that has ended
			}
			lease, err := c.Grant(ctx, ttl)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Put(ctx, "scs:session:"+token, string(data), clientv3.WithLease(lease.ID)); err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			value, lease, ok := get(t, c, "scs:session:"+token)
			if !ok {
				return nil, time.Time{}, false
			}
			if lease == 0 {
				t.Fatal("the key has no lease")
			}
			now := time.Now()
			res, err := c.TimeToLive(ctx, lease)
			if err != nil {
				t.Fatal(err)
			}
			return value, now.Add(time.Duration(res.TTL) * time.Second), true
		},
		Resolution: time.Second,
		Slack:      2 * time.Second,
	}.Run(t, New(c))
}

// TestCommitsShareLeasePerSecond checks that sessions expiring in the same
// second share a lease, and others do not.
func TestCommitsShareLeasePerSecond(t *testing.T) {
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	base := time.Now().Add(time.Minute).Truncate(time.Second)
	expiries := []time.Time{
		base.Add(100 * time.Millisecond),
		base.Add(900 * time.Millisecond),
		base.Add(time.Second), // still the same second, rounded up
		base.Add(1100 * time.Millisecond),
	}
	leases := make([]clientv3.LeaseID, len(expiries))
	for i, exp := range expiries {
		tok := storetest.Token(t)
		if err := s.Commit(tok, []byte("x"), exp); err != nil {
			t.Fatal(err)
		}
		_, leases[i], _ = get(t, c, s.prefix+tok)
	}
	if leases[0] != leases[1] || leases[1] != leases[2] {
		t.Errorf("leases %x: sessions expiring in the same second have different leases", leases[:3])
	}
	if leases[3] == leases[2] {
		t.Errorf("sessions expiring in different seconds share lease %x", leases[3])
	}
}

// TestCommitAfterLeaseRevoked checks that a commit whose remembered lease was
// revoked meanwhile grants a new one.
func TestCommitAfterLeaseRevoked(t *testing.T) {
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	expiry := time.Now().Add(time.Minute)
	first, second := storetest.Token(t), storetest.Token(t)
	if err := s.Commit(first, []byte("first"), expiry); err != nil {
		t.Fatal(err)
	}
	_, lease, _ := get(t, c, s.prefix+first)
	if _, err := c.Revoke(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(second, []byte("second"), expiry); err != nil {
		t.Fatalf("Commit after the lease was revoked: %v", err)
	}
	b, found, err := s.Find(second)
	if err != nil || !found || string(b) != "second" {
		t.Fatalf("Find = %q, %v, %v; want %q", b, found, err, "second")
	}
	if _, found, _ := s.Find(first); found {
		t.Fatal("the session of the revoked lease is still there")
	}
}

// TestAllPages lists more sessions than one range read returns.
func TestAllPages(t *testing.T) {
	s := newStore(t)
	s.pageSize = 3
	want := map[string][]byte{}
	for i := 0; i < 10; i++ {
		tok := storetest.Token(t)
		want[tok] = []byte(fmt.Sprint(i))
		if err := s.Commit(tok, want[tok], time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// A key just past the prefix's range is not listed.
	if _, err := s.client.Put(context.Background(), s.prefix[:len(s.prefix)-1]+";", "outside"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.client.Delete(context.Background(), s.prefix[:len(s.prefix)-1]+";") })
	all, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("All returned %d sessions, want %d", len(all), len(want))
	}
	for tok, v := range want {
		if !bytes.Equal(all[tok], v) {
			t.Fatalf("All()[%s] = %q, want %q", tok, all[tok], v)
		}
	}
}

func TestErrorsNamePackage(t *testing.T) {
	// Nothing listens on port 1.
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:1"}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	kvtest.CheckErrorsNamePackage(t, New(c), "etcdstore", ctx, nil)
}

var benchPayload = bytes.Repeat([]byte("s"), 1024)

func BenchmarkFind(b *testing.B) { kvtest.BenchmarkFind(b, newStore(b), benchPayload) }

// BenchmarkCommit commits with one expiry, so after the first commit the
// lease is reused and each commit is one put.
func BenchmarkCommit(b *testing.B) { kvtest.BenchmarkCommit(b, newStore(b), benchPayload) }

// TestIdleRefreshIntervalTakesEffect checks, through HTTP requests, that the
// store reports expiries (scs.ExpiryStore), so that a read right after a
// save skips saving again.
func TestIdleRefreshIntervalTakesEffect(t *testing.T) {
	storetest.IdleRefresh(t, newStore(t))
}

// TestOversizedSessionKeepsOldOne checks through HTTP requests that a
// session over etcd's request limit is refused before writing, with
// scs.ErrPayloadTooLarge, and the session saved before stays intact.
func TestOversizedSessionKeepsOldOne(t *testing.T) {
	st := newStore(t)
	storetest.OversizedSession(t, st, st.MaxPayload())
}
