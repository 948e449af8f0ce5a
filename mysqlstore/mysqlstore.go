// Package mysqlstore is a MySQL and MariaDB session store for scs, over
// database/sql with the github.com/go-sql-driver/mysql driver.
//
// Sessions live in a table the application creates (see the README):
// token CHAR(43), data BLOB, expiry TIMESTAMP(6), the layout SCS v2's
// mysqlstore uses, so both read each other's sessions. As SCS does, the
// store writes expiry as a UTC time and compares it with the server's
// UTC_TIMESTAMP(6), so the application and the server must agree on the
// time, not on a time zone.
package mysqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// dialect is MySQL's SQL. The token column usually has a case-insensitive
// collation, so Find and Delete match the token twice: the primary key finds
// the row and the binary comparison makes sure it is the token asked for,
// not one that differs in case. MySQL counts as affected only the rows an
// UPDATE changes (unless the DSN sets clientFoundRows, which New cannot
// count on), so a CompareAndSwap or an Update that writes what the row holds
// already checks with Holds that it does: a second statement, sent only when
// the UPDATE changed no row; for that check to compare equal
// expiries, the expiry goes to the server truncated to the column's
// microseconds instead of rounded by it.
var dialect = sqlstore.Dialect{
	Name: "mysqlstore",
	Statements: func(table string) sqlstore.Statements {
		return sqlstore.Statements{
			Find: "SELECT data FROM " + table + " WHERE token = ? AND CAST(token AS BINARY) = ? AND expiry > UTC_TIMESTAMP(6)",
			FindExpiry: "SELECT data, expiry FROM " + table +
				" WHERE token = ? AND CAST(token AS BINARY) = ? AND expiry > UTC_TIMESTAMP(6)",
			Commit: "INSERT INTO " + table + " (token, data, expiry) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE data = VALUES(data), expiry = VALUES(expiry)",
			Delete: "DELETE FROM " + table + " WHERE token = ? AND CAST(token AS BINARY) = ?",
			All:    "SELECT token, data FROM " + table + " WHERE expiry > UTC_TIMESTAMP(6)",
			CompareAndSwap: "UPDATE " + table + " SET data = ?, expiry = ?" +
				" WHERE token = ? AND CAST(token AS BINARY) = ? AND data = ? AND expiry > UTC_TIMESTAMP(6)",
			Update: "UPDATE " + table + " SET data = ?, expiry = ?" +
				" WHERE token = ? AND CAST(token AS BINARY) = ? AND expiry > UTC_TIMESTAMP(6)",
			Holds: "SELECT 1 FROM " + table +
				" WHERE token = ? AND CAST(token AS BINARY) = ? AND data = ? AND expiry = ? AND expiry > UTC_TIMESTAMP(6)",
			Cleanup: fmt.Sprintf("DELETE FROM %s WHERE expiry < UTC_TIMESTAMP(6) ORDER BY expiry, token LIMIT %d",
				table, sqlstore.BatchSize),
			Users: userStatements(sqlstore.UsersTable(table)),
		}
	},
	Key:             func(token string) []any { return []any{token, token} },
	Expiry:          func(expiry time.Time) any { return expiry.UTC().Truncate(time.Microsecond) },
	ExpiryTime:      expiryTime,
	ChangedRowsOnly: true,
}

// expiryTimeFormat is how the server sends a TIMESTAMP(6) to a connection
// without parseTime=true.
const expiryTimeFormat = "2006-01-02 15:04:05.999999"

// expiryTime reads the expiry column, stored in UTC: a time.Time with
// parseTime=true in the DSN, its text otherwise.
func expiryTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case []byte:
		return time.ParseInLocation(expiryTimeFormat, string(v), time.UTC)
	case string:
		return time.ParseInLocation(expiryTimeFormat, v, time.UTC)
	}
	return time.Time{}, fmt.Errorf("expiry scanned as %T", v)
}

// Config configures a store made by NewWithConfig. The zero value gives a
// store on the table "sessions" that runs no cleanup goroutine.
type Config struct {
	// CleanUpInterval is how often the cleanup goroutine deletes expired
	// sessions. Zero or less runs no goroutine.
	CleanUpInterval time.Duration

	// TableName is the table that holds the sessions, optionally qualified
	// by its database ("auth.sessions"). Empty means "sessions". Each part
	// must be an unquoted SQL identifier (ASCII letters, digits and
	// underscores, not starting with a digit); NewWithConfig panics
	// otherwise.
	TableName string

	// MaxDataSize is the most bytes the table's data column holds: Commit,
	// CommitCtx and CompareAndSwap refuse larger session data with an
	// error wrapping scs.ErrPayloadTooLarge, before writing, so the stored
	// session stays as it was. Zero means 65535, a BLOB column as in SCS
	// v2's schema; a negative value turns the check off.
	//
	// Without it, a server not in strict mode silently truncates data too
	// large for the column, and the session can no longer be decoded. For
	// larger sessions widen the column (ALTER TABLE sessions MODIFY data
	// MEDIUMBLOB NOT NULL) and set MaxDataSize to 16777215 (MEDIUMBLOB) or
	// 4294967295 (LONGBLOB).
	MaxDataSize int
}

