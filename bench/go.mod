module github.com/seed3bbca6c1/scs/bench

go 1.26

require (
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/gomodule/redigo v1.9.3
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	github.com/lib/pq v1.12.3
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/postgresstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/redisstore v0.0.0-00010101000000-000000000000
)

replace (
	github.com/seed3bbca6c1/scs => ../
	github.com/seed3bbca6c1/scs/postgresstore => ../postgresstore
	github.com/seed3bbca6c1/scs/redisstore => ../redisstore
)
