// Package storetest is the conformance kit for scs session stores.
//
// A store's test calls Run (or Suite.Run for the optional checks) with a
// constructor, and the kit checks everything the scs.Store, scs.CtxStore,
// scs.IterableStore and scs.IterableCtxStore contracts promise, adapting to
// the interfaces the store implements:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) scs.Store {
//			return mystore.New(openTestDB(t))
//		})
//	}
//
// The kit also serves SessionManagers over the store through real HTTP
// servers and clients, and checks the promises scs makes for overlapping
// requests of one session: MergeContention (no lost keys and no errors with
// MergeConcurrent, across several managers) and LogoutInterleavings (a
// session destroyed or renewed by one request is not written back by
// another), when the store implements scs.UpdateStore.
//
// The kit finds every capability with scs.StoreAs, as the SessionManager
// does, so a store made by scs.WrapStore, or with an Unwrap method, is
// checked with the capabilities of the store it wraps. By default it
// requires scs.UpdateStore, without which a logout does not stick: a store
// that deliberately goes without declares it in Suite.WithoutUpdate, and
// the kit then logs what its users give up.
//
// Layout checks that a store shares its engine's data with another program
// that keeps sessions the same way, such as the SCS v2 store it replaces.
//
// The package also holds the plumbing shared by the store modules' tests:
// reading a test server's address from the environment, and failing in CI
// but skipping elsewhere when that server is absent (see Server).
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// Suite describes a store under test. Only New is required; the other fields
// switch on the checks that need to know more about the store.
type Suite struct {
	// New returns a fresh, empty store. It is called once per check; it
	// should register any clean-up (closing the engine, dropping a table)
	// with t.Cleanup.
	New func(t *testing.T) scs.Store

	// NewWithCleanup returns a fresh, empty store whose cleanup goroutine
	// deletes expired sessions every interval, or runs no goroutine when
	// interval is 0. Leave it nil for stores that rely on the engine's native
	// expiry and have no cleanup goroutine.
	NewWithCleanup func(t *testing.T, interval time.Duration) scs.Store

	// Stored reports whether the underlying engine still holds an entry for
	// token, whether or not it has expired: it must read the engine directly,
	// not call Find. Required with NewWithCleanup. Set without it (a store
	// that deletes expired entries as it goes), it lets the Cleanup check
	// see that an expired entry leaves the engine once Find has met it.
	// Without either, the kit cannot tell a store that never deletes
	// expired entries from one whose engine expires them.
	Stored func(t *testing.T, s scs.Store, token string) bool

	// MaxPayload is the largest payload the store must round-trip. Zero means
	// 1 MiB. Set it only for stores with a hard value limit (Consul's KV
	// store takes 512 KiB), and say so in the store's README: the kit then
	// also checks that a payload of MaxPayload+1 bytes is refused with an
	// error and leaves the data stored before intact, rather than being
	// truncated or half-written.
	MaxPayload int

	// SkipMergeContention, when not empty, skips MergeContention and says
	// why. It is only for test engines that stand in for the real one
	// without its atomic single-document writes (FerretDB's SQLite
	// backend for MongoDB runs an update as a read and a separate write):
	// there no CompareAndSwap can be atomic, whatever the store does. The
	// store's README must say so.
	SkipMergeContention string

	// ExpiryGrace is how long after its expiry a session may still be found.
	// Zero means none beyond a small scheduling margin. Engines that round
	// expiry up (etcd leases have whole seconds and a minimum TTL) set it.
	ExpiryGrace time.Duration

	// WithoutUpdate, when not empty, says why the store deliberately does
	// not implement scs.UpdateStore (say, a store written for SCS v2 that
	// must stay as it is). Without it, the kit fails a store that lacks
	// it, naming what its users would lose: logouts that stick, and
	// MergeConcurrent that is atomic across processes.
	WithoutUpdate string

	// ExpiryPrecision is how coarsely the engine keeps expiries: the
	// expiry FindExpiry reports may differ from the committed one by this
	// much. Zero means a millisecond. Engines that keep whole seconds
	// (Badger) set it to a second.
	ExpiryPrecision time.Duration
}

// Run runs the conformance suite against stores made by newStore, which must
// return a fresh, empty store on each call.
func Run(t *testing.T, newStore func(t *testing.T) scs.Store) {
	t.Helper()
	Suite{New: newStore}.Run(t)
}

