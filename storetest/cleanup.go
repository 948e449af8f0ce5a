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

// testCleanup checks that the cleanup goroutine really removes expired
// entries from the engine, leaves live ones, and that StopCleanup ends it.
func (s Suite) testCleanup(t *testing.T) {
	if s.NewWithCleanup == nil {
		t.Skip("no cleanup goroutine: the store relies on the engine's own expiry")
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
		t.Skip("no cleanup goroutine: the store relies on the engine's own expiry")
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
