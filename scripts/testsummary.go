//go:build ignore

// Command testsummary reads the events of `go test -json` on its standard
// input and prints what a person needs from them, as scripts/test.sh runs
// it for each module:
//
//	go test -json ./... | go run scripts/testsummary.go MODULE
//
// It prints each package's closing line (ok, FAIL, no test files), the
// whole output of every test that failed (its log lines and the "--- FAIL"
// line), build errors, and the output of a package that failed outside any
// test (a panic, a timeout, TestMain); not the output of tests that passed
// or were skipped. It ends with one line, counting tests and subtests:
//
//	module MODULE: N passed, N skipped, N failed
//
// A test still running when its package ended (a panic or a timeout in
// another test stops the binary) counts as failed, and its output is
// printed. It exits 1 when it counted a failure, 0 otherwise; scripts/test.sh
// takes the verdict from go test's own exit status.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Output     string
}

// test is what the summary keeps of one test until it ends.
type test struct {
	output []string // its own output
	failed []string // the output of its failed subtests, printed after its own
}

// report is the output to print for a failed test: its own, then its failed
// subtests'.
func (t *test) report() []string {
	return append(withoutProgress(t.output), t.failed...)
}

func main() {
	module := "."
	if len(os.Args) > 1 {
		module = os.Args[1]
	}
	var passed, skipped, failed int
	running := map[string]map[string]*test{} // package -> test -> output so far
	pkgOutput := map[string][]string{}       // package -> output outside tests
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	print := func(lines []string) {
		for _, l := range lines {
			out.WriteString(l)
		}
		out.Flush()
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		line := in.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: whatever it is, show it.
			print([]string{string(line) + "\n"})
			continue
		}
		switch {
		case e.Action == "build-output":
			print([]string{e.Output})
		case e.Action == "build-fail":
			// Its output came as build-output; the package's own fail
			// event follows.
		case e.Test == "":
			switch e.Action {
			case "output":
				pkgOutput[e.Package] = append(pkgOutput[e.Package], e.Output)
			case "pass", "skip", "fail":
				// Tests that never ended: the binary stopped under them.
				for name, t := range running[e.Package] {
					failed++
					print(t.report())
					print([]string{fmt.Sprintf("--- FAIL: %s (still running when the package ended)\n", name)})
				}
				delete(running, e.Package)
				lines := pkgOutput[e.Package]
				delete(pkgOutput, e.Package)
				if e.Action == "fail" {
					print(lines) // a panic, a timeout, TestMain's output
				} else {
					print(closingLines(lines)) // "ok  pkg 1.2s", "?  pkg [no test files]"
				}
			}
		default:
			tests := running[e.Package]
			if tests == nil {
				tests = map[string]*test{}
				running[e.Package] = tests
			}
			t := tests[e.Test]
			if t == nil {
				t = &test{}
				tests[e.Test] = t
			}
			switch e.Action {
			case "output":
				t.output = append(t.output, e.Output)
			case "pass":
				passed++
				delete(tests, e.Test)
			case "skip":
				skipped++
				delete(tests, e.Test)
			case "fail":
				failed++
				delete(tests, e.Test)
				// A subtest's report goes after its parent's own output,
				// as go test prints them; a test's, at once.
				if i := strings.LastIndex(e.Test, "/"); i > 0 && tests[e.Test[:i]] != nil {
					parent := tests[e.Test[:i]]
					parent.failed = append(parent.failed, t.report()...)
				} else {
					print(t.report())
				}
			}
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(out, "testsummary: reading go test -json: %v\n", err)
		failed++
	}
	for pkg, lines := range pkgOutput { // a package with no closing event
		print(lines)
		delete(pkgOutput, pkg)
	}
	fmt.Fprintf(out, "module %s: %d passed, %d skipped, %d failed\n", module, passed, skipped, failed)
	out.Flush()
	if failed > 0 {
		os.Exit(1)
	}
}

// closingLines keeps the lines of a package's own output that go test
// prints without -v: its "ok" or "?" line, and any line that is not the
// bare PASS and not coverage noise.
func closingLines(lines []string) []string {
	var keep []string
	for _, l := range lines {
		switch strings.TrimSpace(l) {
		case "PASS", "testing: warning: no tests to run":
			continue
		}
		keep = append(keep, l)
	}
	return keep
}

// withoutProgress drops the "=== RUN", "=== PAUSE", "=== CONT" and
// "=== NAME" lines that -json adds to a test's output, which go test
// without -v does not print.
func withoutProgress(lines []string) []string {
	var keep []string
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") {
			continue
		}
		keep = append(keep, l)
	}
	return keep
}
