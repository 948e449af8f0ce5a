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

// IsMissingColumn reports whether err is an engine's error for a statement
// that names a column its table does not have: SQLSTATE 42703 (PostgreSQL
// and CockroachDB) or 42S22, SQL Server's error 207, SQLite's "no such
// column" and "has no column named", and MySQL's or MariaDB's error 1054.
// Like IsMissingTable, it needs none of the drivers.
func IsMissingColumn(err error) bool {
	if err == nil {
		return false
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		if s := state.SQLState(); s == "42703" || s == "42S22" {
			return true
		}
	}
	var number interface{ SQLErrorNumber() int32 }
	if errors.As(err, &number) && number.SQLErrorNumber() == 207 {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no such column: ") || // SQLite, in a SELECT, DELETE or UPDATE
		strings.Contains(msg, " has no column named ") || // SQLite, in an INSERT's column list
		strings.Contains(msg, "Error 1054") || // go-sql-driver/mysql: "Error 1054 (42S22): Unknown column '...' in 'field list'"
		strings.Contains(msg, "(SQLSTATE 42703)") // pgx, when the error lost its type
}

// MissingColumnError is MissingTableError for a table that exists but
// lacks a column the store needs, as a table created from an older
// README's statements does: the message names table and the section of
// pkg's README with its CREATE statements and the ALTER statements that
// add the columns.
func MissingColumnError(pkg, op, table, section string, err error) error {
	return fmt.Errorf("%s: %s: table %s lacks a column: create it, or add the columns it lacks, with the statements in the %q section of the README of github.com/seed3bbca6c1/scs/%s: %w",
		pkg, op, table, section, pkg, err)
}

// UsersCheck is the statement, the same in every dialect, that checks that
// the index of user sessions users exists with every column the stores
// use (UserColumns and user_id): it reads no row.
func UsersCheck(users string) string {
	return "SELECT user_id, " + UserColumns + " FROM " + users + " WHERE 1 = 0"
}
