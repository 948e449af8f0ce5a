module github.com/seed3bbca6c1/scs/compat

go 1.26.0

require github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000

require (
	github.com/alexedwards/scs/goredisstore v0.0.0-20250212122300-421ef1d8611c
	github.com/alexedwards/scs/mysqlstore v0.0.0-20250417082927-ab20b3feb5e9
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/gomodule/redigo v1.9.3
	github.com/lib/pq v1.12.3
	github.com/redis/go-redis/v9 v9.23.0
	github.com/seed3bbca6c1/scs/goredisstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/mysqlstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/postgresstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/redisstore v0.0.0-00010101000000-000000000000
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace (
	github.com/seed3bbca6c1/scs => ../
	github.com/seed3bbca6c1/scs/goredisstore => ../goredisstore
	github.com/seed3bbca6c1/scs/mysqlstore => ../mysqlstore
	github.com/seed3bbca6c1/scs/postgresstore => ../postgresstore
	github.com/seed3bbca6c1/scs/redisstore => ../redisstore
)
