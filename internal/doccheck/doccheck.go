// Package doccheck keeps the Go code that the documentation shows the same
// as code that compiles: a test file marks regions of itself with
// "// doc:begin FILE" and "// doc:end" lines, and Check fails unless each
// region is a ```go block of the Markdown file FILE and each ```go block of
// that file is a region. The test file compiles with the package it is in,
// so the documented code does too.
package doccheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check compares the regions of goFile marked for mdFile with mdFile's
// ```go blocks; mdFile is the path written after "doc:begin", read relative
// to root.
func Check(t testing.TB, goFile, root, mdFile string) {
	t.Helper()
	src, err := os.ReadFile(goFile)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(root, mdFile))
	if err != nil {
		t.Fatal(err)
	}
	regions := Regions(string(src), mdFile)
	if len(regions) == 0 {
		t.Fatalf("%s marks no region for %s", goFile, mdFile)
	}
	blocks := Blocks(string(md))
	for i, r := range regions {
		if !contains(blocks, r) {
			t.Errorf("region %d of %s (it starts %q) is not a ```go block of %s: make the document's block the same text as the region, which compiles", i+1, goFile, firstLine(r), mdFile)
		}
	}
	for i, b := range blocks {
		if !contains(regions, b) {
			t.Errorf("```go block %d of %s (it starts %q) is not a region of %s: put it there, so that it compiles", i+1, mdFile, firstLine(b), goFile)
		}
	}
}

// Regions returns the regions of Go source src marked for file, in order,
// each ending in a newline.
func Regions(src, file string) []string {
	var regions []string
	rest := src
	for {
		_, after, ok := strings.Cut(rest, "\n// doc:begin "+file+"\n")
		if !ok {
			return regions
		}
		region, next, _ := strings.Cut(after, "// doc:end\n")
		regions = append(regions, strings.TrimRight(region, "\n")+"\n")
		rest = next
	}
}

// Blocks returns the contents of the ```go blocks of Markdown md, in
// order, each ending in a newline.
func Blocks(md string) []string {
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(md, "\n") {
		switch trimmed := strings.TrimRight(line, "\n"); {
		case cur == nil && trimmed == "```go":
			cur = new(strings.Builder)
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line)
		}
	}
	return blocks
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
