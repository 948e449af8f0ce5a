module github.com/seed3bbca6c1/scs/mysqlstore

go 1.23

require (
	github.com/go-sql-driver/mysql v1.7.1
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

replace github.com/seed3bbca6c1/scs => ../
