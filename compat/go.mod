module github.com/seed3bbca6c1/scs/compat

go 1.26

require github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000

require (
	github.com/alexedwards/scs/mysqlstore v0.0.0-20250417082927-ab20b3feb5e9
	github.com/alexedwards/scs/postgresstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/lib/pq v1.12.3
	github.com/seed3bbca6c1/scs/mysqlstore v0.0.0-00010101000000-000000000000
	github.com/seed3bbca6c1/scs/postgresstore v0.0.0-00010101000000-000000000000
)

require filippo.io/edwards25519 v1.2.0 // indirect

replace (
	github.com/seed3bbca6c1/scs => ../
	github.com/seed3bbca6c1/scs/mysqlstore => ../mysqlstore
	github.com/seed3bbca6c1/scs/postgresstore => ../postgresstore
)
