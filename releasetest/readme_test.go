package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
