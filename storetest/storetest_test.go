package storetest_test

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// broken is a store with one deliberate fault, named by kind.
type broken struct {
	kind string
	mu   sync.Mutex
	m    map[string]entry
}

type entry struct {
	b      []byte
	expiry time.Time
}

func (s *broken) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[token]
	if !ok || (s.kind != "ignores-expiry" && !time.Now().Before(e.expiry)) {
		return nil, false, nil
	}
	if s.kind == "truncates" && len(e.b) > 1000 {
		return e.b[:1000], true, nil
	}
	return e.b, true, nil
}

func (s *broken) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[token]; ok && s.kind == "keeps-first" {
		return nil
	}
	s.m[token] = entry{append([]byte(nil), b...), expiry}
	return nil
}

func (s *broken) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind == "no-delete" {
		return nil
	}
	delete(s.m, token)
	return nil
}

func (s *broken) All() (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) == 0 && s.kind == "nil-all" {
		return nil, nil
	}
	all := map[string][]byte{}
	for k, e := range s.m {
		if s.kind == "all-expired" || time.Now().Before(e.expiry) {
			all[k] = e.b
		}
	}
	return all, nil
}

// TestBrokenStore is the child run of TestKitCatchesFaults: it runs the
// kit against the store named by STORETEST_BROKEN.
func TestBrokenStore(t *testing.T) {
	kind := os.Getenv("STORETEST_BROKEN")
	if kind == "" {
		t.Skip("run by TestKitCatchesFaults")
	}
	storetest.Suite{
		New:           func(t *testing.T) scs.Store { return &broken{kind: kind, m: map[string]entry{}} },
		WithoutUpdate: "the kit's own fault injector checks the base contract only",
	}.Run(t)
}

// TestKitCatchesFaults checks that the kit fails each faulty store in the
// check meant to catch it, and passes the faultless one.
func TestKitCatchesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the kit in child processes")
	}
	cases := map[string]string{
		"none":           "",
		"ignores-expiry": "--- FAIL: TestBrokenStore/PastExpiry",
		"truncates":      "--- FAIL: TestBrokenStore/BinaryPayloads",
		"keeps-first":    "--- FAIL: TestBrokenStore/CommitOverwrites",
		"no-delete":      "--- FAIL: TestBrokenStore/Delete",
		"nil-all":        "--- FAIL: TestBrokenStore/All",
		"all-expired":    "--- FAIL: TestBrokenStore/Expiry",
	}
	for kind, want := range cases {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			runChild(t, "TestBrokenStore", "STORETEST_BROKEN="+kind, want)
		})
	}
}

// runChild runs the test named test of this binary in a child process with
// env added to its environment, and fails unless the run fails with want in
// its output, or passes when want is empty.
func runChild(t *testing.T, test, env, want string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.CombinedOutput()
	if want == "" {
		if err != nil {
			t.Fatalf("the faultless store failed:\n%s", out)
		}
		return
	}
	if err == nil || !strings.Contains(string(out), want) {
		t.Fatalf("want %q in a failing run, got err %v:\n%s", want, err, out)
	}
}

func TestRunWithoutOptionalHooks(t *testing.T) {
	// Suite without the optional hooks skips the cleanup checks.
	storetest.Suite{New: func(t *testing.T) scs.Store {
		s := memstore.NewWithCleanupInterval(0)
		t.Cleanup(s.StopCleanup)
		return s
	}}.Run(t)
}
