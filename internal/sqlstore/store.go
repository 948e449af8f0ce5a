// Package sqlstore is the session store the database/sql stores share
// (postgresstore, cockroachdbstore, mysqlstore, mssqlstore, sqlite3store):
// each gives a Dialect, its SQL and how its driver takes the arguments, and
// wraps a *Store in its exported type. pgxstore, over pgx rather than
// database/sql, shares the table names, the PostgreSQL statements, the
// batched cleanup loop (DeleteInBatches) and the reading of All's rows
// (ScanSessions); gormstore and bunstore, over ORMs, the table names
// (CheckTableName), the cleanup loop and the reading of rows.
package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
)

// BatchSize is the most expired sessions one cleanup statement deletes, so
// that no statement holds its locks for long.
const BatchSize = 1000

// Statements are a dialect's SQL for one table.
type Statements struct {
	// Find selects the data of the session that Dialect.Key picks, if it
	// has not expired.
	Find string

	// FindExpiry selects the data and the expiry of the session that
	// Dialect.Key picks, if it has not expired: Find's condition, with the
	// expiry as a second column, which Dialect.ExpiryTime reads.
	FindExpiry string

	// Commit inserts a session or replaces its data and expiry, in one
	// statement. Its arguments are the token (Dialect.Token), the data and
	// the expiry (Dialect.Expiry).
	Commit string

	// Delete deletes the session that Dialect.Key picks.
	Delete string

	// All selects the token and data of every session that has not
	// expired.
	All string

	// Cleanup deletes at most BatchSize expired sessions.
	Cleanup string

	// CompareAndSwap replaces the data and expiry of the session that
	// Dialect.Key picks, if it has not expired (Find's condition) and its
	// data is the old data given, in one statement. Its arguments are the
	// new data, the expiry (Dialect.Expiry), Dialect.Key's arguments and the
	// old data. Empty leaves the store without CompareAndSwap: it returns
	// an error.
	CompareAndSwap string

	// Update replaces the data and expiry of the session that Dialect.Key
	// picks, if it has not expired (Find's condition), in one statement
	// that never inserts. Its arguments are the new data, the expiry
	// (Dialect.Expiry) and Dialect.Key's arguments. Empty leaves the store
	// without Update: it returns an error.
	Update string

	// Holds selects a row when the session that Dialect.Key picks has not
	// expired and holds the data and expiry given: its arguments are
	// Dialect.Key's, the data and the expiry (Dialect.Expiry). Only
	// dialects with ChangedRowsOnly need it.
	Holds string

	// Users are the statements on the index of user sessions, the table
	// UsersTable names; zero leaves the store without the index.
	Users UserStatements
}

// Dialect is what a SQL store tells the shared Store about its engine.
type Dialect struct {
	// Name is the store's package name, which starts its errors and panics.
	Name string

	// Statements returns the statements on table, a name TableName has
	// checked.
	Statements func(table string) Statements

	// Token returns the argument that passes a token to Commit, and to
	// Find and Delete unless Key is set. Nil passes the string.
	Token func(token string) any

	// Key returns the arguments of Find and Delete for a token. Nil passes
	// the one argument Token gives.
	Key func(token string) []any

	// Expiry returns the argument that passes a session's expiry to
	// Commit. Nil passes the time.Time as it is.
	Expiry func(expiry time.Time) any

	// ExpiryTime converts the expiry column FindExpiry selects, as the
	// driver gives it, back to a time. Nil takes a time.Time as it is.
	ExpiryTime func(v any) (time.Time, error)

	// ChangedRowsOnly says the driver counts as affected only the rows an
	// UPDATE changed (MySQL's default), so that a CompareAndSwap that
	// writes the data and expiry the session already has reports no row:
	// the store then runs Statements.Holds to tell that from no match.
	ChangedRowsOnly bool
}

// Store is a session store in a database/sql table. It is safe for
// concurrent use. Create one with New; the zero value is not usable.
type Store struct {
	db      *sql.DB
	dialect Dialect
	sql     Statements
	table   string // the sessions table, as the statements name it
	runner  *cleanup.Runner
	indexed atomic.Bool // AddUserSession or CheckUserIndex succeeded: the index table exists
}

