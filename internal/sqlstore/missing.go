package sqlstore

import (
	"errors"
	"fmt"
	"strings"
)

// The sections of a store's README that hold the CREATE statements of its
// tables, which the errors about a missing table point to.
const (
	// SessionsSection holds the sessions table's statements.
	SessionsSection = "Setup"

	// UsersSection holds the statements of the index of user sessions.
	UsersSection = "Index of user sessions"
)

// IsMissingTable reports whether err is an engine's error for a statement
// on a table that does not exist: SQLSTATE 42P01 (PostgreSQL and
// CockroachDB, through lib/pq or pgx) or 42S02, SQL Server's error 208,
// SQLite's "no such table" and MySQL's or MariaDB's error 1146. It reads
// the drivers' errors through their methods and messages, so that it needs
// none of them.
func IsMissingTable(err error) bool {
	if err == nil {
		return false
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		if s := state.SQLState(); s == "42P01" || s == "42S02" {
			return true
		}
	}
	var number interface{ SQLErrorNumber() int32 }
	if errors.As(err, &number) && number.SQLErrorNumber() == 208 {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no such table: ") || // SQLite (mattn, modernc)
		strings.Contains(msg, "Error 1146") || // go-sql-driver/mysql: "Error 1146 (42S02): Table '...' doesn't exist"
		strings.Contains(msg, "(SQLSTATE 42P01)") // pgx, when the error lost its type
}

// MissingTableError returns err, the error of operation op (as in "add user
// session") of the store package pkg, prefixed with a message that names
// table, which does not exist, and the section of pkg's README that has its
// CREATE statements. The engine's error stays in the chain.
func MissingTableError(pkg, op, table, section string, err error) error {
	return fmt.Errorf("%s: %s: table %s does not exist: create it with the CREATE statements in the %q section of the README of github.com/seed3bbca6c1/scs/%s: %w",
		pkg, op, table, section, pkg, err)
}

// UsersCheck is the statement, the same in every dialect, that checks that
// the index of user sessions users exists: it reads no row.
func UsersCheck(users string) string {
	return "SELECT 1 FROM " + users + " WHERE 1 = 0"
}
