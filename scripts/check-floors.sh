#!/usr/bin/env bash
# Fails when a published module's floors rise without a reason.
#
# Under Go's minimal version selection every version a library's go.mod
# names is a floor for every application that uses it: when a store here
# requires pgx v5.12.0, an application that pinned v5.7.6 gets v5.12.0. So
# each published module (the core, the stores, the adapters, otelscs; lib.sh's
# `published`) names the lowest versions it needs, and this check keeps them
# from creeping up unnoticed (`go get -u`, a tidy after a new test helper,
# a bump in passing).
#
# Baseline: the go.mod files at the newest `v*` release tag, or, while
# nothing is released, at the commit recorded below (the one that set the
# floors; docs/dependency-floors.md lists them). FLOORS_BASELINE=<rev>
# overrides both.
#
# For every published module that exists at the baseline, compared with its
# go.mod in the working tree:
#   - the `go` line may not rise;
#   - no requirement (direct or indirect; this repository's own modules
#     aside) may rise.
# A rise is allowed when
#   - its line in go.mod carries a comment with "floor:" and the reason,
#     e.g. `github.com/jackc/pgx/v5 v5.9.2 // floor: GO-2026-5004`, or
#     `go 1.25.0 // floor: pgx v5.9.2 needs it`; or
#   - a line of CHANGELOG.md names the dependency's module path (or, for the
#     go line, the published module's path) and the new version; or
#   - for an indirect requirement or the go line only: a dependency forces it
#     (another module in `go mod graph` requires that version, or a module in
#     the build list has that go line), so the rise that caused it is the one
#     that needs the reason.
# A lowered floor, a new requirement and a removed one pass.
#
# Output: one line per rise without a reason, naming the module, the
# dependency and both versions; exit 1 if there is one.
#
#   scripts/check-floors.sh              # self-test, then the check
#   scripts/check-floors.sh --no-self-test
#   scripts/check-floors.sh --self-test  # only the self-test
#
# The self-test clones the repository to a temporary folder, raises a
# requirement and a go line there and checks that the check fails with the
# expected lines, and passes again once a reason is given.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
script="$root/scripts/check-floors.sh"
. "$root/scripts/lib.sh"

# The commit that set the floors (issue 17); the baseline until the first
# release tag.
baseline_commit=bce01cd20a847a96ac030e067d03842efa8f1b3f

own_prefix=github.com/seed3bbca6c1/scs