// blobMax is the most bytes a BLOB column holds.
const blobMax = 1<<16 - 1

// MySQLStore is a session store in a MySQL or MariaDB table. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type MySQLStore struct {
	// DB is the database the store uses. It is embedded, as in SCS v2's
	// mysqlstore, so code that reaches the database through the store keeps
	// compiling.
	*sql.DB

	store   *sqlstore.Store
	maxData int // see Config.MaxDataSize; negative for no check
}

// New returns a store on the table "sessions" in db. Its cleanup goroutine
// deletes expired sessions every 5 minutes, from the first use of the store
// until StopCleanup.
func New(db *sql.DB) *MySQLStore {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *sql.DB, cleanupInterval time.Duration) *MySQLStore {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.TableName is not a valid table name, which keeps it out of the SQL
// text unchecked.
func NewWithConfig(db *sql.DB, cfg Config) *MySQLStore {
	maxData := cfg.MaxDataSize
	if maxData == 0 {
		maxData = blobMax
	}
	return &MySQLStore{DB: db, store: sqlstore.New(db, dialect, cfg.TableName, cfg.CleanUpInterval), maxData: maxData}
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (m *MySQLStore) Find(token string) (b []byte, found bool, err error) {
	return m.store.Find(token)
}

// FindCtx is Find with a context.
func (m *MySQLStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	return m.store.FindCtx(ctx, token)
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (m *MySQLStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return m.store.FindExpiry(ctx, token)
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement. Data larger than
// Config.MaxDataSize (65535 bytes by default, the README's BLOB column) is
// refused with an error wrapping scs.ErrPayloadTooLarge, before writing.
func (m *MySQLStore) Commit(token string, b []byte, expiry time.Time) error {
	if err := m.checkSize("commit", b); err != nil {
		return err
	}
	return m.store.Commit(token, b, expiry)
}

// CommitCtx is Commit with a context.
func (m *MySQLStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := m.checkSize("commit", b); err != nil {
		return err
	}
	return m.store.CommitCtx(ctx, token, b, expiry)
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one UPDATE; it reports whether it did. A missing or expired
// session is not swapped. It makes the store an scs.UpdateStore (its CompareAndSwap),
// so that SessionManager.MergeConcurrent is atomic. As MySQL counts only
// changed rows, swapping old for identical data and expiry takes a second
// statement, which checks that the session holds them.
func (m *MySQLStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	if err := m.checkSize("compare and swap", b); err != nil {
		return false, err
	}
	return m.store.CompareAndSwap(ctx, token, old, b, expiry)
}

// checkSize returns an error wrapping scs.ErrPayloadTooLarge when b is
// larger than the data column holds.
func (m *MySQLStore) checkSize(op string, b []byte) error {
	if m.maxData >= 0 && len(b) > m.maxData {
		return fmt.Errorf("mysqlstore: %s: %w: %d bytes, and the data column holds %d (Config.MaxDataSize; "+
			"widen the column to MEDIUMBLOB and raise MaxDataSize to 16777215 for larger sessions)",
			op, scs.ErrPayloadTooLarge, len(b), m.maxData)
	}
	return nil
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE (followed by a SELECT only when the UPDATE changed no row: MySQL does not count rows it matched but left as they were). A cancelled context gives
// an error and writes nothing. It makes the store an scs.UpdateStore, so
// that a session destroyed or renewed by one request is not written back
// by another.
func (m *MySQLStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	if err := m.checkSize("update", b); err != nil {
		return false, err
	}
	return m.store.Update(ctx, token, b, expiry)
}

// Delete removes the session token. Deleting a missing token is not an error.
func (m *MySQLStore) Delete(token string) error { return m.store.Delete(token) }

// DeleteCtx is Delete with a context.
func (m *MySQLStore) DeleteCtx(ctx context.Context, token string) error {
	return m.store.DeleteCtx(ctx, token)
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (m *MySQLStore) All() (map[string][]byte, error) {
	return m.store.All()
}

// AllCtx is All with a context.
func (m *MySQLStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	return m.store.AllCtx(ctx)
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (m *MySQLStore) StopCleanup() {
	m.store.StopCleanup()
}