// New returns a store on table in db (DefaultTable when table is empty),
// whose cleanup goroutine deletes expired sessions every interval, from the
// store's first use until StopCleanup; an interval of zero or less runs no
// goroutine. It panics when table is not a valid table name (see
// TableName), before it uses db.
func New(db *sql.DB, d Dialect, table string, interval time.Duration) *Store {
	table = TableName(d.Name, table)
	s := &Store{db: db, dialect: d, sql: d.Statements(table), table: table}
	s.runner = cleanup.New(interval, s.DeleteExpired)
	return s
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (s *Store) Find(token string) (b []byte, found bool, err error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context; a cancelled context gives an error and
// sends nothing.
func (s *Store) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	if err := s.start(ctx); err != nil {
		return nil, false, s.errorf("find", err)
	}
	err = s.db.QueryRowContext(ctx, s.sql.Find, s.key(token)...).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.errorf("find", err)
	}
	if b == nil {
		b = []byte{} // some drivers scan an empty BLOB as nil
	}
	return b, true, nil
}

// FindExpiry is Find that also returns the session's expiry (scs.ExpiryStore). ; a cancelled context gives an
// error and sends nothing.
func (s *Store) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	if err := s.start(ctx); err != nil {
		return nil, time.Time{}, false, s.errorf("find expiry", err)
	}
	var raw any
	err = s.db.QueryRowContext(ctx, s.sql.FindExpiry, s.key(token)...).Scan(&b, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, s.errorf("find expiry", err)
	}
	if s.dialect.ExpiryTime != nil {
		expiry, err = s.dialect.ExpiryTime(raw)
	} else if t, ok := raw.(time.Time); ok {
		expiry = t
	} else {
		err = fmt.Errorf("expiry scanned as %T, want time.Time", raw)
	}
	if err != nil {
		return nil, time.Time{}, false, s.errorf("find expiry", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, expiry, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context; a cancelled context gives an error
// and writes nothing.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := s.start(ctx); err != nil {
		return s.errorf("commit", err)
	}
	if b == nil {
		b = []byte{} // nil would be NULL, and data is NOT NULL
	}
	var exp any = expiry
	if s.dialect.Expiry != nil {
		exp = s.dialect.Expiry(expiry)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Commit, s.token(token), b, exp); err != nil {
		return s.errorf("commit", err)
	}
	return nil
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one statement (two on ChangedRowsOnly engines when b is old and
// the row did not change). It reports whether it did; a missing or expired
// session is not swapped. A cancelled context gives an error and writes
// nothing. It is what scs.UpdateStore (CompareAndSwap) asks for.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	if old == nil {
		old = []byte{}
	}
	return s.writeIf(ctx, "compare and swap", s.sql.CompareAndSwap, token, b, expiry, old, bytes.Equal(old, b))
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, in one UPDATE that
// never inserts; it reports whether it did. On ChangedRowsOnly engines an
// UPDATE that changed no row is followed by Holds, to tell a row that
// already held b and expiry from a missing one. A cancelled context gives
// an error and writes nothing. It is what scs.UpdateStore asks for.
func (s *Store) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return s.writeIf(ctx, "update", s.sql.Update, token, b, expiry, nil, true)
}

// writeIf is the one conditional write behind Update and CompareAndSwap:
// stmt sets data b and expiry for token where its condition holds (old, when
// not nil, is the data the row must hold), and writeIf reports whether a row
// now holds them. On ChangedRowsOnly engines an UPDATE that changed no row
// may have matched a row that held b and expiry already; when that can be
// (same says the condition allows it), Holds tells such a row from a missing
// one.
func (s *Store) writeIf(ctx context.Context, op, stmt, token string, b []byte, expiry time.Time, old []byte, same bool) (bool, error) {
	if err := s.start(ctx); err != nil {
		return false, s.errorf(op, err)
	}
	if stmt == "" {
		return false, s.errorf(op, errors.New("not supported"))
	}
	if b == nil {
		b = []byte{}
	}
	var exp any = expiry
	if s.dialect.Expiry != nil {
		exp = s.dialect.Expiry(expiry)
	}
	key := s.key(token)
	args := append([]any{b, exp}, key...)
	if old != nil {
		args = append(args, old)
	}
	res, err := s.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return false, s.errorf(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf(op, err)
	}
	if n == 1 {
		return true, nil
	}
	if n != 0 || !s.dialect.ChangedRowsOnly || !same {
		return false, nil
	}
	var one int
	err = s.db.QueryRowContext(ctx, s.sql.Holds, append(append([]any{}, key...), b, exp)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.errorf(op, err)
	}
	return true, nil
}