// Run runs every check that applies to the store, each as a subtest.
func (s Suite) Run(t *testing.T) {
	t.Helper()
	if s.New == nil {
		t.Fatal("storetest: Suite.New is nil")
	}
	if s.NewWithCleanup != nil && s.Stored == nil {
		t.Fatal("storetest: Suite.NewWithCleanup needs Suite.Stored")
	}
	t.Run("Capabilities", s.testCapabilities)
	t.Run("FindMissing", s.testFindMissing)
	t.Run("CommitFind", s.testCommitFind)
	t.Run("BinaryPayloads", s.testBinaryPayloads)
	t.Run("OverMaxPayload", s.testOverMaxPayload)
	t.Run("CommitOverwrites", s.testCommitOverwrites)
	t.Run("Delete", s.testDelete)
	t.Run("DeleteMissing", s.testDeleteMissing)
	t.Run("TokenShapes", s.testTokenShapes)
	t.Run("PastExpiry", s.testPastExpiry)
	t.Run("Expiry", s.testExpiry)
	t.Run("All", s.testAll)
	t.Run("Ctx", s.testCtx)
	t.Run("CancelledCtx", s.testCancelledCtx)
	t.Run("FindExpiry", s.testFindExpiry)
	t.Run("IdleRefresh", s.testIdleRefresh)
	t.Run("CompareAndSwap", s.testCompareAndSwap)
	t.Run("UserIndex", s.testUserIndex)
	t.Run("LogoutEverywhere", s.testLogoutEverywhere)
	t.Run("Update", s.testUpdate)
	t.Run("MergeContention", func(t *testing.T) {
		if s.SkipMergeContention != "" {
			t.Skip("skipped: MergeContention, as Suite.SkipMergeContention asks: " + s.SkipMergeContention)
		}
		MergeContention(t, s.New(t))
	})
	t.Run("LogoutInterleavings", func(t *testing.T) { LogoutInterleavings(t, s.New(t)) })
	t.Run("LogoutRaces", func(t *testing.T) { LogoutRaces(t, s.New) })
	t.Run("IndexDrift", func(t *testing.T) { IndexDrift(t, s.New) })
	t.Run("Devices", func(t *testing.T) { Devices(t, s.New) })
	t.Run("Concurrent", s.testConcurrent)
	t.Run("Cleanup", s.testCleanup)
	t.Run("StopCleanup", s.testStopCleanup)
}

// Token returns a new random token of the real shape: 32 random bytes,
// base64url without padding (43 characters).
func Token(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: random token: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashedToken returns the form a token takes in the store when
// scs.SessionManager.HashTokenInStore is set: SHA-256, base64url without
// padding.
func HashedToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s Suite) testFindMissing(t *testing.T) {
	st := s.New(t)
	b, found, err := st.Find(Token(t))
	if err != nil || found || b != nil {
		t.Fatalf("Find(missing) = %q, %v, %v; want nil, false, nil", b, found, err)
	}
}

func (s Suite) testCommitFind(t *testing.T) {
	st := s.New(t)
	tok := Token(t)
	commit(t, st, tok, []byte("encoded session data"), time.Now().Add(time.Minute))
	wantFound(t, st, tok, []byte("encoded session data"))
}

func (s Suite) testBinaryPayloads(t *testing.T) {
	st := s.New(t)
	limit := s.MaxPayload
	if limit == 0 {
		limit = 1 << 20
	}
	big := make([]byte, limit)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":    {},
		"zeros":    {0, 0, 0, 0},
		"ff":       {0xff, 0xfe, 0x00, 0xff},
		"all":      allBytes(),
		"text":     []byte("plain text with ünïcode"),
		"maxBytes": big,
	}
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tok := Token(t)
		commit(t, st, tok, cases[name], time.Now().Add(time.Minute))
		t.Run(name, func(t *testing.T) { wantFound(t, st, tok, cases[name]) })
	}
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func (s Suite) testCommitOverwrites(t *testing.T) {
	st := s.New(t)
	tok := Token(t)
	commit(t, st, tok, []byte("first"), time.Now().Add(time.Minute))
	commit(t, st, tok, []byte("second, and longer"), time.Now().Add(time.Minute))
	wantFound(t, st, tok, []byte("second, and longer"))

	// The expiry is overwritten too: a long-lived session committed to
	// expire in the past is gone.
	commit(t, st, tok, []byte("third"), time.Now().Add(-time.Second))
	wantMissing(t, st, tok)
}

func (s Suite) testDelete(t *testing.T) {
	st := s.New(t)
	tok, other := Token(t), Token(t)
	commit(t, st, tok, []byte("a"), time.Now().Add(time.Minute))
	commit(t, st, other, []byte("b"), time.Now().Add(time.Minute))
	if err := st.Delete(tok); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, st, tok)
	wantFound(t, st, other, []byte("b"))
}

