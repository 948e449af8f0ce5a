package releasetest

import (
	"os/exec"
	"path"
	"strings"
	"testing"
)

// TestScriptsAreExecutable checks that git stores every script under
// scripts/ (services/ included) with its run bit, mode 100755: the README
// runs them by their path (scripts/release.sh v0.3.0), which a clone of a
// script stored as 100644 refuses with "Permission denied".
func TestScriptsAreExecutable(t *testing.T) {
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse --show-toplevel: %v", err)
	}
	cmd := exec.Command("git", "ls-files", "-s", "--", "scripts")
	cmd.Dir = strings.TrimSpace(string(root))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files -s scripts: %v", err)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		// "<mode> <object> <stage>\t<path>"
		meta, file, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t")
		if !ok || path.Ext(file) != ".sh" {
			continue
		}
		n++
		if mode, _, _ := strings.Cut(meta, " "); mode != "100755" {
			t.Errorf("%s has mode %s in git, want 100755: run git update-index --chmod=+x %s", file, mode, file)
		}
	}
	if n == 0 {
		t.Fatalf("git lists no script under scripts/:\n%s", out)
	}
}
