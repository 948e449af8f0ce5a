// Package testenv is the test plumbing shared by this repository's modules:
// finding a test server from the environment, and failing in CI (CI=true)
// but skipping elsewhere when it does not answer. It is not part of the
// conformance kit (storetest), which a custom store's author uses.
package testenv

import (
	"flag"
	"net"
	"os"
	"testing"
	"time"
)

// InCI reports whether the tests run in CI (the CI environment variable is
// "true" or "1"), where a missing test server is a failure, not a skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// Server returns the address (a DSN, URL or host:port) of the test server
// named by the environment variable env, or def when env is unset, after
// checking with probe that the server answers. When it does not, the test
// fails in CI and is skipped elsewhere with a message naming env. A nil
// probe accepts any address.
func Server(t testing.TB, env, def string, probe func(addr string) error) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		addr = def
	}
	if probe == nil {
		return addr
	}
	if err := probe(addr); err != nil {
		if InCI() {
			t.Fatalf("test server %s (%s) does not answer: %v; scripts/services.sh starts it", env, addr, err)
		}
		t.Skipf("test server %s (%s) does not answer: %v; run scripts/services.sh or set %s", env, addr, err, env)
	}
	return addr
}

// Optional returns the value of the environment variable env, and skips the
// test when it is unset, in CI too. It is for engines that cannot run on the
// CI machine (SQL Server, CockroachDB); their READMEs say so.
func Optional(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		t.Skipf("%s is not set: no server of this kind runs here; set it to run this test against one", env)
	}
	return v
}

// Dial is a probe for Server that checks a TCP listener answers at a
// host:port address.
func Dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// Main runs the tests of a store package whose tests need a server, for use
// in TestMain:
//
//	func TestMain(m *testing.M) {
//		os.Exit(testenv.Main(m, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial))
//	}
//
// When the server named by env (or def) does not answer and the run is
// neither in CI nor narrowed with -run, only the Test functions run: they
// skip with a message naming env, while a runnable Example, which cannot
// skip, would fail.
func Main(m *testing.M, env, def string, probe func(addr string) error) int {
	flag.Parse()
	run := flag.Lookup("test.run")
	if run != nil && run.Value.String() == "" && !InCI() {
		addr := os.Getenv(env)
		if addr == "" {
			addr = def
		}
		if probe != nil && probe(addr) != nil {
			_ = run.Value.Set("^Test")
		}
	}
	return m.Run()
}
