module github.com/seed3bbca6c1/scs/bench

go 1.26.0

require (
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/gomodule/redigo v1.9.3
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/jackc/pgx/v5 v5.12.0
	github.com/lib/pq v1.12.3
	github.com/redis/go-redis/v9 v9.23.0
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/goredisstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/mysqlstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/pgxstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/postgresstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/redisstore v0.0.0-00010101000000-000000000000
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace (
	github.com/seed3bbca6c1/scs => ../
	github.com/seed3bbca6c1/scs/goredisstore => ../goredisstore
	github.com/seed3bbca6c1/scs/mysqlstore => ../mysqlstore
	github.com/seed3bbca6c1/scs/pgxstore => ../pgxstore
	github.com/seed3bbca6c1/scs/postgresstore => ../postgresstore
	github.com/seed3bbca6c1/scs/redisstore => ../redisstore
)
