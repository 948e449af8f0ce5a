// Package bench compares this library with SCS v2 and gorilla/sessions on
// the request path, in the same run: see scripts/bench.sh, which runs the
// benchmarks with enough -count for benchstat and prints a summary table.
//
// The store round trips (StoreFind, StoreCommit) put each store next to
// its driver alone issuing the one command the store needs, the floor a
// store can reach; IdleRead counts the store writes of read-only requests
// with an idle timeout. Two programs measure what a benchmark cannot:
// cmd/memclean, memstore at a million sessions during a cleanup pass, and
// cmd/httpload, both libraries under concurrent load through real
// loopback HTTP.
package bench
