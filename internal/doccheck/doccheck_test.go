package doccheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }
func (r *recorder) Helper()                           {}

func TestCheckFindsDrift(t *testing.T) {
	dir := t.TempDir()
	goFile := filepath.Join(dir, "x_test.go")
	os.WriteFile(goFile, []byte("package x\n\n// doc:begin doc.md\nfunc A() {}\n// doc:end\n"), 0o644)
	for _, c := range []struct {
		md   string
		errs int
	}{
		{"text\n\n```go\nfunc A() {}\n```\n", 0},
		{"```go\nfunc A() { }\n```\n", 2},                           // changed in the document
		{"```go\nfunc A() {}\n```\n\n```go\nfunc B() {}\n```\n", 1}, // a block without a region
	} {
		os.WriteFile(filepath.Join(dir, "doc.md"), []byte(c.md), 0o644)
		r := &recorder{TB: t}
		Check(r, goFile, dir, "doc.md")
		if len(r.errs) != c.errs {
			t.Errorf("%q: %d errors %v, want %d", strings.SplitN(c.md, "\n", 2)[0], len(r.errs), r.errs, c.errs)
		}
	}
}
