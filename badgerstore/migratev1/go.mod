// This module is never published: it holds a one-off program that moves
// sessions from SCS v2's badgerstore (Badger v1) to this repository's
// badgerstore (Badger v4), and its test. It needs both Badger versions, which
// the badgerstore module itself must not require. Badger v1.6.1 is the
// version SCS v2's badgerstore requires; its bloom filter package is raised
// to bbloom's last commit, whose pointer arithmetic passes go test -race's
// checkptr (the older one that Badger v1.6.1 asks for aborts the tests).
module github.com/seed3bbca6c1/scs/badgerstore/migratev1

go 1.26

replace (
	github.com/seed3bbca6c1/scs => ../../
	github.com/seed3bbca6c1/scs/badgerstore => ../
)

require (
	github.com/alexedwards/scs/badgerstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/dgraph-io/badger v1.6.1
	github.com/dgraph-io/badger/v4 v4.9.6
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/badgerstore v0.0.0-00010101000000-000000000000
)

require (
	github.com/AndreasBriese/bbloom v0.0.0-20190825152654-46b345b51c96 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgraph-io/ristretto v0.1.1 // indirect
	github.com/dgraph-io/ristretto/v2 v2.2.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/go-logr/logr v1.4.3 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/golang/glog v0.0.0-20160126235308-23def4e6c14b // indirect
	github.com/golang/protobuf v1.5.0 // indirect
	github.com/google/flatbuffers v25.2.10+incompatible // indirect
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.41.0 // indirect
	go.opentelemetry.io/otel/metric v1.41.0 // indirect
	go.opentelemetry.io/otel/trace v1.41.0 // indirect
	golang.org/x/net v0.7.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	google.golang.org/protobuf v1.36.7 // indirect
)
