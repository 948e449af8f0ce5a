// Package gorillaguide keeps the Go code of docs/migrating-from-gorilla.md
// compiling: each code block of the guide is the marked region of one of
// the programs in the folders beside this file, which go vet and go test
// build, and TestGuideMatchesThePrograms checks that the two are the same
// text.
package gorillaguide

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed3bbca6c1/scs/internal/doccheck"
)

// guide is the guide whose code blocks the programs hold.
const guide = "../../docs/migrating-from-gorilla.md"

// programs holds one program per ```go block of the guide, in the guide's
// order.
var programs = []string{"before", "after", "cookie", "everywhere", "bridge"}

func TestGuideMatchesThePrograms(t *testing.T) {
	md, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	blocks := doccheck.Blocks(string(md))
	if len(blocks) != len(programs) {
		t.Errorf("%s has %d go code blocks, and there are %d programs (%v): give each block a program, in the guide's order", guide, len(blocks), len(programs), programs)
	}
	for i, p := range programs {
		file := filepath.Join(p, "main.go")
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		region, ok := markedRegion(string(src))
		if !ok {
			t.Errorf("%s has no region between \"// guide:begin\" and \"// guide:end\"", file)
			continue
		}
		if i >= len(blocks) {
			continue
		}
		if blocks[i] != region {
			t.Errorf("go block %d of %s differs from the marked region of %s; make them the same text (the program is the one that compiles):\n%s",
				i+1, guide, file, firstDifference(blocks[i], region))
		}
	}
}

// markedRegion returns the lines of src between the line "// guide:begin"
// and the line "// guide:end", without blank lines just before the end
// marker (gofmt wants one after a function).
func markedRegion(src string) (string, bool) {
	_, rest, ok := strings.Cut(src, "// guide:begin\n")
	if !ok {
		return "", false
	}
	region, _, ok := strings.Cut(rest, "// guide:end\n")
	if !ok {
		return "", false
	}
	return strings.TrimRight(region, "\n") + "\n", true
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d", i+1) + ":\n  guide:   " + x + "\n  program: " + y
		}
	}
	return "(same lines)"
}
