#!/usr/bin/env bash
# swap-scs.sh: try an application's own tests against this checkout instead of
# SCS v2, without touching the application.
#
#   scripts/swap-scs.sh [-run REGEX] [go test flags...] APP_DIR
#
# APP_DIR is the folder of the application's go.mod. The script copies the
# application twice into a temporary folder (APP_DIR itself is never
# modified; when APP_DIR is inside a git work tree, the whole work tree is
# copied, without .git, so relative replace directives keep working) and
#
#   1. runs `go test -json ./...` in the first copy, with SCS v2 as the
#      application has it;
#   2. in the second copy rewrites every import of github.com/alexedwards/scs/v2
#      (and /v2/memstore) and github.com/alexedwards/scs/<store> to
#      github.com/seed3bbca6c1/scs[/<store>] in the Go files and go.mod, adds a
#      replace directive to this checkout for the core and for each store the
#      application uses, runs `go mod tidy` (and `go mod vendor` when the
#      application vendors), and runs the same tests again.
#
# It prints each run's counts ("N passed, N failed, N skipped, N build
# failures", subtests included; a build failure is a package that failed
# without any test result: it did not build, or TestMain or init failed), the
# tests whose outcome differs with their output from both runs, and what the
# swap changed in go.mod's requirements (versions raised by `go mod tidy`,
# the go and toolchain lines). Each test that differs is run once more in
# both copies, and its line says whether the difference came back ("again on
# a rerun") or not ("flaky?"); SWAP_SCS_RERUN=0 skips that.
#
# Every argument before APP_DIR goes to `go test` as it is (-run, -v, -race,
# -timeout, -tags, -p ...); -count=1 is added first, so results are never
# cached. Environment variables (database addresses and the like) reach the
# tests as they are. The temporary folder is removed when the outcomes are
# identical and kept (its path printed) otherwise, or always with
# SWAP_SCS_KEEP=1.
#
# Exit status: 0 when both runs have identical outcomes, 1 when they differ
# or the swapped copy could not be prepared, 2 on a usage error.
set -euo pipefail

