package sqltest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"sync"
	"testing"
)

// Recorder is a database/sql driver that records the statements it is
// given and answers them with canned results, so that a store's SQL and
// arguments can be checked without a server. Set Rows and Affected while no
// statement runs; the database may be used concurrently.
type Recorder struct {
	mu       sync.Mutex       // guards the fields below while statements run
	stmts    []Stmt           // statements run, in order
	Rows     [][]driver.Value // rows every query returns
	Affected []int64          // rows affected by successive Execs; then 0
}

// Stmt is a statement a Recorder was given.
type Stmt struct {
	Query string
	Args  []any
}

// NewRecorder returns a Recorder and a database over it, closed when the
// test ends.
func NewRecorder(t testing.TB) (*Recorder, *sql.DB) {
	r := &Recorder{}
	db := sql.OpenDB(r)
	t.Cleanup(func() { db.Close() })
	return r, db
}

// Take returns the statements run since the last Take.
func (r *Recorder) Take() []Stmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// WantStmts fails the test unless got is want.
func WantStmts(t testing.TB, got []Stmt, want ...Stmt) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statements sent:\n%#v\nwant:\n%#v", got, want)
	}
}

// Connect implements driver.Connector.
func (r *Recorder) Connect(context.Context) (driver.Conn, error) { return recConn{r}, nil }

// Driver implements driver.Connector.
func (r *Recorder) Driver() driver.Driver { return nil }

func (r *Recorder) record(query string, args []driver.NamedValue) {
	s := Stmt{Query: query}
	for _, a := range args {
		s.Args = append(s.Args, a.Value)
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

type recConn struct{ r *Recorder }

func (c recConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("recorder: no Prepare") }
func (c recConn) Close() error                        { return nil }
func (c recConn) Begin() (driver.Tx, error)           { return nil, errors.New("recorder: no Begin") }

// CheckNamedValue lets every argument through as it is, so the tests see
// the driver-specific types (mssql.VarChar) a store passes.
func (c recConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func (c recConn) ExecContext(_ context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.r.record(query, args)
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	var n int64
	if len(c.r.Affected) > 0 {
		n, c.r.Affected = c.r.Affected[0], c.r.Affected[1:]
	}
	return driver.RowsAffected(n), nil
}

func (c recConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.r.record(query, args)
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return &recRows{rows: c.r.Rows}, nil
}

type recRows struct{ rows [][]driver.Value }

func (r *recRows) Columns() []string {
	if len(r.rows) == 0 {
		return []string{"data"}
	}
	return make([]string, len(r.rows[0]))
}

func (r *recRows) Close() error { return nil }

func (r *recRows) Next(dest []driver.Value) error {
	if len(r.rows) == 0 {
		return io.EOF
	}
	copy(dest, r.rows[0])
	r.rows = r.rows[1:]
	return nil
}
