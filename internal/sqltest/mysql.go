package sqltest

import (
	"fmt"
	"strings"
)

// MySQL is the MySQL or MariaDB test server (SCS_MYSQL_TEST_DSN), reached
// with github.com/go-sql-driver/mysql.
func MySQL() Server {
	return Server{
		Driver:  "mysql",
		Env:     "SCS_MYSQL_TEST_DSN",
		Default: "root@tcp(127.0.0.1:3306)/test?parseTime=true",
		Create:  "CREATE DATABASE %s",
		Drop:    "DROP DATABASE IF EXISTS %s",
		Use:     mysqlDatabase,
	}
}

// mysqlDatabase replaces the database of a go-sql-driver/mysql DSN,
// [user[:password]@][net[(addr)]]/dbname[?params], which the driver finds
// after the last slash.
func mysqlDatabase(dsn, name string) (string, error) {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return "", fmt.Errorf("no /dbname in MySQL DSN %q", dsn)
	}
	rest := dsn[slash+1:]
	params := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		params = rest[q:]
	}
	return dsn[:slash+1] + name + params, nil
}
