// Package mssqlstore is a Microsoft SQL Server session store for scs, over
// database/sql with the github.com/microsoft/go-mssqldb driver.
//
// Sessions live in a table the application creates (see the README):
// token CHAR(43), data VARBINARY(MAX), expiry DATETIME2(6), the layout SCS
// v2's mssqlstore uses, so both read each other's sessions. As SCS does, the
// store writes expiry as a UTC time and compares it with the server's UTC
// clock, so the application and the server must agree on the time, not on a
// time zone.
package mssqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// dialect is SQL Server's SQL. The token column usually has a
// case-insensitive collation, so Find and Delete match the token twice: the
// primary key finds the row and the binary collation makes sure it is the
// token asked for, not one that differs in case. MERGE with HOLDLOCK keeps
// two concurrent commits of a new token from both trying to insert it.
var dialect = sqlstore.Dialect{
	Name: "mssqlstore",
	Statements: func(table string) sqlstore.Statements {
		return sqlstore.Statements{
			Find: "SELECT data FROM " + table +
				" WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()",
			FindExpiry: "SELECT data, expiry FROM " + table +
				" WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()",
			Commit: "MERGE INTO " + table + " WITH (HOLDLOCK) AS t" +
				" USING (SELECT @p1 AS token) AS s ON t.token = s.token" +
				" WHEN MATCHED THEN UPDATE SET data = @p2, expiry = @p3" +
				" WHEN NOT MATCHED THEN INSERT (token, data, expiry) VALUES (@p1, @p2, @p3);",
			CompareAndSwap: "UPDATE " + table + " SET data = @p1, expiry = @p2" +
				" WHERE token = @p3 AND token COLLATE Latin1_General_BIN2 = @p3 AND data = @p4 AND expiry > SYSUTCDATETIME()",
			Update: "UPDATE " + table + " SET data = @p1, expiry = @p2" +
				" WHERE token = @p3 AND token COLLATE Latin1_General_BIN2 = @p3 AND expiry > SYSUTCDATETIME()",
			Delete:  "DELETE FROM " + table + " WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1",
			All:     "SELECT RTRIM(token), data FROM " + table + " WHERE expiry > SYSUTCDATETIME()",
			Cleanup: fmt.Sprintf("DELETE TOP (%d) FROM %s WHERE expiry < SYSUTCDATETIME()", sqlstore.BatchSize, table),
		}
	},
	// A token goes as VARCHAR rather than the driver's default NVARCHAR, so
	// that comparing it with the CHAR column can use the primary key
	// instead of converting every row.
	Token: func(token string) any { return mssql.VarChar(token) },
	// The driver sends a time.Time as DATETIMEOFFSET, which the DATETIME2
	// column takes as its wall time: in UTC, as SCS v2 writes it.
	Expiry: func(expiry time.Time) any { return expiry.UTC() },
	// The driver reads a DATETIME2, which has no time zone, as a UTC time,
	// which is what Commit stored.
}

// Config configures a store made by NewWithConfig. The zero value gives a
// store on the table "sessions" that runs no cleanup goroutine.
type Config struct {
	// CleanUpInterval is how often the cleanup goroutine deletes expired
	// sessions. Zero or less runs no goroutine.
	CleanUpInterval time.Duration

	// TableName is the table that holds the sessions, optionally qualified
	// by its schema ("auth.sessions"). Empty means "sessions". Each part
	// must be an unquoted SQL identifier (ASCII letters, digits and
	// underscores, not starting with a digit); NewWithConfig panics
	// otherwise.
	TableName string
}

// MSSQLStore is a session store in a SQL Server table. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type MSSQLStore struct {
	store *sqlstore.Store
}

// New returns a store on the table "sessions" in db. Its cleanup goroutine
// deletes expired sessions every 5 minutes, from the first use of the store
// until StopCleanup.
func New(db *sql.DB) *MSSQLStore {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *sql.DB, cleanupInterval time.Duration) *MSSQLStore {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.TableName is not a valid table name, which keeps it out of the SQL
// text unchecked.
func NewWithConfig(db *sql.DB, cfg Config) *MSSQLStore {
	return &MSSQLStore{sqlstore.New(db, dialect, cfg.TableName, cfg.CleanUpInterval)}
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (m *MSSQLStore) Find(token string) (b []byte, found bool, err error) {
	return m.store.Find(token)
}

// FindCtx is Find with a context.
func (m *MSSQLStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	return m.store.FindCtx(ctx, token)
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (m *MSSQLStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return m.store.FindExpiry(ctx, token)
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (m *MSSQLStore) Commit(token string, b []byte, expiry time.Time) error {
	return m.store.Commit(token, b, expiry)
}

// CommitCtx is Commit with a context.
func (m *MSSQLStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return m.store.CommitCtx(ctx, token, b, expiry)
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one UPDATE; it reports whether it did. A missing or expired
// session is not swapped, and a cancelled context gives an error and writes
// nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (m *MSSQLStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	return m.store.CompareAndSwap(ctx, token, old, b, expiry)
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE. A cancelled context gives
// an error and writes nothing. It makes the store an scs.UpdateStore, so
// that a session destroyed or renewed by one request is not written back
// by another.
func (m *MSSQLStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return m.store.Update(ctx, token, b, expiry)
}

// Delete removes the session token. Deleting a missing token is not an error.
func (m *MSSQLStore) Delete(token string) error { return m.store.Delete(token) }

// DeleteCtx is Delete with a context.
func (m *MSSQLStore) DeleteCtx(ctx context.Context, token string) error {
	return m.store.DeleteCtx(ctx, token)
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (m *MSSQLStore) All() (map[string][]byte, error) {
	return m.store.All()
}

// AllCtx is All with a context.
func (m *MSSQLStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	return m.store.AllCtx(ctx)
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (m *MSSQLStore) StopCleanup() {
	m.store.StopCleanup()
}
