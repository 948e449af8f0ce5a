#!/usr/bin/env bash
# The project's one test command: brings up the test engines, then for every
# Go module in the repo (found by its go.mod; tools/ modules only build
# engines and are left out) runs go vet, staticcheck and go test -race. The
# releasetest module among them releases a clone of the repository and
# fetches every module from it; the last step checks the stores of the last
# release tag against the core as it is now (scripts/check-released.sh).
#
#   scripts/test.sh              # everything
#   scripts/test.sh boltstore .  # only these module folders, and only the
#                                # engines they need (lib.sh: module_services)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

staticcheck_version=v0.8.2

# cgo (sqlite3store, and the SQLite dialects of gormstore and bunstore).
apt_install gcc libc6-dev curl # curl: releasetest runs the README's commands

if [ $# -gt 0 ]; then
	modules=()
	for m in "$@"; do
		m=${m#./}
		m=${m%/}
		modules+=("${m:-.}")
	done
	mapfile -t services < <(for m in "${modules[@]}"; do module_services "$m"; done | tr ' ' '\n' | sed '/^$/d' | sort -u)
	if [ ${#services[@]} -gt 0 ]; then
		bash scripts/services.sh "${services[@]}"
	fi
else
	mapfile -t modules < <(all_modules)
	bash scripts/services.sh
fi

gobin=$(go env GOPATH)/bin
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
	go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi

# go test -json goes through scripts/testsummary.go, which prints what go
# test prints without -v (each package's ok or FAIL line, the whole output of
# failed tests, build errors, panics) and then, counting tests and subtests,
# "module M: N passed, N skipped, N failed"; the module's verdict is go
# test's own exit status (pipefail).
# -timeout 20m, not go test's 10m: releasetest's first run on a machine
# compiles every store's dependencies for its consumer program (minutes on
# two cores); later runs take seconds.
summary_dir=$(mktemp -d)
trap 'rm -rf "$summary_dir"' EXIT
go build -o "$summary_dir/testsummary" scripts/testsummary.go
passed=0
failed=()
for m in "${modules[@]}"; do
	echo "=== module ${m}"
	if (cd "$m" && go vet ./... && "$gobin/staticcheck" ./... &&
		go test -race -count=1 -timeout 20m -json ./... | "$summary_dir/testsummary" "$m"); then
		passed=$((passed + 1))
	else
		failed+=("$m")
	fi
done

if [ $# -eq 0 ]; then
	echo "=== dependency floors of the published modules"
	if bash scripts/check-floors.sh; then
		passed=$((passed + 1))
	else
		failed+=("check-floors")
	fi
fi

if [ $# -eq 0 ]; then
	echo "=== released stores against this core"
	if bash scripts/check-released.sh --skip-unchanged; then
		passed=$((passed + 1))
	else
		failed+=("check-released")
	fi
fi

echo
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "modules: ${passed} passed, ${#failed[@]} failed" # module runs, plus the check of released stores
[ ${#failed[@]} -eq 0 ]
