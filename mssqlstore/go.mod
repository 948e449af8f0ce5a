module github.com/seed3bbca6c1/scs/mssqlstore

go 1.23

require (
	github.com/microsoft/go-mssqldb v0.17.0
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
)

require (
	github.com/golang-sql/civil v0.0.0-20190719163853-cb61b32ac6fe // indirect
	github.com/golang-sql/sqlexp v0.1.0 // indirect
	golang.org/x/crypto v0.0.0-20220511200225-c6db032c6c88 // indirect
)

replace github.com/seed3bbca6c1/scs => ../
