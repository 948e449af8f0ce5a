module github.com/seed3bbca6c1/scs/goredisstore

go 1.23

require (
	github.com/redis/go-redis/v9 v9.6.3
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

require (
	github.com/cespare/xxhash/v2 v2.2.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
)

replace github.com/seed3bbca6c1/scs => ../
