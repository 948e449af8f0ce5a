// Module releasetest holds the end-to-end test of scripts/release.sh. It is
// never published.
module github.com/seed3bbca6c1/scs/releasetest

go 1.26
