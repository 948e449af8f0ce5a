module github.com/seed3bbca6c1/scs/sqlite3store

go 1.23

require (
	github.com/mattn/go-sqlite3 v1.14.29
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

replace github.com/seed3bbca6c1/scs => ../
