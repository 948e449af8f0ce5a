module github.com/seed3bbca6c1/scs/mysqlstore

go 1.26

require (
	github.com/go-sql-driver/mysql v1.10.1
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

require filippo.io/edwards25519 v1.2.0 // indirect

replace github.com/seed3bbca6c1/scs => ../
