#!/usr/bin/env bash
# Compares this library with SCS v2 and gorilla/sessions on the request path.
# Runs every benchmark of the bench module COUNT times (default 10), one
# -count=1 pass at a time so that machine noise hits every library alike,
# then prints benchstat's table and a summary of medians with the ratios to
# Baseline and to SCS.
#
#   scripts/bench.sh [COUNT] [BENCH-REGEXP]
set -euo pipefail
cd "$(dirname "$0")/../bench"
count=${1:-10}
pattern=${2:-.}
out=$(mktemp)
for ((i = 1; i <= count; i++)); do
	echo "pass $i/$count" >&2
	go test -run '^$' -bench "$pattern" -benchmem -count 1 . | grep '^Benchmark' >>"$out"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version)"
echo
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$out" || true
echo
go run ./cmd/benchreport <"$out"
rm -f "$out"
