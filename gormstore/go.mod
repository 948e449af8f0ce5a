module github.com/seed3bbca6c1/scs/gormstore

go 1.23

require (
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	gorm.io/driver/mysql v1.3.2
	gorm.io/driver/postgres v1.5.6
	gorm.io/driver/sqlite v1.5.6
	gorm.io/gorm v1.25.7
)

require (
	github.com/go-sql-driver/mysql v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20221227161230-091c0ba34f0a // indirect
	github.com/jackc/pgx/v5 v5.4.3 // indirect
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/mattn/go-sqlite3 v1.14.22 // indirect
	golang.org/x/crypto v0.14.0 // indirect
	golang.org/x/text v0.13.0 // indirect
)

replace github.com/seed3bbca6c1/scs => ../
