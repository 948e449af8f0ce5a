// Package kvtest is the test plumbing the store modules share beyond the
// public kit in storetest: the Redis test server, a key prefix of each
// test's own, checks of key prefixes, listings and errors that key-value
// stores repeat, and the Find and Commit benchmarks every store runs. It uses the standard library
// only: each store's test gives it what reaches its engine as functions.
package kvtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

// Server is a test server at an address a test reads from the
// environment, as testenv.Server does.
type Server struct {
	// Env names the environment variable that holds the address, and
	// Default is the address when it is unset.
	Env, Default string

	// Probe checks that the server answers at an address.
	Probe func(addr string) error
}

// Redis is the Redis test server (SCS_REDIS_TEST_ADDR) of redisstore and
// goredisstore.
func Redis() Server {
	return Server{Env: "SCS_REDIS_TEST_ADDR", Default: "127.0.0.1:6379", Probe: testenv.Dial}
}

// Addr returns the server's address. Without a server it skips the test,
// or fails it in CI.
func (s Server) Addr(t testing.TB) string {
	t.Helper()
	return testenv.Server(t, s.Env, s.Default, s.Probe)
}

// Main is testenv.Main for the server, for a TestMain.
func (s Server) Main(m *testing.M) int {
	return testenv.Main(m, s.Env, s.Default, s.Probe)
}

// Prefix returns a key prefix no other test uses: "scstest:", 16 random hex
// digits and ":". When the test ends it calls deleteAll with the prefix to
// delete every key under it, and reports its error.
func Prefix(t testing.TB, deleteAll func(prefix string) error) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "scstest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		if err := deleteAll(prefix); err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
	})
	return prefix
}

// CheckPrefixesKeepStoresApart checks that two stores on one engine, which
// newStore makes with the prefixes base+"a*[?]\\" and base+"ab", each see
// only their own sessions, so that glob characters in a prefix match only
// themselves. It deletes the sessions it wrote when the test ends.
func CheckPrefixesKeepStoresApart(t *testing.T, base string, newStore func(prefix string) scs.Store) {
	t.Helper()
	stores := []scs.Store{newStore(base + "a*[?]\\"), newStore(base + "ab")}
	tokens := []string{storetest.Token(t), storetest.Token(t)}
	for i, s := range stores {
		commit(t, s, tokens[i], []byte(fmt.Sprint("store ", i)), time.Now().Add(time.Minute))
	}
	for i, s := range stores {
		other := tokens[1-i]
		if _, found, err := s.Find(other); err != nil || found {
			t.Errorf("store %d finds the other store's session: %v, %v; want not found", i, found, err)
		}
		it, ok := s.(scs.IterableStore)
		if !ok {
			continue
		}
		all, err := it.All()
		if err != nil {
			t.Fatalf("All of store %d: %v", i, err)
		}
		if len(all) != 1 || string(all[tokens[i]]) != fmt.Sprint("store ", i) {
			t.Errorf("All of store %d = %q, want only its own session", i, all)
		}
	}
}

// CheckAllLists checks that All on s, a store that holds no session yet,
// returns n sessions that put writes straight into the engine: n is meant
// to be more than one batch of the store's listing. put writes each session
// in sessions (token → data) to expire at expiry.
func CheckAllLists(t *testing.T, s scs.IterableStore, n int, put func(sessions map[string][]byte, expiry time.Time)) {
	t.Helper()
	want := make(map[string][]byte, n)
	for i := 0; i < n; i++ {
		want[storetest.Token(t)] = []byte(fmt.Sprint(i))
	}
	put(want, time.Now().Add(time.Minute))
	all, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("All returned %d sessions, want %d", len(all), n)
	}
	for tok, v := range want {
		if !bytes.Equal(all[tok], v) {
			t.Fatalf("All()[%s] = %q, want %q", tok, all[tok], v)
		}
	}
}

// CheckErrorsNamePackage checks that Find, Commit, Delete and All (where s
// has it) each fail on s, whose engine does not answer, with an error that
// starts with pkg+": " and, when cause is not nil, for which cause reports
// true. With a ctx that is not nil it calls their Ctx forms, which s must
// have.
func CheckErrorsNamePackage(t *testing.T, s scs.Store, pkg string, ctx context.Context, cause func(error) bool) {
	t.Helper()
	errs := map[string]error{}
	if ctx == nil {
		_, _, errs["Find"] = s.Find("x")
		errs["Commit"] = s.Commit("x", nil, time.Now().Add(time.Minute))
		errs["Delete"] = s.Delete("x")
		if it, ok := s.(scs.IterableStore); ok {
			_, errs["All"] = it.All()
		}
	} else {
		cs, ok := s.(scs.CtxStore)
		if !ok {
			t.Fatalf("%T has no Ctx methods", s)
		}
		_, _, errs["Find"] = cs.FindCtx(ctx, "x")
		errs["Commit"] = cs.CommitCtx(ctx, "x", nil, time.Now().Add(time.Minute))
		errs["Delete"] = cs.DeleteCtx(ctx, "x")
		if it, ok := s.(scs.IterableCtxStore); ok {
			_, errs["All"] = it.AllCtx(ctx)
		}
	}
	for op, err := range errs {
		if err == nil || !strings.HasPrefix(err.Error(), pkg+": ") || (cause != nil && !cause(err)) {
			t.Errorf("%s error = %v, want one starting with %q and wrapping the cause", op, err, pkg+": ")
		}
	}
}

// BenchmarkFind measures Find of a session holding data.
func BenchmarkFind(b *testing.B, s scs.Store, data []byte) {
	tok := storetest.Token(b)
	if err := s.Commit(tok, data, time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, found, err := s.Find(tok); err != nil || !found {
			b.Fatalf("Find = %v, %v", found, err)
		}
	}
}

// BenchmarkCommit measures Commit of data over an existing session, with
// the same expiry each time.
func BenchmarkCommit(b *testing.B, s scs.Store, data []byte) {
	tok := storetest.Token(b)
	expiry := time.Now().Add(time.Hour)
	for i := 0; i < b.N; i++ {
		if err := s.Commit(tok, data, expiry); err != nil {
			b.Fatal(err)
		}
	}
}

func commit(t *testing.T, s scs.Store, tok string, data []byte, expiry time.Time) {
	t.Helper()
	if err := s.Commit(tok, data, expiry); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Delete(tok); err != nil {
			t.Errorf("delete the checked session: %v", err)
		}
	})
}
