package faults

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/storetest"
)

// engine is a database server this test started on a private port, with
// its data in a temporary directory, so that it can be killed and restarted
// without disturbing the shared test servers.
type engine struct {
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
	if storetest.InCI() {
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
func (e *engine) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = e.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: e.cred}
	return cmd
}

// start starts the server and registers its kill for the end of the test.
func (e *engine) start() {
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
	e.t.Cleanup(e.kill)
}

// kill sends SIGKILL to every process of the server (kill -9 on its
// process group) and waits for the server process to go.
func (e *engine) kill() {
	if e.cmd == nil {
		return
	}
	syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.done
	e.cmd = nil
}

// logTail returns the end of the server's log, for failure messages.
func (e *engine) logTail() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, e.name+".log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// waitReady calls ready until it succeeds, for at most limit, and returns
// the time it first did; it fails the test when it never does.
func (e *engine) waitReady(limit time.Duration, ready func() error) time.Time {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := ready()
		if err == nil {
			return time.Now()
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not ready after %v: %v\n%s", e.name, limit, err, e.logTail())
		}
		time.Sleep(20 * time.Millisecond) // polling a server that is starting
	}
}

// newRedis returns a stopped Redis server on a private port that writes
// every change to its append-only file before answering (appendfsync
// always), in a temporary directory.
func newRedis(t *testing.T) *engine {
	bin := os.Getenv("SCS_FAULTS_REDIS_SERVER")
	if bin == "" {
		bin = "redis-server"
	}
	bin = need(t, "SCS_FAULTS_REDIS_SERVER", bin)
	e := &engine{t: t, name: "redis", dir: tempDir(t, nil), port: freePort(t)}
	e.args = []string{bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(e.port),
		"--dir", e.dir, "--save", "",
		"--appendonly", "yes", "--appendfsync", "always",
		"--daemonize", "no",
	}
	return e
}

// newPostgres returns a stopped PostgreSQL server on a private port with
// its default durability settings (fsync on, synchronous_commit on), on a
// data directory freshly made by initdb. As root it runs as the user
// "postgres".
func newPostgres(t *testing.T) *engine {
	bin := pgBin()
	initdb := need(t, "SCS_FAULTS_PG_BIN", filepath.Join(bin, "initdb"))
	postgres := need(t, "SCS_FAULTS_PG_BIN", filepath.Join(bin, "postgres"))
	cred := nonRoot(t)
	e := &engine{t: t, name: "postgres", cred: cred, dir: tempDir(t, cred), port: freePort(t)}
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