# semver_cmp A B: prints -1, 0 or 1 as Go's module versions A < B, = or >
# (vMAJOR.MINOR.PATCH[-prerelease][+build]; pseudo-versions are
# pre-releases). Go versions of the go line ("1.23", "1.25.0") are compared
# as v1.23.0 and v1.25.0.
semver_cmp() {
	local a=${1#v} b=${2#v}
	a=${a%%+*} b=${b%%+*}
	local ac=${a%%-*} bc=${b%%-*} ap="" bp=""
	[[ $a == *-* ]] && ap=${a#*-}
	[[ $b == *-* ]] && bp=${b#*-}
	local -a an bn
	IFS=. read -r -a an <<<"$ac"
	IFS=. read -r -a bn <<<"$bc"
	local i x y
	for i in 0 1 2; do
		x=${an[i]:-0} y=${bn[i]:-0}
		if ((10#$x < 10#$y)); then echo -1; return; fi
		if ((10#$x > 10#$y)); then echo 1; return; fi
	done
	if [ "$ap" = "$bp" ]; then echo 0; return; fi
	if [ -z "$ap" ]; then echo 1; return; fi
	if [ -z "$bp" ]; then echo -1; return; fi
	local -a ai bi
	IFS=. read -r -a ai <<<"$ap"
	IFS=. read -r -a bi <<<"$bp"
	for ((i = 0; ; i++)); do
		if ((i >= ${#ai[@]} && i >= ${#bi[@]})); then echo 0; return; fi
		if ((i >= ${#ai[@]})); then echo -1; return; fi
		if ((i >= ${#bi[@]})); then echo 1; return; fi
		x=${ai[i]} y=${bi[i]}
		[ "$x" = "$y" ] && continue
		if [[ $x =~ ^[0-9]+$ && $y =~ ^[0-9]+$ ]]; then
			if ((10#$x < 10#$y)); then echo -1; else echo 1; fi
			return
		fi
		if [[ $x =~ ^[0-9]+$ ]]; then echo -1; return; fi
		if [[ $y =~ ^[0-9]+$ ]]; then echo 1; return; fi
		if [[ $x < $y ]]; then echo -1; else echo 1; fi
		return
	done
}

# parse_gomod: reads a go.mod on stdin; prints "module PATH", "go VERSION"
# and "req PATH VERSION indirect|direct" lines.
parse_gomod() {
	awk '
	function strip(s) { sub(/\/\/.*/, "", s); gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	{ line = $0; ind = (line ~ /\/\/[ \t]*indirect/) ? "indirect" : "direct"; s = strip(line) }
	s ~ /^module[ \t]/ { split(s, f, /[ \t]+/); print "module", f[2]; next }
	s ~ /^go[ \t]/ { split(s, f, /[ \t]+/); print "go", f[2]; next }
	inreq && s == ")" { inreq = 0; next }
	inreq && s != "" { split(s, f, /[ \t]+/); print "req", f[1], f[2], ind; next }
	s ~ /^require[ \t]*\($/ { inreq = 1; next }
	s ~ /^require[ \t]/ { split(s, f, /[ \t]+/); print "req", f[2], f[3], ind; next }
	'
}

# has_floor_comment GOMOD WORD VERSION: true when a line of GOMOD holds WORD
# and VERSION and a "floor:" comment.
has_floor_comment() {
	awk -v w="$2" -v v="$3" '
	{ n = split($0, f, /[ \t]+/); hw = 0; hv = 0
	  for (i = 1; i <= n; i++) { if (f[i] == w) hw = 1; if (f[i] == v) hv = 1 }
	  if (hw && hv && $0 ~ /\/\/.*floor:/) found = 1 }
	END { exit !found }' "$1"
}

# in_changelog ROOT WORD VERSION: true when a line of CHANGELOG.md names WORD
# (a module path) and VERSION.
in_changelog() {
	[ -f "$1/CHANGELOG.md" ] || return 1
	awk -v w="$2" -v v="$3" '
	function has(line, x,   i) {
		i = index(line, x)
		while (i > 0) {
			pre = (i == 1) ? "" : substr(line, i - 1, 1)
			post = substr(line, i + length(x), 1)
			if (pre !~ /[A-Za-z0-9._\/-]/ && post !~ /[A-Za-z0-9_\/-]/ && !(post == "." && substr(line, i + length(x) + 1, 1) ~ /[0-9]/)) return 1
			line = substr(line, i + length(x)); i = index(line, x)
		}
		return 0
	}
	has($0, w) && has($0, v) { found = 1 } END { exit !found }' "$1/CHANGELOG.md"
}

# check ROOT BASELINE: the check itself, on the working tree at ROOT.
check() {
	local r=$1 base=$2 m fails=0 modpath
	for m in $(published_modules "$r"); do
		local cur old
		cur=$(parse_gomod <"$r/$m/go.mod")
		old=$(git -C "$r" show "$base:${m#./}/go.mod" 2>/dev/null | parse_gomod) || old=""
		[ -n "$old" ] || continue # new since the baseline: its floors are new
		modpath=$(awk '$1 == "module" {print $2}' <<<"$cur")
		local graph="" buildgo=""

		# The go line.
		local og ng
		og=$(awk '$1 == "go" {print $2}' <<<"$old")
		ng=$(awk '$1 == "go" {print $2}' <<<"$cur")
		if [ -n "$og" ] && [ -n "$ng" ] && [ "$(semver_cmp "$og" "$ng")" = -1 ]; then
			if ! has_floor_comment "$r/$m/go.mod" go "$ng" && ! in_changelog "$r" "$modpath" "go $ng" && ! in_changelog "$r" "$modpath" "$ng"; then
				buildgo=$(cd "$r/$m" && GOTOOLCHAIN=local go list -m -f '{{if not .Main}}{{.GoVersion}}{{end}}' all 2>/dev/null | sed '/^$/d' | sort -V | tail -1 || true)
				if [ -z "$buildgo" ] || [ "$(semver_cmp "$buildgo" "$ng")" = -1 ]; then
					echo "check-floors: $m: go line rose from $og to $ng since $base without a reason (add \"// floor: <why>\" to the go line or name $modpath and go $ng in CHANGELOG.md)"
					fails=$((fails + 1))
				fi
			fi
		fi

		# The requirements.
		local kind path ver ind ov
		while read -r kind path ver ind; do
			[ "$kind" = req ] || continue
			[[ $path == "$own_prefix" || $path == "$own_prefix"/* ]] && continue
			ov=$(awk -v p="$path" '$1 == "req" && $2 == p {print $3}' <<<"$old")
			[ -n "$ov" ] || continue
			[ "$(semver_cmp "$ov" "$ver")" = -1 ] || continue
			has_floor_comment "$r/$m/go.mod" "$path" "$ver" && continue
			in_changelog "$r" "$path" "$ver" && continue
			if [ "$ind" = indirect ]; then
				if [ -z "$graph" ]; then
					graph=$(cd "$r/$m" && GOTOOLCHAIN=local go mod graph 2>/dev/null || echo none)
				fi
				# Forced by a dependency: some module other than this one
				# requires exactly that version.
				if awk -v me="$modpath" -v want="$path@$ver" '$1 != me && $2 == want {found = 1} END {exit !found}' <<<"$graph"; then
					continue
				fi
			fi
			echo "check-floors: $m: $path rose from $ov to $ver since $base without a reason (add \"// floor: <why>\" to its require line or name $path and $ver in CHANGELOG.md)"
			fails=$((fails + 1))
		done <<<"$cur"
	done
	[ "$fails" -eq 0 ]
}

# baseline ROOT: the newest v* tag, else the recorded commit.
baseline() {
	if [ -n "${FLOORS_BASELINE:-}" ]; then
		echo "$FLOORS_BASELINE"
		return
	fi
	local t
	t=$(git -C "$1" tag -l 'v*' --sort=-v:refname | head -1)
	if [ -n "$t" ]; then
		echo "$t"
		return
	fi
	echo "$baseline_commit"
}

# self_test: the check must fail on a raised requirement and go line in a
# clone, with the expected lines, and pass once the rise has a reason.
self_test() {
	local tmp out ok=1
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	git clone -q "$root" "$tmp/repo"
	local r=$tmp/repo m=pgxstore dep=github.com/jackc/pgx/v5
	local cur
	cur=$(awk -v p="$dep" '$1 == p {print $2}' "$r/$m/go.mod")
	if [ -z "$cur" ]; then
		echo "check-floors self-test: $m/go.mod has no $dep requirement" >&2
		return 1
	fi

	# 1. Nothing changed: passes.
	if ! out=$(check "$r" HEAD 2>&1); then
		echo "check-floors self-test: an unchanged clone fails: $out" >&2
		ok=0
	fi

	# 2. A raised requirement and go line: fails, naming both.
	sed -i "s|^\(\s*\)$dep $cur\b|\1$dep v5.999.0|; s|^go .*|go 1.99.0|" "$r/$m/go.mod"
	if out=$(check "$r" HEAD 2>&1); then
		echo "check-floors self-test: raising $dep to v5.999.0 and the go line to 1.99.0 passed" >&2
		ok=0
	fi
	if ! grep -q "^check-floors: $m: $dep rose from $cur to v5.999.0 since HEAD" <<<"$out"; then
		echo "check-floors self-test: no line for the raised $dep in: $out" >&2
		ok=0
	fi
	if ! grep -q "^check-floors: $m: go line rose from .* to 1.99.0 since HEAD" <<<"$out"; then
		echo "check-floors self-test: no line for the raised go line in: $out" >&2
		ok=0
	fi

	# 3. A reason for each: passes (a comment on the requirement, the go
	# line named in CHANGELOG.md).
	sed -i "s|^\(\s*\)$dep v5.999.0.*|\1$dep v5.999.0 // floor: self-test|" "$r/$m/go.mod"
	echo "- self-test: github.com/seed3bbca6c1/scs/$m needs go 1.99.0." >>"$r/CHANGELOG.md"
	if ! out=$(check "$r" HEAD 2>&1); then
		echo "check-floors self-test: rises with a reason still fail: $out" >&2
		ok=0
	fi

	# 4. The comment gone, CHANGELOG.md naming the dependency: passes; naming
	# another version: fails.
	sed -i "s|^\(\s*\)$dep v5.999.0.*|\1$dep v5.999.0|" "$r/$m/go.mod"
	echo "- self-test: $dep v5.999.0 for a fix." >>"$r/CHANGELOG.md"
	if ! out=$(check "$r" HEAD 2>&1); then
		echo "check-floors self-test: a rise named in CHANGELOG.md still fails: $out" >&2
		ok=0
	fi
	sed -i "s|$dep v5.999.0 for a fix|$dep v5.998.0 for a fix|" "$r/CHANGELOG.md"
	if out=$(check "$r" HEAD 2>&1); then
		echo "check-floors self-test: a CHANGELOG.md line with another version let the rise pass" >&2
		ok=0
	fi

	# 5. Version order: a pseudo-version sorts before its release.
	if [ "$(semver_cmp v1.25.7-0.20240204074919-46816ad31dde v1.25.7)" != -1 ] ||
		[ "$(semver_cmp v1.10.0 v1.9.9)" != 1 ] || [ "$(semver_cmp 1.23 1.23.0)" != 0 ] ||
		[ "$(semver_cmp v1.0.0-rc.1 v1.0.0-rc.2)" != -1 ]; then
		echo "check-floors self-test: semver_cmp orders versions wrongly" >&2
		ok=0
	fi
	[ $ok -eq 1 ]
}

case ${1:-} in
--self-test)
	self_test && echo "check-floors: self-test passed"
	exit
	;;
--no-self-test) ;;
"")
	self_test
	echo "check-floors: self-test passed"
	;;
*)
	echo "usage: $0 [--self-test|--no-self-test]" >&2
	exit 2
	;;
esac

base=$(baseline "$root")
if ! git -C "$root" rev-parse -q --verify "$base^{commit}" >/dev/null; then
	echo "check-floors: baseline $base is not in this clone (a shallow clone?); fetch it or set FLOORS_BASELINE" >&2
	exit 1
fi
if check "$root" "$base"; then
	echo "check-floors: no floor rose since $base"
else
	exit 1
fi