func (s Suite) testDeleteMissing(t *testing.T) {
	st := s.New(t)
	if err := st.Delete(Token(t)); err != nil {
		t.Fatalf("Delete(missing) = %v, want nil", err)
	}
}

func (s Suite) testTokenShapes(t *testing.T) {
	st := s.New(t)
	tokens := []string{
		Token(t),
		HashedToken(Token(t)),
		"-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
	}
	for i, tok := range tokens {
		commit(t, st, tok, []byte{byte(i)}, time.Now().Add(time.Minute))
	}
	for i, tok := range tokens {
		wantFound(t, st, tok, []byte{byte(i)})
	}
	// Tokens differing in case are different sessions.
	wantMissing(t, st, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
}

func (s Suite) testPastExpiry(t *testing.T) {
	st := s.New(t)
	tok := Token(t)
	commit(t, st, tok, []byte("stale"), time.Now().Add(-time.Hour))
	wantMissing(t, st, tok)
	if it, ok := scs.StoreAs[scs.IterableStore](st); ok {
		all, err := it.All()
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if _, ok := all[tok]; ok {
			t.Fatal("All returned a session whose expiry was in the past")
		}
	}
}

func (s Suite) testExpiry(t *testing.T) {
	st := s.New(t)
	short, long := Token(t), Token(t)
	ttl := 1500 * time.Millisecond
	commit(t, st, short, []byte("short"), time.Now().Add(ttl))
	commit(t, st, long, []byte("long"), time.Now().Add(time.Hour))
	wantFound(t, st, short, []byte("short"))

	time.Sleep(ttl + s.ExpiryGrace + 100*time.Millisecond)
	wantMissing(t, st, short)
	wantFound(t, st, long, []byte("long"))
	if it, ok := scs.StoreAs[scs.IterableStore](st); ok {
		all, err := it.All()
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if _, ok := all[short]; ok {
			t.Fatal("All returned an expired session")
		}
		if !bytes.Equal(all[long], []byte("long")) {
			t.Fatalf("All()[live] = %q, want %q", all[long], "long")
		}
	}
}

func (s Suite) testAll(t *testing.T) {
	st := s.New(t)
	it, ok := scs.StoreAs[scs.IterableStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.IterableStore, so it has no All to check (PastExpiry and Expiry check that Find hides expired sessions)", st)
	}
	all, err := it.All()
	if err != nil {
		t.Fatalf("All on an empty store: %v", err)
	}
	if all == nil || len(all) != 0 {
		t.Fatalf("All on an empty store = %#v, want an empty non-nil map", all)
	}

	want := map[string][]byte{}
	for i := 0; i < 5; i++ {
		tok := Token(t)
		want[tok] = []byte(fmt.Sprintf("session %d", i))
		commit(t, st, tok, want[tok], time.Now().Add(time.Minute))
	}
	gone := Token(t)
	commit(t, st, gone, []byte("deleted"), time.Now().Add(time.Minute))
	if err := st.Delete(gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	commit(t, st, Token(t), []byte("expired"), time.Now().Add(-time.Minute))

	all, err = it.All()
	if err != nil {
		t.Fatalf("All: %v", err)
	}
	wantMap(t, "All", all, want)

	if ct, ok := scs.StoreAs[scs.IterableCtxStore](st); ok {
		all, err := ct.AllCtx(context.Background())
		if err != nil {
			t.Fatalf("AllCtx: %v", err)
		}
		wantMap(t, "AllCtx", all, want)
	}
}

func wantMap(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s returned %d sessions, want %d", what, len(got), len(want))
	}
	for tok, b := range want {
		if g, ok := got[tok]; !ok || !bytes.Equal(g, b) {
			t.Errorf("%s()[%s] = %q, %v; want %q", what, tok, g, ok, b)
		}
	}
}

func (s Suite) testCtx(t *testing.T) {
	st := s.New(t)
	cs, ok := scs.StoreAs[scs.CtxStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.CtxStore, so it has no FindCtx, CommitCtx and DeleteCtx to check (the manager calls Find, Commit and Delete without a context)", st)
	}
	ctx := context.Background()
	tok := Token(t)
	if err := cs.CommitCtx(ctx, tok, []byte("ctx"), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("CommitCtx: %v", err)
	}
	b, found, err := cs.FindCtx(ctx, tok)
	if err != nil || !found || !bytes.Equal(b, []byte("ctx")) {
		t.Fatalf("FindCtx = %q, %v, %v; want %q, true, nil", b, found, err, "ctx")
	}
	// The plain and Ctx forms see the same data.
	wantFound(t, st, tok, []byte("ctx"))
	if err := cs.DeleteCtx(ctx, tok); err != nil {
		t.Fatalf("DeleteCtx: %v", err)
	}
	if _, found, err := cs.FindCtx(ctx, tok); err != nil || found {
		t.Fatalf("FindCtx after DeleteCtx = %v, %v; want false, nil", found, err)
	}
	if err := cs.DeleteCtx(ctx, tok); err != nil {
		t.Fatalf("DeleteCtx(missing) = %v, want nil", err)
	}
	if _, found, err := cs.FindCtx(ctx, Token(t)); err != nil || found {
		t.Fatalf("FindCtx(missing) = %v, %v; want false, nil", found, err)
	}
}

func (s Suite) testCancelledCtx(t *testing.T) {
	st := s.New(t)
	cs, ok := scs.StoreAs[scs.CtxStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.CtxStore, so it has no context-taking methods whose cancellation the kit could check", st)
	}
	tok := Token(t)
	commit(t, st, tok, []byte("kept"), time.Now().Add(time.Minute))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := cs.FindCtx(ctx, tok); err == nil {
		t.Error("FindCtx with a cancelled context returned no error")
	}
	if err := cs.CommitCtx(ctx, tok, []byte("overwritten"), time.Now().Add(time.Minute)); err == nil {
		t.Error("CommitCtx with a cancelled context returned no error")
	}
	if err := cs.DeleteCtx(ctx, tok); err == nil {
		t.Error("DeleteCtx with a cancelled context returned no error")
	}
	if it, ok := scs.StoreAs[scs.IterableCtxStore](st); ok {
		if _, err := it.AllCtx(ctx); err == nil {
			t.Error("AllCtx with a cancelled context returned no error")
		}
	}
	// Nothing a cancelled call was asked to do happened.
	wantFound(t, st, tok, []byte("kept"))
}

// testFindExpiry checks the optional scs.ExpiryStore:
// the data and the expiry it was committed with (to the millisecond, or
// ExpiryGrace), and not found for missing, deleted and expired sessions.
func (s Suite) testFindExpiry(t *testing.T) {
	st := s.New(t)
	es, ok := scs.StoreAs[scs.ExpiryStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.ExpiryStore, so it has no FindExpiry to check", st)
	}
	find := func(tok string) ([]byte, time.Time, bool, error) { return es.FindExpiry(context.Background(), tok) }
	tok, gone, stale := Token(t), Token(t), Token(t)
	expiry := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	commit(t, st, tok, []byte("with expiry"), expiry)
	commit(t, st, gone, []byte("deleted"), expiry)
	commit(t, st, stale, []byte("expired"), time.Now().Add(-time.Minute))
	if err := st.Delete(gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	b, got, found, err := find(tok)
	if err != nil || !found || !bytes.Equal(b, []byte("with expiry")) {
		t.Fatalf("FindExpiry = %q, %v, %v; want the data", b, found, err)
	}
	slack := s.ExpiryGrace + max(s.ExpiryPrecision, time.Millisecond)
	if d := got.Sub(expiry); d < -slack || d > slack {
		t.Errorf("FindExpiry expiry = %v, committed %v", got, expiry)
	}
	for _, missing := range []string{Token(t), gone, stale} {
		if b, _, found, err := find(missing); err != nil || found {
			t.Errorf("FindExpiry(missing, deleted or expired) = %q, %v, %v", b, found, err)
		}
	}
}

// testCompareAndSwap checks scs.UpdateStore's CompareAndSwap: it swaps
// only when the stored data is the old data given, never for missing or
// expired sessions, and honours a cancelled context.
func (s Suite) testCompareAndSwap(t *testing.T) {
	st := s.New(t)
	cs, ok := scs.StoreAs[scs.UpdateStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.UpdateStore, so it has no CompareAndSwap to check", st)
	}
	ctx := context.Background()
	tok, stale := Token(t), Token(t)
	later := time.Now().Add(time.Hour)
	commit(t, st, tok, []byte("v1"), later)
	commit(t, st, stale, []byte("v1"), time.Now().Add(-time.Minute))

	if ok, err := cs.CompareAndSwap(ctx, tok, []byte("not v1"), []byte("v2"), later); err != nil || ok {
		t.Fatalf("CompareAndSwap with the wrong old data = %v, %v; want false, nil", ok, err)
	}
	wantFound(t, st, tok, []byte("v1"))
	if ok, err := cs.CompareAndSwap(ctx, tok, []byte("v1"), []byte("v2"), later); err != nil || !ok {
		t.Fatalf("CompareAndSwap with the right old data = %v, %v; want true, nil", ok, err)
	}
	wantFound(t, st, tok, []byte("v2"))
	for _, tk := range []string{Token(t), stale} {
		if ok, err := cs.CompareAndSwap(ctx, tk, []byte("v1"), []byte("v3"), later); err != nil || ok {
			t.Errorf("CompareAndSwap of a missing or expired session = %v, %v; want false, nil", ok, err)
		}
		wantMissing(t, st, tk)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cs.CompareAndSwap(cancelled, tok, []byte("v2"), []byte("v4"), later); err == nil {
		t.Error("CompareAndSwap with a cancelled context returned no error")
	}
	wantFound(t, st, tok, []byte("v2"))
}

func (s Suite) testConcurrent(t *testing.T) {
	st := s.New(t)
	shared := Token(t)
	commit(t, st, shared, []byte("shared"), time.Now().Add(time.Minute))

	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				errs <- concurrentRound(st, shared, w, r)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	b, found, err := st.Find(shared)
	if err != nil || !found || !bytes.HasPrefix(b, []byte("shared")) {
		t.Fatalf("Find(shared) after concurrent writes = %q, %v, %v", b, found, err)
	}
}

// concurrentRound does one round of work on a token of its own and on the
// shared token, and checks what it can: its own token holds what it wrote.
func concurrentRound(st scs.Store, shared string, w, r int) error {
	tok := randomToken()
	own := []byte(fmt.Sprintf("worker %d round %d", w, r))
	if err := st.Commit(tok, own, time.Now().Add(time.Minute)); err != nil {
		return fmt.Errorf("Commit(own): %w", err)
	}
	if err := st.Commit(shared, []byte(fmt.Sprintf("shared by %d", w)), time.Now().Add(time.Minute)); err != nil {
		return fmt.Errorf("Commit(shared): %w", err)
	}
	b, found, err := st.Find(tok)
	if err != nil || !found || !bytes.Equal(b, own) {
		return fmt.Errorf("Find(own) = %q, %v, %v; want %q", b, found, err, own)
	}
	if _, _, err := st.Find(shared); err != nil {
		return fmt.Errorf("Find(shared): %w", err)
	}
	if err := st.Delete(tok); err != nil {
		return fmt.Errorf("Delete(own): %w", err)
	}
	if _, found, err := st.Find(tok); err != nil || found {
		return fmt.Errorf("Find(own) after Delete = %v, %v; want false, nil", found, err)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func commit(t *testing.T, st scs.Store, tok string, b []byte, expiry time.Time) {
	t.Helper()
	if err := st.Commit(tok, b, expiry); err != nil {
		t.Fatalf("Commit(%s): %v", tok, err)
	}
}

func wantFound(t *testing.T, st scs.Store, tok string, want []byte) {
	t.Helper()
	b, found, err := st.Find(tok)
	if err != nil || !found {
		t.Fatalf("Find(%s) = found %v, err %v; want found", tok, found, err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("Find(%s) returned %d bytes %.40q, want %d bytes %.40q", tok, len(b), b, len(want), want)
	}
}

func wantMissing(t *testing.T, st scs.Store, tok string) {
	t.Helper()
	b, found, err := st.Find(tok)
	if err != nil || found {
		t.Fatalf("Find(%s) = %.40q, %v, %v; want not found, nil error", tok, b, found, err)
	}
}

// lostWithoutUpdate is what a store without scs.UpdateStore costs its users.
const lostWithoutUpdate = "a logout does not stick (a request in flight writes a destroyed session back, or renews it to a new token, as in SCS v2) and MergeConcurrent is not atomic across processes"

// testCapabilities fails a store that lacks scs.UpdateStore, found as the
// SessionManager finds it (scs.StoreAs), unless Suite.WithoutUpdate says
// why, and names what was lost: a wrapper that hides its store's
// capabilities fails here.
func (s Suite) testCapabilities(t *testing.T) {
	st := s.New(t)
	if _, ok := scs.StoreAs[scs.UpdateStore](st); ok {
		return
	}
	if s.WithoutUpdate != "" {
		t.Logf("%T does not implement scs.UpdateStore (%s): with it, %s", st, s.WithoutUpdate, lostWithoutUpdate)
		return
	}
	t.Errorf("%T does not implement scs.UpdateStore, and no store it unwraps to does (scs.StoreAs): with it, %s. Implement Update and CompareAndSwap; a wrapper keeps its store's capabilities when built with scs.WrapStore or given an Unwrap method; a store that must go without sets Suite.WithoutUpdate", st, lostWithoutUpdate)
}
