// Package enginetest starts database servers of a test's own (Redis,
// PostgreSQL) on private loopback ports, so that tests can kill, freeze and
// restart them without disturbing the shared test servers that
// scripts/services.sh runs. The faults module and the stores' StoreTimeout
// tests use it.
package enginetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/internal/testenv"
)

// Engine is a database server a test started on a private loopback port,
// with its data in a temporary directory, so that it can be killed,
// frozen and restarted without disturbing the shared test servers. Make one
// with NewRedis or NewPostgres, then Start it.
type Engine struct {
	t    *testing.T
	name string
	args []string            // the command line that starts the server
	cred *syscall.Credential // run as this user (PostgreSQL refuses root); nil: as is
	dir  string              // the working and data directory
	port int
	cmd  *exec.Cmd // the running server; nil when stopped
	done chan struct{}
}

// need returns the path of the engine's program p (a name on the PATH or
// a path), which the environment variable env can change; when it is not
// there the test fails in CI and is skipped elsewhere with a message
// naming env.
func need(t *testing.T, env, p string) string {
	t.Helper()
	if path, err := exec.LookPath(p); err == nil {
		return path
	}
	msg := fmt.Sprintf("%s (%s) is not installed: scripts/services.sh installs it, or set %s", env, p, env)
	if testenv.InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pgBin returns the newest installed PostgreSQL's bin directory, or a
// directory that does not exist.
func pgBin() string {
	if d := os.Getenv("SCS_FAULTS_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	if len(dirs) == 0 {
		return "/usr/lib/postgresql/15/bin"
	}
	return dirs[len(dirs)-1]
}

// freePort returns a loopback TCP port that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tempDir returns a new directory owned by cred's user (when set), removed
// when the test ends. t.TempDir is no use: its parent is private to root.
func tempDir(t *testing.T, cred *syscall.Credential) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "scs-faults-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// nonRoot returns the credential of the "postgres" user when the test runs
// as root, as PostgreSQL will not run as root; nil otherwise.
func nonRoot(t *testing.T) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root, and PostgreSQL needs a non-root user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// command returns a command for the engine's user, in its own process
// group so that kill reaches every process of the server.
func (e *Engine) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = e.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: e.cred}
	return cmd
}

// Start starts the server and registers its kill for the end of the test.
func (e *Engine) Start() {
	e.t.Helper()
	log, err := os.OpenFile(filepath.Join(e.dir, e.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		e.t.Fatal(err)
	}
	defer log.Close()
	cmd := e.command(e.args[0], e.args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start %s: %v", e.name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	e.cmd, e.done = cmd, done
	e.t.Cleanup(e.Kill)
}

// Kill sends SIGKILL to every process of the server (its process group,
// and descendants that left it: PostgreSQL's backends start sessions of
// their own) and waits for the server process to go.
func (e *Engine) Kill() {
	if e.cmd == nil {
		return
	}
	e.signal(syscall.SIGKILL)
	<-e.done
	e.cmd = nil
}

// signal sends sig to the server's process group and to every descendant
// of the server process.
func (e *Engine) signal(sig syscall.Signal) {
	syscall.Kill(-e.cmd.Process.Pid, sig)
	for _, pid := range descendants(e.cmd.Process.Pid) {
		syscall.Kill(pid, sig)
	}
}

// descendants returns the processes below pid, read from /proc.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, en := range entries {
		p, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", en.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after
		// its closing parenthesis.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// LogTail returns the end of the server's log, for failure messages.
func (e *Engine) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, e.name+".log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// WaitReady calls ready until it succeeds, for at most limit, and returns
// the time it first did; it fails the test when it never does.
func (e *Engine) WaitReady(limit time.Duration, ready func() error) time.Time {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := ready()
		if err == nil {
			return time.Now()
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not ready after %v: %v\n%s", e.name, limit, err, e.LogTail())
		}
		time.Sleep(20 * time.Millisecond) // polling a server that is starting
	}
}

// NewRedis returns a stopped Redis server on a private port that writes
// every change to its append-only file before answering (appendfsync
// always), in a temporary directory; args are more redis-server options.
// The program is redis-server from the PATH, or SCS_FAULTS_REDIS_SERVER.
func NewRedis(t *testing.T, args ...string) *Engine {
	bin := os.Getenv("SCS_FAULTS_REDIS_SERVER")
	if bin == "" {
		bin = "redis-server"
	}
	bin = need(t, "SCS_FAULTS_REDIS_SERVER", bin)
	e := &Engine{t: t, name: "redis", dir: tempDir(t, nil), port: freePort(t)}
	e.args = []string{bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(e.port),
		"--dir", e.dir, "--save", "",
		"--appendonly", "yes", "--appendfsync", "always",
		"--daemonize", "no",
	}
	e.args = append(e.args, args...)
	return e
}

// NewPostgres returns a stopped PostgreSQL server on a private port with
// its default durability settings (fsync on, synchronous_commit on), on a
// data directory freshly made by initdb. As root it runs as the user
// "postgres".
func NewPostgres(t *testing.T) *Engine {
	bin := pgBin()
	initdb := need(t, "SCS_FAULTS_PG_BIN", filepath.Join(bin, "initdb"))
	postgres := need(t, "SCS_FAULTS_PG_BIN", filepath.Join(bin, "postgres"))
	cred := nonRoot(t)
	e := &Engine{t: t, name: "postgres", cred: cred, dir: tempDir(t, cred), port: freePort(t)}
	data := filepath.Join(e.dir, "data")
	init := e.command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C")
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	e.args = []string{postgres, "-D", data,
		"-p", strconv.Itoa(e.port), "-c", "listen_addresses=127.0.0.1",
		"-k", e.dir, // its Unix socket
	}
	return e
}

// Name is the engine's name: "redis" or "postgres".
func (e *Engine) Name() string { return e.name }

// Port is the server's loopback port.
func (e *Engine) Port() int { return e.port }

// Addr is the server's host:port on loopback.
func (e *Engine) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(e.port)) }

// Dir is the server's working and data directory.
func (e *Engine) Dir() string { return e.dir }

// Freeze stops every process of the server with SIGSTOP, as a hung engine
// would be: connections stay open and nothing answers. Thaw undoes it; the
// end of the test does too.
func (e *Engine) Freeze() {
	e.t.Helper()
	e.signal(syscall.SIGSTOP)
	e.t.Cleanup(e.Thaw)
}

// Thaw resumes a frozen server with SIGCONT.
func (e *Engine) Thaw() {
	if e.cmd != nil {
		e.signal(syscall.SIGCONT)
	}
}
