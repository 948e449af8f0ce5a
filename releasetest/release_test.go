package releasetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	// core is the core module's path; the stores are core + "/" + folder.
	core = "github.com/seed3bbca6c1/scs"
)

// version is the version the tests release their clones at. The clones carry
// no tags of the repository, so any version is free there; it is unique to
// this run because the consumer's module cache (consumerModCache) is kept
// between runs, possibly concurrent ones, and must never serve a module of an
// earlier run's clone.
var version = fmt.Sprintf("v0.99.0-releasetest.%d", time.Now().UnixNano())

// stores is the folder of every published store module.
var stores = []string{
	"badgerstore", "boltstore", "bunstore", "buntdbstore", "cockroachdbstore",
	"consulstore", "etcdstore", "firestore", "goredisstore", "gormstore",
	"leveldbstore", "mongodbstore", "mssqlstore", "mysqlstore", "pgxstore",
	"postgresstore", "redisstore", "sqlite3store",
}

// adapters is the folder of every published framework adapter module: they
// are released and tagged with the stores, but the consumer program leaves
// them out, to keep Echo's and Gin's builds out of this test.
var adapters = []string{"echoscs", "echov5scs", "ginscs"}

// others is the folder of every other published module, neither a store
// nor a framework adapter: released and tagged with the stores, and left
// out of the consumer program like the adapters, to keep OpenTelemetry's
// build out of this test.
var others = []string{"otelscs"}

// published is the folder of every module release.sh tags besides the core.
var published = slices.Concat(stores, adapters, others)

// unpublished is the folder of every module release.sh must leave alone.
var unpublished = []string{"bench", "compat", "releasetest", "faults", "examples/chi", "examples/webapp", "badgerstore/migratev1"}

// goEnv is the go command's environment of the user running the tests. The
// tests give git a home of their own, so the go command gets these
// explicitly instead of deriving them from HOME.
var goEnv = map[string]string{}

