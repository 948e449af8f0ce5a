// Package releasetest tests the release of this repository's modules end to
// end: it releases a clone of the repository with scripts/release.sh and
// fetches the core and every store from that clone with go get, as a user
// outside the repository would. It holds no code of its own and is never
// published.
package releasetest
