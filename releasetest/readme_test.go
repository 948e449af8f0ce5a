package releasetest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeBlocks returns the fenced code blocks of the given language in the
// section of the README whose heading is heading ("## Install").
func readmeBlocks(t *testing.T, heading, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	s = s[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatalf("README.md's section %q has no %s block", heading, lang)
	}
	return blocks
}

// repoRoot is the checkout this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestReadmeInstallAndQuickStart runs the README's install commands for
// today (a replace to a checkout in ../scs) exactly as printed, in a new
// module beside a link to this checkout, with the quick start as its
// main.go, and builds it: a newcomer's first commands work.
func TestReadmeInstallAndQuickStart(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(repoRoot(t), filepath.Join(dir, "scs")); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(dir, "myapp")
	write(t, filepath.Join(app, "go.mod"), []byte("module example.com/myapp\n\ngo 1.23\n"))
	quick := readmeBlocks(t, "## Quick start", "go")[0]
	write(t, filepath.Join(app, "main.go"), []byte(quick))
	// The install lines name postgresstore as the example of a store: the
	// app imports it too, so that its replace line is exercised.
	write(t, filepath.Join(app, "store.go"), []byte(`package main

import (
	"database/sql"

	"github.com/seed3bbca6c1/scs/postgresstore"
)

func init() { sessionManager2 = postgresstore.New((*sql.DB)(nil)) }

var sessionManager2 any
`))

	install := readmeBlocks(t, "## Install", "sh")[0]
	for _, line := range strings.Split(strings.TrimSpace(install), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		runIn(t, app, "sh", "-c", line)
	}
	runIn(t, app, "go", "vet", ".")
	runIn(t, app, "go", "build", "-o", os.DevNull, ".")
}

func runIn(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestReadmeTwoCommands runs the README's first command, the example
// server, exactly as printed from the checkout's root, and then its curl
// commands exactly as printed, and checks that the second answers with the
// message the first stored.
func TestReadmeTwoCommands(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(readmeBlocks(t, "## The two commands", "sh")[0]), "\n")
	if len(lines) != 3 || lines[0] != "go run ./examples/basic" {
		t.Fatalf("the README's first block is not the example server and two curl commands:\n%s", strings.Join(lines, "\n"))
	}
	if c, err := net.DialTimeout("tcp", "localhost:4000", time.Second); err == nil {
		c.Close()
		t.Fatal("something already listens on localhost:4000, where the README's example server listens")
	}
	server := exec.Command("sh", "-c", "exec "+lines[0])
	server.Dir = repoRoot(t)
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	server.Stdout, server.Stderr = &out, &out
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-server.Process.Pid, syscall.SIGKILL) // go run and the program it started
		server.Wait()
	}()
	deadline := time.Now().Add(2 * time.Minute) // go run may compile first
	for {
		c, err := net.DialTimeout("tcp", "localhost:4000", time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the example server did not listen on localhost:4000:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	dir := t.TempDir() // where the cookie jar cj goes
	var last string
	for _, line := range lines[1:] {
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = dir
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, b)
		}
		last = string(b)
	}
	if !strings.Contains(last, "Hello from a session!") || !strings.Contains(last, "200 OK") {
		t.Errorf("the last command answered:\n%s", last)
	}
}