func TestMain(m *testing.M) {
	out, err := exec.Command("go", "env", "-json", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN").Output()
	if err == nil {
		err = json.Unmarshal(out, &goEnv)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "releasetest: go env: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// sandbox is a clone of the repository's HEAD in a temporary folder, with a
// home folder of its own for git.
type sandbox struct {
	t     *testing.T
	tmp   string // the temporary folder that holds everything
	clone string // the clone
	home  string // HOME: git identity only
}

// newSandbox clones the committed HEAD of the checkout the test runs in,
// without its tags, onto a branch named main.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	for _, tool := range []string{"git", "go", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v", tool, err)
		}
	}
	tmp := t.TempDir()
	s := &sandbox{t: t, tmp: tmp, clone: filepath.Join(tmp, "scs"), home: filepath.Join(tmp, "home")}
	s.gitConfig(s.home, "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSpace(s.run(wd, s.env(), "git", "rev-parse", "--show-toplevel"))
	s.run(tmp, s.env(), "git", "init", "-q", s.clone)
	s.run(s.clone, s.env(), "git", "fetch", "-q", "--no-tags", root, "HEAD")
	s.run(s.clone, s.env(), "git", "checkout", "-q", "-b", "main", "FETCH_HEAD")
	return s
}

// gitConfig writes a git configuration into home: an identity for the
// release commit and, when repo is set, the rewrite of the repository's
// public address to repo.
func (s *sandbox) gitConfig(home, repo string) {
	s.t.Helper()
	conf := "[user]\n\tname = release test\n\temail = release-test@example.com\n" +
		"[protocol \"file\"]\n\tallow = always\n"
	if repo != "" {
		conf += fmt.Sprintf("[url %q]\n\tinsteadOf = https://%s\n", repo, core)
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(conf), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// env is the environment for commands: this process's, with HOME set to
// the sandbox's home, the go command's settings carried over, and the
// modules of this repository private, so that nothing fetches them from a
// proxy. More variables (NAME=value) override.
func (s *sandbox) env(more ...string) []string {
	env := []string{"HOME=" + s.home, "GIT_CONFIG_NOSYSTEM=1", "GOPRIVATE=github.com/seed3bbca6c1", "GOWORK="}
	for k, v := range goEnv {
		env = append(env, k+"="+v)
	}
	env = append(env, more...)
	keep := os.Environ()
	keep = slices.DeleteFunc(keep, func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return strings.HasPrefix(k, "GIT_") || slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
	})
	return append(keep, env...)
}

// run runs a command in dir (relative to the clone unless absolute) and
// returns its combined output; it fails the test when the command fails.
func (s *sandbox) run(dir string, env []string, name string, args ...string) string {
	s.t.Helper()
	out, err := s.try(dir, env, name, args...)
	if err != nil {
		s.t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return out
}

// try runs a command like run and returns its error instead of failing.
func (s *sandbox) try(dir string, env []string, name string, args ...string) (string, error) {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(s.clone, dir)
	}
	// Stop a command a little before the test's deadline, so that a slow
	// one fails the test with its output instead of a timeout panic.
	ctx := context.Background()
	if d, ok := s.t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (stopped near the test's deadline; the first run compiles every store's dependencies, so it may need a longer -timeout)", err)
	}
	return out.String(), err
}

// git runs git in the clone and returns its trimmed output.
func (s *sandbox) git(args ...string) string {
	s.t.Helper()
	return strings.TrimSpace(s.run(".", s.env(), "git", args...))
}

// script is the path of a script of the clone's scripts/ folder. The tests
// run the scripts as the README says to, as programs by their path, not
// through bash, so that a script that lost its run bit fails them.
func (s *sandbox) script(name string) string {
	return filepath.Join(s.clone, "scripts", name)
}

// release runs scripts/release.sh in the clone, failing the test if it fails.
func (s *sandbox) release(v string) string {
	s.t.Helper()
	return s.run(".", s.env(), s.script("release.sh"), v)
}

func TestReleaseRefusesWithAOneLineReason(t *testing.T) {
	s := newSandbox(t)
	head := s.git("rev-parse", "HEAD")
	s.git("tag", "v0.98.0")

	cases := []struct {
		name, version, dirty, want string
	}{
		{"no v", "0.99.0", "", "malformed version"},
		{"no patch", "v0.99", "", "malformed version"},
		{"leading zero", "v0.099.0", "", "malformed version"},
		{"empty prerelease", "v0.99.0-", "", "malformed version"},
		{"major 2 without /v2", "v2.0.0", "", "major version 2"},
		{"untracked file", version, "new.txt", "uncommitted"},
		{"changed file", version, "go.mod", "uncommitted"},
		{"existing tag", "v0.98.0", "", "tag v0.98.0 already exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.dirty != "" {
				f := filepath.Join(s.clone, c.dirty)
				if err := os.WriteFile(f, []byte("// dirty\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				defer func() {
					os.Remove(filepath.Join(s.clone, "new.txt"))
					s.git("checkout", "-q", "--", ".")
				}()
			}
			out, err := s.try(".", s.env(), s.script("release.sh"), c.version)
			if err == nil {
				t.Fatalf("release.sh %s succeeded, want a refusal\n%s", c.version, out)
			}
			if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, c.want) {
				t.Errorf("release.sh %s said %q, want one line with %q", c.version, out, c.want)
			}
		})
	}
	if got := s.git("rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved from %s to %s after refusals", head, got)
	}
	if tags := s.git("tag"); tags != "v0.98.0" {
		t.Errorf("tags after refusals: %q, want only v0.98.0", tags)
	}
}

