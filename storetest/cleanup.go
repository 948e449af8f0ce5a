package storetest

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// stopper is what stores with a cleanup goroutine implement.
type stopper interface{ StopCleanup() }

// testCleanup checks that expired entries leave the engine. With
// Suite.NewWithCleanup, it checks that the cleanup goroutine really removes
// expired entries, leaves live ones, and that StopCleanup ends it. Without
// it but with Suite.Stored, it checks that the store (or the engine)
// deletes an expired entry by itself (testExpiredLeave).
func (s Suite) testCleanup(t *testing.T) {
	if s.NewWithCleanup == nil {
		if s.Stored != nil {
			s.testExpiredLeave(t)
			return
		}
		t.Skip("skipped: Suite.NewWithCleanup and Suite.Stored are both unset, so the kit cannot see whether expired entries ever leave the engine; " +
			"it checks only that Find and All hide them. Set Suite.Stored (and NewWithCleanup for a cleanup goroutine) unless the engine deletes expired entries itself (a TTL)")
	}
	st := s.NewWithCleanup(t, 200*time.Millisecond)
	stop, ok := st.(stopper)
	if !ok {
		t.Fatalf("%T has a cleanup goroutine but no StopCleanup method", st)
	}
	defer stop.StopCleanup()

	expired, live := Token(t), Token(t)
	commit(t, st, expired, []byte("expired"), time.Now().Add(300*time.Millisecond))
	commit(t, st, live, []byte("live"), time.Now().Add(time.Hour))
	if !s.Stored(t, st, expired) {
		t.Fatal("Stored reports no entry right after Commit: the Stored hook is wrong")
	}

	deadline := time.Now().Add(10 * time.Second)
	for s.Stored(t, st, expired) {
		if time.Now().After(deadline) {
			t.Fatal("the cleanup goroutine did not remove an expired entry from the engine within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !s.Stored(t, st, live) {
		t.Fatal("the cleanup goroutine removed a live entry")
	}
	wantFound(t, st, live, []byte("live"))

	pkg := storePackage(st)
	running := goroutinesCreatedBy(pkg)
	if running == 0 {
		t.Fatalf("no goroutine created by %s or the cleanup runner is running, yet expired entries were cleaned", pkg)
	}
	stop.StopCleanup()
	stop.StopCleanup() // a second call is safe
	waitGoroutines(t, pkg, running-1)
}

// testStopCleanup checks that StopCleanup is safe on a store that runs no
// cleanup goroutine, and that such a store starts none.
func (s Suite) testStopCleanup(t *testing.T) {
	if s.NewWithCleanup == nil {
		t.Skip("skipped: Suite.NewWithCleanup is unset, so the store has no cleanup goroutine whose StopCleanup the kit could check")
	}
	st := s.NewWithCleanup(t, 0)
	pkg := storePackage(st)
	before := goroutinesCreatedBy(pkg)
	commit(t, st, Token(t), []byte("x"), time.Now().Add(time.Minute))
	if _, _, err := st.Find(Token(t)); err != nil {
		t.Fatalf("Find: %v", err)
	}
	if n := goroutinesCreatedBy(pkg); n != before {
		t.Fatalf("a cleanup interval of 0 started %d goroutine(s) in %s", n-before, pkg)
	}
	stop, ok := st.(stopper)
	if !ok {
		t.Fatalf("%T has no StopCleanup method", st)
	}
	stop.StopCleanup()
	stop.StopCleanup()
}

// testExpiredLeave checks, for a store without a cleanup goroutine whose
// suite can look into the engine (Suite.Stored), that an expired entry
// leaves the engine once the store has had the chance to see it expired: a
// Find of it and a Commit of another token. A store that only hides expired
// entries from Find and All, and never deletes them, grows without bound.
func (s Suite) testExpiredLeave(t *testing.T) {
	st := s.New(t)
	stale, other := Token(t), Token(t)
	ttl := 300 * time.Millisecond
	commit(t, st, stale, []byte("stale"), time.Now().Add(ttl))
	if !s.Stored(t, st, stale) {
		t.Fatal("Stored reports no entry right after Commit: the Stored hook is wrong")
	}
	time.Sleep(ttl + s.ExpiryGrace + 100*time.Millisecond)
	wantMissing(t, st, stale)
	commit(t, st, other, []byte("live"), time.Now().Add(time.Hour))

	deadline := time.Now().Add(5*time.Second + s.ExpiryGrace)
	for s.Stored(t, st, stale) {
		if time.Now().After(deadline) {
			t.Fatal("an expired entry is still in the engine 5s after Find found it expired and another token was committed: " +
				"the store never deletes expired entries. Delete them (in Find, in Commit, or with a cleanup goroutine and Suite.NewWithCleanup)")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !s.Stored(t, st, other) {
		t.Fatal("a live entry left the engine along with the expired one")
	}
	wantFound(t, st, other, []byte("live"))
}

// storePackage returns the import path of the package that defines st's type.
func storePackage(st scs.Store) string {
	typ := reflect.TypeOf(st)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	return typ.PkgPath()
}

// runnerPackage is where the shared cleanup goroutine is started from.
const runnerPackage = "github.com/seed3bbca6c1/scs/cleanup"

// goroutinesCreatedBy counts the running goroutines started by a function in
// package pkg or by the shared cleanup.Runner, read from the runtime's stack
// dump ("created by pkg.F").
func goroutinesCreatedBy(pkg string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	dump := string(buf)
	return strings.Count(dump, "created by "+pkg+".") + strings.Count(dump, "created by "+runnerPackage+".")
}

func waitGoroutines(t *testing.T, pkg string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for goroutinesCreatedBy(pkg) > want {
		if time.Now().After(deadline) {
			t.Fatalf("the cleanup goroutine of %s still runs after StopCleanup", pkg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
