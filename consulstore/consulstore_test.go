package consulstore

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

const (
	addrEnv     = "SCS_CONSUL_TEST_ADDR"
	defaultAddr = "127.0.0.1:8500"

	// maxPayload is the largest session data Consul takes with its default
	// kv_max_value_size of 512 KiB, which holds the 8-byte expiry too.
	maxPayload = 512<<10 - headerLen
)

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, addrEnv, defaultAddr, testenv.Dial))
}

// newClient returns a client of the test agent, skipping (or, in CI,
// failing) the test when none answers.
func newClient(t testing.TB) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = testenv.Server(t, addrEnv, defaultAddr, testenv.Dial)
	client, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// testPrefix returns a key prefix of the test's own and deletes every key
// under it when the test ends.
func testPrefix(t testing.TB, client *api.Client) string {
	t.Helper()
	return kvtest.Prefix(t, func(prefix string) error {
		_, err := client.KV().DeleteTree(prefix, nil)
		return err
	})
}

func newStore(t testing.TB, interval time.Duration) *ConsulStore {
	t.Helper()
	client := newClient(t)
	s := NewWithOptions(client, interval, testPrefix(t, client))
	t.Cleanup(s.StopCleanup)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store { return newStore(t, 0) },
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			return newStore(t, interval)
		},
		Stored: func(t *testing.T, st scs.Store, token string) bool {
			s := st.(*ConsulStore)
			pair, _, err := s.kv.Get(s.prefix+token, nil)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			return pair != nil
		},
		MaxPayload: maxPayload,
	}.Run(t)
}

// TestSCSLayout checks that New keeps sessions in SCS v2's layout: key
// "scs:session:<token>", value the 8-byte big-endian Unix nanoseconds expiry,
// then the data.
func TestSCSLayout(t *testing.T) {
	client := newClient(t)
	s := New(client)
	t.Cleanup(s.StopCleanup)
	storetest.ExpiryPrefixLayout(
		func(t *testing.T, token string, value []byte) {
			if _, err := client.KV().Put(&api.KVPair{Key: "scs:session:" + token, Value: value}, nil); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T, token string) []byte {
			pair, _, err := client.KV().Get("scs:session:"+token, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pair == nil {
				return nil
			}
			return pair.Value
		},
	).Run(t, s)
}

// TestMalformedValueIsNotFound checks that a value too short to hold an
// expiry is neither found, listed nor deleted by the cleanup.
func TestMalformedValueIsNotFound(t *testing.T) {
	s := newStore(t, 0)
	token := storetest.Token(t)
	if _, err := s.kv.Put(&api.KVPair{Key: s.prefix + token, Value: []byte("short")}, nil); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(token); err != nil || found {
		t.Errorf("Find = %q, %v, %v; want not found", b, found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 0 {
		t.Errorf("All = %v, %v; want no sessions", all, err)
	}
	if err := s.deleteExpiredAt(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if pair, _, err := s.kv.Get(s.prefix+token, nil); err != nil || pair == nil {
		t.Errorf("the cleanup deleted a value that is not a session (%v)", err)
	}
}

// TestLongerPrefixIsNotOurs checks that a store ignores the sessions of a
// store whose prefix starts with its own.
func TestLongerPrefixIsNotOurs(t *testing.T) {
	client := newClient(t)
	prefix := testPrefix(t, client)
	outer := NewWithOptions(client, 0, prefix)
	inner := NewWithOptions(client, 0, prefix+"admin:")

	mine, theirs := storetest.Token(t), storetest.Token(t)
	if err := outer.Commit(mine, []byte("outer"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := inner.Commit(theirs, []byte("inner"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	all, err := outer.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || string(all[mine]) != "outer" {
		t.Errorf("All = %q; want only %s", all, mine)
	}
	if err := outer.deleteExpiredAt(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if pair, _, err := client.KV().Get(inner.prefix+theirs, nil); err != nil || pair == nil {
		t.Errorf("the outer store's cleanup deleted the inner store's key (%v)", err)
	}
}

// TestCleanupBatches checks that the cleanup deletes more expired sessions
// than fit in one transaction, and keeps the live ones.
func TestCleanupBatches(t *testing.T) {
	s := newStore(t, 0)
	now := time.Now()
	const n = deleteBatch*2 + 3
	for i := 0; i < n; i++ {
		if err := s.Commit(storetest.Token(t), []byte("x"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteExpiredAt(context.Background(), now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	keys, _, err := s.kv.Keys(s.prefix, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != s.prefix+live {
		t.Errorf("keys left after cleanup = %q; want only the live session", keys)
	}
}

// TestCleanupKeepsRecommittedSession checks that a session committed again
// after the cleanup listed it as expired is not deleted, and that the rest of
// its batch still is.
func TestCleanupKeepsRecommittedSession(t *testing.T) {
	s := newStore(t, 0)
	ctx := context.Background()
	stale, recommitted := storetest.Token(t), storetest.Token(t)
	for _, token := range []string{stale, recommitted} {
		if err := s.Commit(token, []byte("old"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	pairs, _, err := s.kv.List(s.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ops api.TxnOps
	for _, p := range pairs {
		ops = append(ops, &api.TxnOp{KV: &api.KVTxnOp{Verb: api.KVDeleteCAS, Key: p.Key, Index: p.ModifyIndex}})
	}
	// The session is used again between the listing and the delete.
	if err := s.Commit(recommitted, []byte("new"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteBatch(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(recommitted); err != nil || !found || string(b) != "new" {
		t.Errorf("Find(recommitted) = %q, %v, %v; want %q", b, found, err, "new")
	}
	if pair, _, err := s.kv.Get(s.prefix+stale, nil); err != nil || pair != nil {
		t.Errorf("the stale session is still stored (%v)", err)
	}
}

// TestOversizedPayload checks that data over Consul's value limit gives an
// error and stores nothing.
func TestOversizedPayload(t *testing.T) {
	s := newStore(t, 0)
	token := storetest.Token(t)
	if err := s.Commit(token, make([]byte, maxPayload+1), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("Commit of data over Consul's 512 KiB value limit returned no error")
	}
	if _, found, err := s.Find(token); err != nil || found {
		t.Errorf("Find = %v, %v; want not found", found, err)
	}
}

func BenchmarkFind(b *testing.B) { kvtest.BenchmarkFind(b, newStore(b, 0), make([]byte, 512)) }

func BenchmarkCommit(b *testing.B) { kvtest.BenchmarkCommit(b, newStore(b, 0), make([]byte, 512)) }

// TestOversizedSessionKeepsOldOne checks through HTTP requests that a
// session over Consul's value limit is refused before writing, with
// scs.ErrPayloadTooLarge, and the session saved before stays intact.
func TestOversizedSessionKeepsOldOne(t *testing.T) {
	storetest.OversizedSession(t, newStore(t, 0), maxPayload)
}
