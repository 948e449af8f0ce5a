// Package bench compares this library with SCS v2 and gorilla/sessions on
// the request path, in the same run: see scripts/bench.sh, which runs the
// benchmarks with enough -count for benchstat and prints a summary table.
package bench
