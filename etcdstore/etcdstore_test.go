package etcdstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/seed3bbca6c1/scs"
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

// dialAll is a storetest.Server probe for a comma-separated endpoint list.
func dialAll(endpoints string) error {
	for _, ep := range strings.Split(endpoints, ",") {
		if err := storetest.Dial(ep); err != nil {
			return err
		}
	}
	return nil
}

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(storetest.Main(m, endpointsEnv, defaultEndpoints, dialAll))
}

// testClient returns a client of the test server, closed when the test ends.
func testClient(t testing.TB) *clientv3.Client {
	t.Helper()
	eps := storetest.Server(t, endpointsEnv, defaultEndpoints, dialAll)
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
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scstest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		if _, err := c.Delete(context.Background(), prefix, clientv3.WithPrefix()); err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
	})
	return prefix
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

func TestNewUsesSCSPrefix(t *testing.T) {
	c := testClient(t)
	s := New(c)
	tok := storetest.Token(t)
	key := "scs:session:" + tok
	t.Cleanup(func() { c.Delete(context.Background(), key) })

	if err := s.Commit(tok, []byte("payload"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	v, lease, ok := get(t, c, key)
	if !ok || string(v) != "payload" {
		t.Fatalf("GET %s = %q, %v; want the bare payload", key, v, ok)
	}
	if lease == 0 {
		t.Fatal("the key has no lease")
	}
}

// TestFindReadsSCSLayout writes a session the way SCS v2's etcdstore does
// (the payload, under a lease of the remaining whole seconds) and reads it
// back.
func TestFindReadsSCSLayout(t *testing.T) {
	c := testClient(t)
	ctx := context.Background()
	s := New(c)
	tok := storetest.Token(t)
	key := "scs:session:" + tok
	t.Cleanup(func() { c.Delete(ctx, key) })

	payload := []byte("\x00gob payload written by SCS v2\xff")
	lease, err := c.Grant(ctx, int64(time.Until(time.Now().Add(time.Minute)).Seconds()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, key, string(payload), clientv3.WithLease(lease.ID)); err != nil {
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

// TestCommitLeaseEndsAfterExpiry checks that the lease of a committed
// session ends at its expiry or less than two seconds later.
func TestCommitLeaseEndsAfterExpiry(t *testing.T) {
	c := testClient(t)
	s := NewWithPrefix(c, testPrefix(t, c))
	tok := storetest.Token(t)
	expiry := time.Now().Add(90*time.Second + 500*time.Millisecond)
	if err := s.Commit(tok, []byte("x"), expiry); err != nil {
		t.Fatal(err)
	}
	_, lease, ok := get(t, c, s.prefix+tok)
	if !ok || lease == 0 {
		t.Fatalf("key found %v with lease %x; want a leased key", ok, lease)
	}
	res, err := c.TimeToLive(context.Background(), lease)
	if err != nil {
		t.Fatal(err)
	}
	// TimeToLive rounds the remaining time down to whole seconds.
	end := time.Now().Add(time.Duration(res.TTL) * time.Second)
	if end.Before(expiry.Add(-time.Second)) || end.After(expiry.Add(2*time.Second)) {
		t.Fatalf("lease ends %v after the expiry; want between -1s (rounding) and 2s", end.Sub(expiry))
	}
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
	s := New(c)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	for name, err := range map[string]error{
		"Find":   func() error { _, _, err := s.FindCtx(ctx, "x"); return err }(),
		"Commit": s.CommitCtx(ctx, "x", nil, time.Now().Add(time.Minute)),
		"Delete": s.DeleteCtx(ctx, "x"),
		"All":    func() error { _, err := s.AllCtx(ctx); return err }(),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "etcdstore: ") {
			t.Errorf("%s error = %v, want one starting with \"etcdstore: \"", name, err)
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

// BenchmarkCommit commits with one expiry, so after the first commit the
// lease is reused and each commit is one put.
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