// TestReleaseThenGoGetEveryModule releases a clone and then, as a user
// outside the repository would, fetches the core and every store at the
// released version from it, builds a program that uses each and runs it.
func TestReleaseThenGoGetEveryModule(t *testing.T) {
	s := newSandbox(t)
	s.release(version)

	t.Run("commit and tags", func(t *testing.T) {
		if msg := s.git("log", "-1", "--format=%s"); msg != "release "+version {
			t.Errorf("release commit message %q, want %q", msg, "release "+version)
		}
		want := []string{version}
		for _, st := range published {
			want = append(want, st+"/"+version)
		}
		head := s.git("rev-parse", "HEAD")
		var got []string
		for _, tag := range strings.Fields(s.git("tag")) {
			got = append(got, tag)
			if c := s.git("rev-parse", tag+"^{commit}"); c != head {
				t.Errorf("tag %s is on %s, want the release commit %s", tag, c, head)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("tags %v, want %v", got, want)
		}
	})

	t.Run("requirements", func(t *testing.T) {
		for _, st := range published {
			gomod := s.git("show", "HEAD:"+st+"/go.mod")
			if !strings.Contains(gomod, core+" "+version+"\n") {
				t.Errorf("%s/go.mod does not require %s %s:\n%s", st, core, version, gomod)
			}
		}
		changed := strings.Fields(s.git("diff", "--name-only", "HEAD~1", "HEAD"))
		for _, f := range changed {
			if dir, _ := filepath.Split(f); !slices.Contains(published, strings.TrimSuffix(dir, "/")) || filepath.Base(f) != "go.mod" {
				t.Errorf("release changed %s; it may change only the go.mod of published modules", f)
			}
		}
		for _, m := range unpublished {
			if _, err := os.Stat(filepath.Join(s.clone, m, "go.mod")); err != nil {
				t.Errorf("unpublished module %s: %v", m, err)
			}
		}
	})

	t.Run("development goes on", func(t *testing.T) {
		// Every module of the clone, published or not, still has a
		// consistent module graph after the release commit, with no go.mod
		// edited by hand (the go command's "updates to go.mod needed"
		// otherwise); the modules of this repository cannot come from
		// anywhere but the clone's folders (GOPRIVATE, and no address
		// rewrite in HOME).
		mods := strings.Fields(s.run(".", s.env(), "bash", "-c", ". scripts/lib.sh && all_modules"))
		if len(mods) < 1+len(published)+len(unpublished) {
			t.Fatalf("all_modules listed %v, want the core, %v and %v", mods, published, unpublished)
		}
		for _, m := range mods {
			if out, err := s.try(m, s.env("GOFLAGS=-mod=readonly"), "go", "list", "-m", "all"); err != nil {
				t.Errorf("module %s does not load after the release: %v\n%s", m, err, tail(out))
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	consumer := filepath.Join(s.tmp, "consumer")
	home := filepath.Join(s.tmp, "consumer-home")
	s.gitConfig(home, s.clone)
	modcache := consumerModCache(t)
	env := s.env(
		"HOME="+home,
		"GOFLAGS=-mod=mod -modcacherw",
		"GOMODCACHE="+modcache,
		"GOPROXY=file://"+filepath.ToSlash(filepath.Join(goEnv["GOMODCACHE"], "cache", "download"))+","+goEnv["GOPROXY"],
		"GOWORK=off",
	)
	main, err := os.ReadFile(filepath.Join("testdata", "consumer", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(consumer, "main.go"), main)
	write(t, filepath.Join(consumer, "go.mod"), []byte("module example.com/consumer\n\ngo 1.26\n"))

	get := []string{"get", core + "@" + version}
	for _, st := range stores {
		get = append(get, core+"/"+st+"@"+version)
	}
	start := time.Now()
	s.run(consumer, env, "go", get...)
	t.Logf("go get of the core and %d stores: %v", len(stores), time.Since(start).Round(time.Millisecond))
	exe := filepath.Join(consumer, "consumer")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	// The consumer's module cache keeps its path between runs, so the
	// build cache holds the stores' dependencies (cgo's among them, whose
	// entries depend on their folder) after the first run.
	start = time.Now()
	s.run(consumer, env, "go", "build", "-o", exe, ".")
	t.Logf("go build of the consumer: %v", time.Since(start).Round(time.Millisecond))

	gomod := s.run(consumer, env, "go", "mod", "edit", "-json")
	var mod struct {
		Require []struct{ Path, Version string }
		Replace []any
	}
	if err := json.Unmarshal([]byte(gomod), &mod); err != nil {
		t.Fatal(err)
	}
	if len(mod.Replace) != 0 {
		t.Errorf("the consumer's go.mod has replace directives: %v", mod.Replace)
	}
	if b, err := os.ReadFile(filepath.Join(consumer, "go.mod")); err == nil {
		t.Logf("the consumer's go.mod:\n%s", b)
	}
	got := map[string]string{}
	for _, r := range mod.Require {
		got[r.Path] = r.Version
	}
	for _, p := range append([]string{""}, stores...) {
		path := strings.TrimSuffix(core+"/"+p, "/")
		if got[path] != version {
			t.Errorf("consumer requires %s %q, want %s", path, got[path], version)
		}
	}

	out := s.run(consumer, env, exe)
	t.Logf("the consumer's output:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, name := range append([]string{"scs"}, stores...) {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, name+": ") }) {
			t.Errorf("the consumer printed no line for %s (line %d expected); output:\n%s", name, i+1, out)
		}
	}
	if len(lines) != 1+len(stores) {
		t.Errorf("the consumer printed %d lines, want %d:\n%s", len(lines), 1+len(stores), out)
	}
}

// TestCheckReleasedCatchesABrokenInternalPackage releases a clone, then
// removes an internal package that some released stores' tests import, and
// expects scripts/check-released.sh to name those stores and no others. It
// checks four stores, two of each kind, to stay fast.
func TestCheckReleasedCatchesABrokenInternalPackage(t *testing.T) {
	s := newSandbox(t)
	s.release(version)
	s.git("rm", "-q", "-r", "internal/kvtest")
	s.git("commit", "-q", "-m", "remove internal/kvtest")

	out, err := s.try(".", s.env(), s.script("check-released.sh"), "--vet-only", "redisstore", "etcdstore", "boltstore", "buntdbstore")
	if err == nil {
		t.Fatalf("check-released.sh passed with internal/kvtest removed:\n%s", tail(out))
	}
	i := strings.LastIndex(out, "fail against this core:")
	if i < 0 {
		t.Fatalf("check-released.sh failed without naming the failing stores:\n%s", tail(out))
	}
	failing := out[i:]
	for _, st := range []string{"redisstore", "etcdstore"} {
		if !strings.Contains(failing, st) {
			t.Errorf("check-released.sh does not name %s, whose tests import internal/kvtest:\n%s", st, tail(out))
		}
	}
	for _, st := range []string{"boltstore", "buntdbstore"} {
		if strings.Contains(failing, " "+st) {
			t.Errorf("check-released.sh names %s, which imports neither internal/kvtest nor internal/sqltest (which imports it):\n%s", st, tail(out))
		}
	}
}

// consumerModCache is the consumer's module cache: not the user's, so that
// no module of a test release lands there, but one kept between runs in the
// cache folder of the test engines (lib.sh: cache_dir). Third-party modules
// come into it from the user's module cache through a file:// proxy. The
// modules of this run's release are removed from it when the test ends.
func consumerModCache(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCS_CACHE_DIR")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(base, "scs-test")
	}
	modcache := filepath.Join(dir, "releasetest-modcache")
	t.Cleanup(func() {
		for _, pattern := range []string{
			filepath.Join(modcache, "github.com", "seed3bbca6c1", "*@"+version),
			filepath.Join(modcache, "github.com", "seed3bbca6c1", "*", "*@"+version),
			filepath.Join(modcache, "cache", "download", "github.com", "seed3bbca6c1", "*", "@v", version+".*"),
			filepath.Join(modcache, "cache", "download", "github.com", "seed3bbca6c1", "*", "*", "@v", version+".*"),
		} {
			matches, _ := filepath.Glob(pattern)
			for _, m := range matches {
				if err := os.RemoveAll(m); err != nil {
					t.Errorf("removing this run's module from the consumer's module cache: %v", err)
				}
			}
		}
	})
	return modcache
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tail is the last 40 lines of out.
func tail(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}
