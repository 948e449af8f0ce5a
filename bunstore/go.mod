module github.com/seed3bbca6c1/scs/bunstore

go 1.23.0

require (
	github.com/go-sql-driver/mysql v1.7.0
	github.com/mattn/go-sqlite3 v1.14.29
	github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000
	github.com/uptrace/bun v1.2.15
	github.com/uptrace/bun/dialect/mysqldialect v1.2.15
	github.com/uptrace/bun/dialect/pgdialect v1.2.15
	github.com/uptrace/bun/dialect/sqlitedialect v1.2.15
	github.com/uptrace/bun/driver/pgdriver v1.2.15
)

require (
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/puzpuzpuz/xsync/v3 v3.5.1 // indirect
	github.com/tmthrgd/go-hex v0.0.0-20190904060850-447a3041c3bc // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.opentelemetry.io/otel v1.37.0 // indirect
	go.opentelemetry.io/otel/trace v1.37.0 // indirect
	golang.org/x/crypto v0.40.0 // indirect
	golang.org/x/mod v0.26.0 // indirect
	golang.org/x/sys v0.34.0 // indirect
	mellium.im/sasl v0.3.2 // indirect
)

replace github.com/seed3bbca6c1/scs => ../
