// Package memusers measures memstore's index of user sessions at scale:
// how long AddUserSession waits while a cleanup pass (DeleteExpired) runs
// over a million indexed users. It holds only a benchmark, outside the
// bench package so that scripts/bench.sh, which compares libraries, leaves
// it out:
//
//	go test -run '^$' -bench UserIndexCleanup -benchtime 3x ./memusers
package memusers
