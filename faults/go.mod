module github.com/seed3bbca6c1/scs/faults

go 1.26

require (
	github.com/gomodule/redigo v1.9.3
	github.com/jackc/pgx/v5 v5.12.0
	github.com/redis/go-redis/v9 v9.6.3
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/goredisstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/pgxstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/redisstore v0.0.0-00010101000000-000000000000
)

require (
	github.com/cespare/xxhash/v2 v2.2.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/seed3bbca6c1/scs => ../
	github.com/seed3bbca6c1/scs/goredisstore => ../goredisstore
	github.com/seed3bbca6c1/scs/pgxstore => ../pgxstore
	github.com/seed3bbca6c1/scs/redisstore => ../redisstore
)
