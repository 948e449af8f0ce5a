package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// stateError is a driver error with a SQLSTATE, as lib/pq's and pgx's are.
type stateError string

func (e stateError) Error() string    { return "state " + string(e) }
func (e stateError) SQLState() string { return string(e) }

// numberError is a driver error with an error number, as go-mssqldb's is.
type numberError int32

func (e numberError) Error() string         { return fmt.Sprintf("number %d", int32(e)) }
func (e numberError) SQLErrorNumber() int32 { return int32(e) }

func TestIsMissingTable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection refused"), false},
		{stateError("42P01"), true},
		{fmt.Errorf("wrapped: %w", stateError("42P01")), true},
		{stateError("42S02"), true},
		{stateError("23505"), false},
		{numberError(208), true},
		{numberError(2627), false},
		{errors.New("no such table: sessions_users"), true},
		{errors.New("SQL logic error: no such table: sessions (1)"), true},
		{errors.New("Error 1146 (42S02): Table 'db.sessions_users' doesn't exist"), true},
		{errors.New("Error 1062 (23000): Duplicate entry"), false},
		{errors.New(`ERROR: relation "sessions" does not exist (SQLSTATE 42P01)`), true},
	} {
		if got := sqlstore.IsMissingTable(c.err); got != c.want {
			t.Errorf("IsMissingTable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestMissingTableError(t *testing.T) {
	cause := stateError("42P01")
	err := sqlstore.MissingTableError("teststore", "commit", "auth.sessions", sqlstore.SessionsSection, cause)
	if !errors.Is(err, cause) {
		t.Errorf("%v does not wrap the driver's error", err)
	}
	want := `teststore: commit: table auth.sessions does not exist: create it with the CREATE statements in the "Setup" section of the README of github.com/seed3bbca6c1/scs/teststore: `
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
}

func TestIsMissingColumn(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection refused"), false},
		{stateError("42703"), true},
		{fmt.Errorf("wrapped: %w", stateError("42703")), true},
		{stateError("42S22"), true},
		{stateError("42P01"), false},
		{numberError(207), true},
		{numberError(208), false},
		{errors.New("no such column: created"), true},
		{errors.New("table sessions_users has no column named label"), true},
		{errors.New("no such table: sessions_users"), false},
		{errors.New("Error 1054 (42S22): Unknown column 'created' in 'field list'"), true},
		{errors.New(`ERROR: column "label" does not exist (SQLSTATE 42703)`), true},
	} {
		if got := sqlstore.IsMissingColumn(c.err); got != c.want {
			t.Errorf("IsMissingColumn(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestMissingColumnError(t *testing.T) {
	cause := stateError("42703")
	err := sqlstore.MissingColumnError("teststore", "check user index", "sessions_users", sqlstore.UsersSection, cause)
	if !errors.Is(err, cause) {
		t.Errorf("%v does not wrap the driver's error", err)
	}
	for _, want := range []string{"teststore: check user index: table sessions_users lacks a column", `"Index of user sessions" section of the README of github.com/seed3bbca6c1/scs/teststore: `} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
