#!/usr/bin/env bash
# The project's one test command: brings up the test engines, then for every
# Go module in the repo (found by its go.mod; tools/ modules only build
# engines and are left out) runs go vet, staticcheck and go test -race.
#
#   scripts/test.sh              # everything
#   scripts/test.sh boltstore .  # only these module folders
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

staticcheck_version=v0.8.2

# cgo (sqlite3store, and the SQLite dialects of gormstore and bunstore).
apt_install gcc libc6-dev
bash scripts/services.sh

gobin=$(go env GOPATH)/bin
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
	go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi

if [ $# -gt 0 ]; then
	modules=("$@")
else
	mapfile -t modules < <(find . -name go.mod -not -path './tools/*' -not -path '*/testdata/*' -printf '%h\n' | sed 's|^\./||' | sort)
fi

passed=0
failed=()
for m in "${modules[@]}"; do
	echo "=== module ${m}"
	if (cd "$m" && go vet ./... && "$gobin/staticcheck" ./... && go test -race -count=1 ./...); then
		passed=$((passed + 1))
	else
		failed+=("$m")
	fi
done

echo
[ ${#failed[@]} -eq 0 ] || echo "failed modules: ${failed[*]}"
echo "modules: ${passed} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