// Delete removes the session token. Deleting a missing token is not an
// error.
func (s *Store) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context; a cancelled context gives an error
// and deletes nothing.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	if err := s.start(ctx); err != nil {
		return s.errorf("delete", err)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Delete, s.key(token)...); err != nil {
		return s.errorf("delete", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (s *Store) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx is All with a context; a cancelled context gives an error.
func (s *Store) AllCtx(ctx context.Context) (map[string][]byte, error) {
	if err := s.start(ctx); err != nil {
		return nil, s.errorf("all", err)
	}
	rows, err := s.db.QueryContext(ctx, s.sql.All)
	if err != nil {
		return nil, s.errorf("all", err)
	}
	defer rows.Close()
	sessions, err := ScanSessions(rows)
	if err != nil {
		return nil, s.errorf("all", err)
	}
	return sessions, nil
}

// Rows are the rows of a query, as ScanSessions reads them: *sql.Rows, or
// pgx's.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanSessions reads rows of a token and its data into a map keyed by
// token, with empty, non-nil data where a driver scans an empty BLOB as
// nil; an empty, non-nil map when there are no rows. The caller closes
// rows.
func ScanSessions(rows Rows) (map[string][]byte, error) {
	sessions := make(map[string][]byte)
	for rows.Next() {
		var token string
		var b []byte
		if err := rows.Scan(&token, &b); err != nil {
			return nil, err
		}
		if b == nil {
			b = []byte{}
		}
		sessions[token] = b
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (s *Store) StopCleanup() {
	s.runner.Stop()
}

// DeleteExpired deletes the expired sessions, BatchSize per statement,
// until a statement deletes fewer than that; then, once this store has
// added a row to the index of user sessions, the index's expired rows. It
// is what the cleanup goroutine runs.
func (s *Store) DeleteExpired(ctx context.Context) error {
	err := DeleteInBatches(ctx, s.dialect.Name, func(ctx context.Context) (int64, error) {
		res, err := s.db.ExecContext(ctx, s.sql.Cleanup)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
	if err != nil {
		return err
	}
	return s.deleteExpiredUsers(ctx)
}

// DeleteInBatches is the cleanup loop of the SQL stores: it calls
// deleteBatch, which deletes at most BatchSize expired sessions and returns
// how many it deleted, until a call deletes fewer than BatchSize, so that no
// statement holds its locks for long. It returns the first error, prefixed
// with pkg and "delete expired".
func DeleteInBatches(ctx context.Context, pkg string, deleteBatch func(context.Context) (int64, error)) error {
	for {
		n, err := deleteBatch(ctx)
		if err != nil {
			return fmt.Errorf("%s: delete expired: %w", pkg, err)
		}
		if n < BatchSize {
			return nil
		}
	}
}

// start starts the cleanup goroutine unless it runs already, and returns
// the context's error, if any, so that a cancelled call sends nothing.
func (s *Store) start(ctx context.Context) error {
	s.runner.Start()
	return ctx.Err()
}

func (s *Store) token(token string) any {
	if s.dialect.Token != nil {
		return s.dialect.Token(token)
	}
	return token
}

func (s *Store) key(token string) []any {
	if s.dialect.Key != nil {
		return s.dialect.Key(token)
	}
	return []any{s.token(token)}
}

// errorf prefixes err with the store's name and op. An error for a missing
// table, which only the sessions table can be in the statements on
// sessions, names the table and the README's section that creates it.
func (s *Store) errorf(op string, err error) error {
	if IsMissingTable(err) {
		return MissingTableError(s.dialect.Name, op, s.table, SessionsSection, err)
	}
	return fmt.Errorf("%s: %s: %w", s.dialect.Name, op, err)
}
