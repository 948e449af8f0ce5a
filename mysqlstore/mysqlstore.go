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
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
)

// deleteBatch is how many expired rows one cleanup statement deletes at most,
// so that no statement holds its locks for long.
const deleteBatch = 1000

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
}

// MySQLStore is a session store in a MySQL or MariaDB table. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type MySQLStore struct {
	// DB is the database the store uses. It is embedded, as in SCS v2's
	// mysqlstore, so code that reaches the database through the store keeps
	// compiling.
	*sql.DB

	runner *cleanup.Runner

	findSQL, commitSQL, deleteSQL, allSQL, cleanupSQL string
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
	table := cfg.TableName
	if table == "" {
		table = "sessions"
	}
	if !validTableName(table) {
		panic(fmt.Sprintf("mysqlstore: invalid table name %q: want one or two dot-separated identifiers of ASCII letters, digits and underscores", table))
	}
	// The token column usually has a case-insensitive collation, so the
	// primary key finds the row and the binary comparison makes sure it is
	// the token asked for, not one that differs in case.
	m := &MySQLStore{
		DB:        db,
		findSQL:   "SELECT data FROM " + table + " WHERE token = ? AND CAST(token AS BINARY) = ? AND expiry > UTC_TIMESTAMP(6)",
		commitSQL: "INSERT INTO " + table + " (token, data, expiry) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE data = VALUES(data), expiry = VALUES(expiry)",
		deleteSQL: "DELETE FROM " + table + " WHERE token = ? AND CAST(token AS BINARY) = ?",
		allSQL:    "SELECT token, data FROM " + table + " WHERE expiry > UTC_TIMESTAMP(6)",
		cleanupSQL: fmt.Sprintf("DELETE FROM %s WHERE expiry < UTC_TIMESTAMP(6) ORDER BY expiry, token LIMIT %d",
			table, deleteBatch),
	}
	m.runner = cleanup.New(cfg.CleanUpInterval, m.deleteExpired)
	return m
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (m *MySQLStore) Find(token string) (b []byte, found bool, err error) {
	return m.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (m *MySQLStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("mysqlstore: find: %w", err)
	}
	err = m.DB.QueryRowContext(ctx, m.findSQL, token, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("mysqlstore: find: %w", err)
	}
	return b, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement. With the README's BLOB
// column, data is limited to 65535 bytes; the server rejects more in its
// default strict mode.
func (m *MySQLStore) Commit(token string, b []byte, expiry time.Time) error {
	return m.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (m *MySQLStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mysqlstore: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // nil would be NULL, and data is NOT NULL
	}
	if _, err := m.DB.ExecContext(ctx, m.commitSQL, token, b, expiry.UTC()); err != nil {
		return fmt.Errorf("mysqlstore: commit: %w", err)
	}
	return nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (m *MySQLStore) Delete(token string) error {
	return m.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (m *MySQLStore) DeleteCtx(ctx context.Context, token string) error {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mysqlstore: delete: %w", err)
	}
	if _, err := m.DB.ExecContext(ctx, m.deleteSQL, token, token); err != nil {
		return fmt.Errorf("mysqlstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (m *MySQLStore) All() (map[string][]byte, error) {
	return m.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (m *MySQLStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mysqlstore: all: %w", err)
	}
	rows, err := m.DB.QueryContext(ctx, m.allSQL)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: all: %w", err)
	}
	defer rows.Close()
	sessions := make(map[string][]byte)
	for rows.Next() {
		var token string
		var b []byte
		if err := rows.Scan(&token, &b); err != nil {
			return nil, fmt.Errorf("mysqlstore: all: %w", err)
		}
		sessions[token] = b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mysqlstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (m *MySQLStore) StopCleanup() {
	m.runner.Stop()
}

// deleteExpired deletes the expired sessions, deleteBatch rows per
// statement, until a statement finds fewer than that.
func (m *MySQLStore) deleteExpired(ctx context.Context) error {
	for {
		res, err := m.DB.ExecContext(ctx, m.cleanupSQL)
		if err != nil {
			return fmt.Errorf("mysqlstore: delete expired: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("mysqlstore: delete expired: %w", err)
		}
		if n < deleteBatch {
			return nil
		}
	}
}

// validTableName reports whether name is one or two dot-separated unquoted
// identifiers, so that it can go into the SQL text as it is.
func validTableName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, part := range parts {
		if !validIdentifier(part) {
			return false
		}
	}
	return true
}

// validIdentifier reports whether s is ASCII letters, digits and
// underscores, not starting with a digit.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
