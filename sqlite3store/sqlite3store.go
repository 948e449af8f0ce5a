// Package sqlite3store is an scs session store over a SQLite database opened
// with github.com/mattn/go-sqlite3, using the table SCS v2's sqlite3store
// uses.
package sqlite3store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// expiryFormat is how Commit hands the expiry to SQLite's julianday(): UTC,
// to the millisecond, the precision julianday('now') has.
const expiryFormat = "2006-01-02T15:04:05.999"

// dialect is SQLite's SQL, with the expiry as a Julian day number.
var dialect = sqlstore.Dialect{
	Name: "sqlite3store",
	Statements: func(table string) sqlstore.Statements {
		return sqlstore.Statements{
			Find:       "SELECT data FROM " + table + " WHERE token = ? AND julianday('now') < expiry",
			FindExpiry: "SELECT data, expiry FROM " + table + " WHERE token = ? AND julianday('now') < expiry",
			Commit: "INSERT INTO " + table + " (token, data, expiry) VALUES (?, ?, julianday(?))" +
				" ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry",
			Delete: "DELETE FROM " + table + " WHERE token = ?",
			CompareAndSwap: "UPDATE " + table + " SET data = ?, expiry = julianday(?)" +
				" WHERE token = ? AND data = ? AND julianday('now') < expiry",
			Update: "UPDATE " + table + " SET data = ?, expiry = julianday(?)" +
				" WHERE token = ? AND julianday('now') < expiry",
			All: "SELECT token, data FROM " + table + " WHERE julianday('now') < expiry",
			Cleanup: fmt.Sprintf("DELETE FROM %[1]s WHERE token IN"+
				" (SELECT token FROM %[1]s WHERE expiry < julianday('now') LIMIT %[2]d)", table, sqlstore.BatchSize),
			Users: userStatements(sqlstore.UsersTable(table)),
		}
	},
	Expiry:     func(expiry time.Time) any { return expiry.UTC().Format(expiryFormat) },
	ExpiryTime: expiryTime,
}

// unixEpochJulianDay is the Julian day number of 1970-01-01T00:00:00Z.
const unixEpochJulianDay = 2440587.5

// expiryTime converts the expiry column, a Julian day number, to a time,
// rounded to the millisecond: the precision Commit stores, and well above
// the float's error for today's dates (tens of microseconds).
func expiryTime(v any) (time.Time, error) {
	var jd float64
	switch v := v.(type) {
	case float64:
		jd = v
	case int64:
		jd = float64(v)
	default:
		return time.Time{}, fmt.Errorf("expiry scanned as %T, want a Julian day number", v)
	}
	ms := math.Round((jd - unixEpochJulianDay) * 86400000)
	return time.UnixMilli(int64(ms)).UTC(), nil
}

// SQLite3Store is a session store over a SQLite table of the form
//
//	CREATE TABLE sessions (
//		token TEXT PRIMARY KEY,
//		data BLOB NOT NULL,
//		expiry REAL NOT NULL
//	);
//	CREATE INDEX sessions_expiry_idx ON sessions(expiry);
//
// with the expiry as a Julian day number. The store does not create the
// table. Create a store with New, NewWithCleanupInterval or NewWithConfig;
// the zero value is not usable. A SQLite3Store is safe for concurrent use.
type SQLite3Store struct {
	store *sqlstore.Store
}

// Config configures a store made with NewWithConfig.
type Config struct {
	// CleanUpInterval is how often the cleanup goroutine deletes expired
	// sessions. Zero, the default, runs no goroutine.
	CleanUpInterval time.Duration

	// TableName is the table that holds the sessions; empty means
	// "sessions". It may be qualified by the name of an attached database
	// ("aux.sessions"). Each part must be a plain identifier: ASCII letters,
	// digits and underscores, not starting with a digit.
	TableName string
}

// New returns a SQLite3Store over the sessions table of db whose cleanup
// goroutine deletes expired sessions every 5 minutes. The goroutine starts
// on the store's first use; stop it with StopCleanup.
func New(db *sql.DB) *SQLite3Store {
	return NewWithConfig(db, Config{CleanUpInterval: 5 * time.Minute})
}

// NewWithCleanupInterval returns a SQLite3Store over the sessions table of db
// whose cleanup goroutine deletes expired sessions every cleanupInterval.
// With an interval of 0 no goroutine runs and expired rows stay in the
// table, although Find and All never return them.
func NewWithCleanupInterval(db *sql.DB, cleanupInterval time.Duration) *SQLite3Store {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a SQLite3Store over db configured by config. It
// panics when config.TableName is not a plain, optionally qualified,
// identifier, so that no table name can change the statements' meaning.
func NewWithConfig(db *sql.DB, config Config) *SQLite3Store {
	return &SQLite3Store{sqlstore.New(db, dialect, config.TableName, config.CleanUpInterval)}
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired, even before cleanup deletes it.
func (s *SQLite3Store) Find(token string) (b []byte, found bool, err error) {
	return s.store.Find(token)
}

// FindCtx is Find with a context; a cancelled context gives an error.
func (s *SQLite3Store) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	return s.store.FindCtx(ctx, token)
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (s *SQLite3Store) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return s.store.FindExpiry(ctx, token)
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had, in one statement.
func (s *SQLite3Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.store.Commit(token, b, expiry)
}

// CommitCtx is Commit with a context; a cancelled context gives an error and
// writes nothing.
func (s *SQLite3Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.store.CommitCtx(ctx, token, b, expiry)
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one UPDATE; it reports whether it did. A missing or expired
// session is not swapped, and a cancelled context gives an error and writes
// nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (s *SQLite3Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	return s.store.CompareAndSwap(ctx, token, old, b, expiry)
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE. A cancelled context gives
// an error and writes nothing. It makes the store an scs.UpdateStore, so
// that a session destroyed or renewed by one request is not written back
// by another.
func (s *SQLite3Store) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return s.store.Update(ctx, token, b, expiry)
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *SQLite3Store) Delete(token string) error { return s.store.Delete(token) }

// DeleteCtx is Delete with a context; a cancelled context gives an error and
// deletes nothing.
func (s *SQLite3Store) DeleteCtx(ctx context.Context, token string) error {
	return s.store.DeleteCtx(ctx, token)
}

// All returns the payloads of all sessions that have not expired, keyed by
// token; an empty, non-nil map when there are none.
func (s *SQLite3Store) All() (map[string][]byte, error) {
	return s.store.All()
}

// AllCtx is All with a context; a cancelled context gives an error.
func (s *SQLite3Store) AllCtx(ctx context.Context) (map[string][]byte, error) {
	return s.store.AllCtx(ctx)
}

// StopCleanup stops the cleanup goroutine and waits for it to return. It is
// safe to call more than once, and on a store that runs no goroutine. Call it
// before closing the database when a store is short-lived, as in tests.
func (s *SQLite3Store) StopCleanup() {
	s.store.StopCleanup()
}