# The whole script is one block, read before it runs: editing the file (a
# git checkout, say) while a long test run is under way cannot change it.
{
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

if [ $# -eq 0 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
	usage
	[ $# -eq 0 ] && exit 2 || exit 0
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
core=github.com/seed3bbca6c1/scs
app=${!#}
flags=("${@:1:$#-1}")

if [ ! -f "$app/go.mod" ]; then
	echo "swap-scs: $app has no go.mod (give the folder of the application's go.mod, last)" >&2
	exit 2
fi
app=$(cd "$app" && pwd)
if [ "$app" = "$root" ] || [[ "$app" == "$root"/* ]]; then
	echo "swap-scs: $app is inside this checkout; give a copy of the application outside it" >&2
	exit 2
fi
if ! grep -q 'github.com/alexedwards/scs/' "$app/go.mod"; then
	echo "swap-scs: $app/go.mod requires no github.com/alexedwards/scs module" >&2
	exit 2
fi

# The tree to copy: the git work tree around APP_DIR, or APP_DIR itself.
top=$app
if gtop=$(git -C "$app" rev-parse --show-toplevel 2>/dev/null) && [ -n "$gtop" ]; then
	top=$(cd "$gtop" && pwd)
fi
sub=${app#"$top"}
sub=${sub#/}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/swap-scs.XXXXXX")
keep=${SWAP_SCS_KEEP:-}
cleanup() {
	if [ -z "$keep" ]; then
		# The module cache's files are read-only; go test leaves none here, but
		# a copy may hold read-only files of its own.
		chmod -R u+w "$tmp" 2>/dev/null || true
		rm -rf "$tmp"
	else
		echo "swap-scs: logs and copies kept in $tmp"
	fi
}
trap cleanup EXIT

# The report tool: reads go test -json streams and go mod edit -json output.
# Built from source here so the script needs nothing but Go.
mkdir -p "$tmp/tool"
cat >"$tmp/tool/go.mod" <<'EOF'
module swapscsreport

go 1.21
EOF
cat >"$tmp/tool/main.go" <<'EOF'
// Command swapscsreport reads the logs of swap-scs.sh.
//
//	swapscsreport count RUN.json
//	swapscsreport diff V2.json SWAPPED.json
//	swapscsreport mod BEFORE.json AFTER.json
//	swapscsreport imports NEWPATH FILE...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strconv"
	"strings"
)

type event struct {
	Action      string
	Package     string
	ImportPath  string
	Test        string
	Output      string
	FailedBuild string
}

type run struct {
	outcome map[string]string   // test or package key -> pass, fail, skip, build failed
	output  map[string][]string // key -> its output lines
	pkgs    map[string]bool     // the packages that ran
	passed, failed, skipped, broken int
	events  int
}

// pkgKey is the key of a package's own outcome, when it failed without any
// failed test: a build failure, a failing TestMain, a panic in init.
func pkgKey(pkg string) string { return pkg + " [package]" }

func read(path string) *run {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	r := &run{outcome: map[string]string{}, output: map[string][]string{}, pkgs: map[string]bool{}}
	pkgFailed := map[string]bool{}
	pkgBuildFailed := map[string]string{} // package -> the import path that failed
	buildOutput := map[string][]string{}  // import path -> compiler output
	pkgHasFailedTest := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var e event
		if json.Unmarshal(line, &e) != nil {
			continue
		}
		r.events++
		switch {
		case e.Action == "build-output":
			// ImportPath is the package that failed to build, maybe a
			// dependency, maybe "pkg [pkg.test]".
			buildOutput[e.ImportPath] = append(buildOutput[e.ImportPath], strings.TrimRight(e.Output, "\n"))
			continue
		case e.Action == "build-fail":
			continue
		}
		if e.Package == "" {
			continue
		}
		r.pkgs[e.Package] = true
		if e.Test == "" {
			k := pkgKey(e.Package)
			switch e.Action {
			case "output":
				r.output[k] = append(r.output[k], strings.TrimRight(e.Output, "\n"))
			case "fail":
				pkgFailed[e.Package] = true
				if e.FailedBuild != "" {
					pkgBuildFailed[e.Package] = e.FailedBuild
				}
			}
			continue
		}
		k := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			r.output[k] = append(r.output[k], strings.TrimRight(e.Output, "\n"))
		case "pass", "fail", "skip":
			r.outcome[k] = e.Action
			if e.Action == "fail" {
				pkgHasFailedTest[e.Package] = true
			}
		}
	}
	for _, o := range r.outcome {
		switch o {
		case "pass":
			r.passed++
		case "fail":
			r.failed++
		case "skip":
			r.skipped++
		}
	}
	for pkg := range pkgFailed {
		failedBuild, built := pkgBuildFailed[pkg]
		if built || !pkgHasFailedTest[pkg] {
			r.outcome[pkgKey(pkg)] = "failed outside its tests"
			if built {
				r.outcome[pkgKey(pkg)] = "build failed"
				k := pkgKey(pkg)
				r.output[k] = append(r.output[k], buildOutput[failedBuild]...)
			}
			r.broken++
		}
	}
	return r
}

// ranAgain reports whether the rerun r ran key k: its package, and the test
// itself unless k is the package's own key.
func (r *run) ranAgain(k string) bool {
	pkg, _, _ := strings.Cut(k, " ")
	if !r.pkgs[pkg] {
		return false
	}
	_, ok := r.outcome[k]
	return ok || strings.HasSuffix(k, " [package]")
}

func (r *run) counts() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped, %d build failures", r.passed, r.failed, r.skipped, r.broken)
}

func outcome(r *run, k string) string {
	if o, ok := r.outcome[k]; ok {
		return o
	}
	if strings.HasSuffix(k, " [package]") {
		return "ok"
	}
	return "absent"
}

func printOutput(label string, lines []string) {
	const max = 40
	if len(lines) == 0 {
		return
	}
	fmt.Printf("    %s:\n", label)
	start := 0
	if len(lines) > max {
		start = len(lines) - max
		fmt.Printf("      ... (%d lines before, in the log)\n", start)
	}
	for _, l := range lines[start:] {
		fmt.Printf("      %s\n", l)
	}
}

// direction says whether version b is above or below a (semantic
// versions, pseudo-versions and go lines alike).
func direction(a, b string) string {
	if c := compareVersions(a, b); c < 0 {
		return "raised"
	} else if c > 0 {
		return "lowered"
	}
	return "changed"
}

func compareVersions(a, b string) int {
	split := func(v string) ([]int, string) {
		v = strings.TrimSuffix(strings.TrimPrefix(v, "v"), "+incompatible")
		pre := ""
		if i := strings.IndexAny(v, "-+"); i >= 0 {
			v, pre = v[:i], v[i:]
		}
		var nums []int
		for _, f := range strings.Split(v, ".") {
			n := 0
			fmt.Sscanf(f, "%d", &n)
			nums = append(nums, n)
		}
		for len(nums) < 3 {
			nums = append(nums, 0)
		}
		return nums, pre
	}
	an, ap := split(a)
	bn, bp := split(b)
	for i := 0; i < len(an) && i < len(bn); i++ {
		if an[i] != bn[i] {
			if an[i] < bn[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case ap == bp:
		return 0
	case ap == "":
		return 1
	case bp == "":
		return -1
	case ap < bp:
		return -1
	}
	return 1
}

// newImportPath maps an SCS v2 import path to this module's, or returns ok
// false: github.com/alexedwards/scs/v2[/pkg] is the core [and its package],
// github.com/alexedwards/scs/<store> a store module.
func newImportPath(core, p string) (string, bool) {
	const v2 = "github.com/alexedwards/scs/v2"
	switch {
	case p == v2:
		return core, true
	case strings.HasPrefix(p, v2+"/"):
		return core + strings.TrimPrefix(p, v2), true
	case strings.HasPrefix(p, "github.com/alexedwards/scs/"):
		return core + strings.TrimPrefix(p, "github.com/alexedwards/scs"), true
	}
	return "", false
}

// rewriteImports rewrites the SCS v2 import paths of each Go file in place,
// in its import declarations only (a string elsewhere that happens to equal
// an import path stays as it is), and prints every new import path used.
func rewriteImports(core string, files []string) {
	used := map[string]bool{}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			fmt.Fprintf(os.Stderr, "swap-scs: %s left as it is: %v\n", name, err)
			continue
		}
		out := src
		// From the last import to the first, so earlier offsets stay valid.
		for i := len(f.Imports) - 1; i >= 0; i-- {
			lit := f.Imports[i].Path
			p, err := strconv.Unquote(lit.Value)
			if err != nil {
				continue
			}
			np, ok := newImportPath(core, p)
			if !ok {
				continue
			}
			used[np] = true
			start := fset.Position(lit.Pos()).Offset
			end := start + len(lit.Value)
			out = append(append(append([]byte{}, out[:start]...), strconv.Quote(np)...), out[end:]...)
		}
		if len(out) != len(src) || string(out) != string(src) {
			if err := os.WriteFile(name, out, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
	}
	var paths []string
	for p := range used {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Println(p)
	}
}

type module struct {
	Go        string
	Toolchain string
	Require   []struct {
		Path     string
		Version  string
		Indirect bool
	}
}

func readMod(path string) module {
	var m module
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, path, err)
		os.Exit(2)
	}
	return m
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: swapscsreport count RUN.json | diff A.json B.json | mod A.json B.json")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "imports":
		rewriteImports(os.Args[2], os.Args[3:])
	case "count":
		r := read(os.Args[2])
		fmt.Println(r.counts())
	case "torerun":
		// The top-level tests that differ, as "package<TAB>test", in the
		// packages that ran in both copies.
		a, b := read(os.Args[2]), read(os.Args[3])
		seen := map[string]bool{}
		var lines []string
		for k := range b.outcome {
			a.outcome[k] = outcome(a, k)
		}
		for k := range a.outcome {
			pkg, test, isTest := strings.Cut(k, " ")
			if !isTest || outcome(a, k) == outcome(b, k) {
				continue
			}
			top, _, _ := strings.Cut(test, "/")
			switch {
			case strings.HasSuffix(k, " [package]"):
				// A package that failed outside its tests in one run
				// (a panic, TestMain) runs again as a whole; one that
				// did not build would not build again.
				if outcome(a, k) == "build failed" || outcome(b, k) == "build failed" {
					continue
				}
				top = ""
			case outcome(a, k) == "absent" || outcome(b, k) == "absent":
				if outcome(a, pkgKey(pkg)) != "ok" || outcome(b, pkgKey(pkg)) != "ok" {
					continue // covered by its package
				}
			}
			if l := pkg + "\t" + top; !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}
	case "diff":
		a, b := read(os.Args[2]), read(os.Args[3])
		var ra, rb *run
		if len(os.Args) > 5 {
			ra, rb = read(os.Args[4]), read(os.Args[5])
		}
		keys := map[string]bool{}
		for k := range a.outcome {
			keys[k] = true
		}
		for k := range b.outcome {
			keys[k] = true
		}
		var differ []string
		for k := range keys {
			if outcome(a, k) != outcome(b, k) {
				differ = append(differ, k)
			}
		}
		sort.Strings(differ)
		if len(differ) == 0 {
			fmt.Println("outcomes: identical")
			return
		}
		fmt.Printf("outcomes: %d differ (scs v2 -> swapped)\n", len(differ))
		// Tests that did not run because their package failed as a whole
		// are counted under the package, not listed one by one.
		notRun := map[string]int{}
		var shown []string
		for _, k := range differ {
			pkg, _, isTest := strings.Cut(k, " ")
			if isTest && !strings.HasSuffix(k, " [package]") && outcome(b, k) == "absent" && outcome(b, pkgKey(pkg)) != "ok" {
				notRun[pkg]++
				continue
			}
			shown = append(shown, k)
		}
		for _, k := range shown {
			line := fmt.Sprintf("  %s: %s -> %s", k, outcome(a, k), outcome(b, k))
			if pkg := strings.TrimSuffix(k, " [package]"); pkg != k && notRun[pkg] > 0 {
				line += fmt.Sprintf(" (%d of its tests did not run)", notRun[pkg])
			}
			if ra != nil && ra.ranAgain(k) {
				if oa, ob := outcome(ra, k), outcome(rb, k); oa == outcome(a, k) && ob == outcome(b, k) {
					line += " (again on a rerun)"
				} else {
					line += fmt.Sprintf(" (not on a rerun: %s -> %s; flaky?)", oa, ob)
				}
			}
			fmt.Println(line)
		}
		const maxShown = 15
		fmt.Println()
		fmt.Println("output of the tests that differ:")
		for i, k := range shown {
			if i == maxShown {
				fmt.Printf("  ... and %d more, in the logs\n", len(shown)-maxShown)
				break
			}
			fmt.Printf("  %s\n", k)
			if o := outcome(a, k); o != "pass" && o != "ok" {
				printOutput("scs v2", a.output[k])
			}
			printOutput("swapped", b.output[k])
		}
		os.Exit(1)
	case "mod":
		a, b := readMod(os.Args[2]), readMod(os.Args[3])
		var lines []string
		if a.Go != b.Go {
			lines = append(lines, fmt.Sprintf("go %s -> %s (%s)", a.Go, b.Go, direction("v"+a.Go, "v"+b.Go)))
		}
		if a.Toolchain != b.Toolchain {
			lines = append(lines, fmt.Sprintf("toolchain %q -> %q", a.Toolchain, b.Toolchain))
		}
		before := map[string]string{}
		for _, r := range a.Require {
			before[r.Path] = r.Version
		}
		after := map[string]string{}
		for _, r := range b.Require {
			after[r.Path] = r.Version
		}
		var changed, added, removed []string
		for p, v := range after {
			old, ok := before[p]
			switch {
			case !ok:
				added = append(added, fmt.Sprintf("added   %s %s", p, v))
			case old != v:
				changed = append(changed, fmt.Sprintf("%-7s %s %s -> %s", direction(old, v), p, old, v))
			}
		}
		for p, v := range before {
			if _, ok := after[p]; !ok {
				removed = append(removed, fmt.Sprintf("removed %s %s", p, v))
			}
		}
		sort.Strings(changed)
		sort.Strings(added)
		sort.Strings(removed)
		lines = append(lines, changed...)
		lines = append(lines, added...)
		lines = append(lines, removed...)
		if len(lines) == 0 {
			fmt.Println("  (none)")
		}
		for _, l := range lines {
			fmt.Println("  " + l)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
}
EOF
report=$tmp/swapscsreport
(cd "$tmp/tool" && GOFLAGS= GOWORK=off go build -o "$report" .)

# copy DEST: the tree around the application, without .git.
copy() {
	mkdir -p "$1"
	tar -C "$top" --exclude=./.git -cf - . | tar -C "$1" -xf -
}

# gotest NAME DIR: runs the application's tests in DIR, logs in $tmp/NAME.*.
gotest() {
	local status=0
	(cd "$2" && go test -json -count=1 "${flags[@]}" ./... >"$tmp/$1.json" 2>"$tmp/$1.stderr") || status=$?
	echo "$status" >"$tmp/$1.status"
	# No event at all: go test could not start (go.mod errors and the like).
	if ! grep -q '^{' "$tmp/$1.json"; then
		echo "swap-scs: go test in the $1 copy printed no result (exit $status):" >&2
		tail -n 30 "$tmp/$1.stderr" >&2
		printf '{"Action":"fail","Package":"(go test)"}\n' >>"$tmp/$1.json"
	elif [ -s "$tmp/$1.stderr" ]; then
		# Messages outside test2json's stream (downloads, vet, linker) go to stderr.
		grep -v '^go: downloading' "$tmp/$1.stderr" | tail -n 20 | sed "s/^/  [$1 stderr] /" || true
	fi
}

echo "swap-scs: $app"
echo "swap-scs: against $root"
copy "$tmp/v2"
copy "$tmp/swapped"
v2dir=$tmp/v2/$sub
swdir=$tmp/swapped/$sub

echo
echo "== running the tests with SCS v2 ..."
gotest v2 "$v2dir"
echo "scs v2:  $("$report" count "$tmp/v2.json")"

echo
echo "== swapping the imports ..."
(cd "$swdir" && go mod edit -json) >"$tmp/gomod.before.json"

# Rewrite the import paths in every Go file outside vendor/, in import
# declarations only, and note the new paths.
find "$swdir" -name vendor -prune -o -name '*.go' -type f -print0 |
	xargs -0 -r grep -lZ 'github.com/alexedwards/scs/' >"$tmp/files" || true
mapfile -t newpaths < <(xargs -0 -r "$report" imports "$core" <"$tmp/files")

# The SCS v2 modules the application requires or replaces.
mapfile -t oldmods < <(cd "$swdir" && go mod edit -json |
	grep -oE '"github\.com/alexedwards/scs/[A-Za-z0-9_./-]+"' | tr -d '"' | sort -u)

# Each new import path is the core, a package of the core (memstore), or a
# store module of this checkout; anything else has no counterpart here and
# fails the swapped build, which the counts show.
stores=()
missing=()
for p in "${newpaths[@]}"; do
	[ "$p" = "$core" ] && continue
	d=${p#"$core"/}
	d=${d%%/*}
	if [ -f "$root/$d/go.mod" ]; then
		[[ " ${stores[*]} " == *" $d "* ]] || stores+=("$d")
	elif ! compgen -G "$root/${p#"$core"/}/*.go" >/dev/null; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "swap-scs: imports with no counterpart in $root:" >&2
	printf '  %s\n' "${missing[@]}" >&2
fi

edits=()
for m in "${oldmods[@]}"; do
	edits+=("-droprequire=$m" "-dropreplace=$m")
done
edits+=("-require=$core@v0.0.0-00010101000000-000000000000" "-replace=$core=$root")
for s in "${stores[@]}"; do
	edits+=("-require=$core/$s@v0.0.0-00010101000000-000000000000" "-replace=$core/$s=$root/$s")
done
(cd "$swdir" && go mod edit "${edits[@]}")

echo "  core:   $core => $root"
for s in "${stores[@]}"; do
	echo "  store:  $core/$s => $root/$s"
done

swap_ok=1
if ! (cd "$swdir" && go mod tidy >"$tmp/tidy.log" 2>&1); then
	echo "swap-scs: go mod tidy failed in the swapped copy:" >&2
	grep -v '^go: downloading\|^go: finding' "$tmp/tidy.log" | tail -n 30 >&2
	swap_ok=0
fi
if [ "$swap_ok" = 1 ] && [ -f "$swdir/vendor/modules.txt" ]; then
	if ! (cd "$swdir" && go mod vendor >>"$tmp/tidy.log" 2>&1); then
		echo "swap-scs: go mod vendor failed in the swapped copy:" >&2
		tail -n 30 "$tmp/tidy.log" >&2
		swap_ok=0
	fi
fi
(cd "$swdir" && go mod edit -json) >"$tmp/gomod.after.json"
echo
echo "go.mod changed by the swap and go mod tidy:"
"$report" mod "$tmp/gomod.before.json" "$tmp/gomod.after.json"

echo
echo "== running the tests with $core ..."
if [ "$swap_ok" = 1 ]; then
	gotest swapped "$swdir"
else
	printf '{"Action":"fail","Package":"(go mod tidy)"}\n' >"$tmp/swapped.json"
fi
echo "swapped: $("$report" count "$tmp/swapped.json")"

echo
echo "scs v2:  $("$report" count "$tmp/v2.json")"
echo "swapped: $("$report" count "$tmp/swapped.json")"
# A test that differs is run once more in both copies (SWAP_SCS_RERUN=0
# skips this), so that a flaky test shows as one.
rerun=()
if [ "${SWAP_SCS_RERUN:-1}" != 0 ]; then
	mapfile -t again < <("$report" torerun "$tmp/v2.json" "$tmp/swapped.json")
	if [ ${#again[@]} -gt 0 ]; then
		echo
		echo "== running what differs once more in both copies ..."
		: >"$tmp/rerun.v2.json"
		: >"$tmp/rerun.swapped.json"
		for pkg in $(printf '%s\n' "${again[@]}" | cut -f1 | sort -u); do
			tests=$(printf '%s\n' "${again[@]}" | awk -F'\t' -v p="$pkg" '$1 == p { print $2 }')
			sel=(-run "^($(echo "$tests" | paste -sd'|' -))\$")
			if echo "$tests" | grep -qx ''; then
				sel=() # the whole package, as in the first run
			fi
			for c in v2 swapped; do
				d=$v2dir
				[ "$c" = swapped ] && d=$swdir
				(cd "$d" && go test -json -count=1 "${flags[@]}" "${sel[@]}" "$pkg" >>"$tmp/rerun.$c.json" 2>>"$tmp/rerun.$c.stderr") || true
			done
		done
		rerun=("$tmp/rerun.v2.json" "$tmp/rerun.swapped.json")
	fi
fi
echo
status=0
"$report" diff "$tmp/v2.json" "$tmp/swapped.json" "${rerun[@]}" || status=$?
if [ "$status" -ne 0 ]; then
	keep=1
	exit 1
fi
exit 0
}
