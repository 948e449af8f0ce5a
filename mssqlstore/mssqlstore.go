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
	"errors"
	"fmt"
	"strings"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

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
	db     *sql.DB
	runner *cleanup.Runner

	findSQL, commitSQL, deleteSQL, allSQL, cleanupSQL string
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
	table := cfg.TableName
	if table == "" {
		table = "sessions"
	}
	if !validTableName(table) {
		panic(fmt.Sprintf("mssqlstore: invalid table name %q: want one or two dot-separated identifiers of ASCII letters, digits and underscores", table))
	}
	m := &MSSQLStore{db: db}
	// The token column usually has a case-insensitive collation, so the
	// primary key finds the row and the binary collation makes sure it is
	// the token asked for, not one that differs in case.
	m.findSQL = "SELECT data FROM " + table +
		" WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()"
	// MERGE with HOLDLOCK keeps two concurrent commits of a new token from
	// both trying to insert it.
	m.commitSQL = "MERGE INTO " + table + " WITH (HOLDLOCK) AS t" +
		" USING (SELECT @p1 AS token) AS s ON t.token = s.token" +
		" WHEN MATCHED THEN UPDATE SET data = @p2, expiry = @p3" +
		" WHEN NOT MATCHED THEN INSERT (token, data, expiry) VALUES (@p1, @p2, @p3);"
	m.deleteSQL = "DELETE FROM " + table + " WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1"
	m.allSQL = "SELECT RTRIM(token), data FROM " + table + " WHERE expiry > SYSUTCDATETIME()"
	m.cleanupSQL = fmt.Sprintf("DELETE TOP (%d) FROM %s WHERE expiry < SYSUTCDATETIME()", deleteBatch, table)
	m.runner = cleanup.New(cfg.CleanUpInterval, m.deleteExpired)
	return m
}

// tokenArg passes a token as VARCHAR rather than the driver's default
// NVARCHAR, so that comparing it with the CHAR column can use the primary
// key instead of converting every row.
func tokenArg(token string) mssql.VarChar {
	return mssql.VarChar(token)
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (m *MSSQLStore) Find(token string) (b []byte, found bool, err error) {
	return m.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (m *MSSQLStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("mssqlstore: find: %w", err)
	}
	err = m.db.QueryRowContext(ctx, m.findSQL, tokenArg(token)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("mssqlstore: find: %w", err)
	}
	return b, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (m *MSSQLStore) Commit(token string, b []byte, expiry time.Time) error {
	return m.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (m *MSSQLStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mssqlstore: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // nil would be NULL, and data is NOT NULL
	}
	// The driver sends a time.Time as DATETIMEOFFSET, which the DATETIME2
	// column takes as its wall time: in UTC, as SCS v2 writes it.
	if _, err := m.db.ExecContext(ctx, m.commitSQL, tokenArg(token), b, expiry.UTC()); err != nil {
		return fmt.Errorf("mssqlstore: commit: %w", err)
	}
	return nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (m *MSSQLStore) Delete(token string) error {
	return m.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (m *MSSQLStore) DeleteCtx(ctx context.Context, token string) error {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mssqlstore: delete: %w", err)
	}
	if _, err := m.db.ExecContext(ctx, m.deleteSQL, tokenArg(token)); err != nil {
		return fmt.Errorf("mssqlstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (m *MSSQLStore) All() (map[string][]byte, error) {
	return m.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (m *MSSQLStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	m.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mssqlstore: all: %w", err)
	}
	rows, err := m.db.QueryContext(ctx, m.allSQL)
	if err != nil {
		return nil, fmt.Errorf("mssqlstore: all: %w", err)
	}
	defer rows.Close()
	sessions := make(map[string][]byte)
	for rows.Next() {
		var token string
		var b []byte
		if err := rows.Scan(&token, &b); err != nil {
			return nil, fmt.Errorf("mssqlstore: all: %w", err)
		}
		sessions[token] = b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mssqlstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (m *MSSQLStore) StopCleanup() {
	m.runner.Stop()
}

// deleteExpired deletes the expired sessions, deleteBatch rows per
// statement, until a statement finds fewer than that.
func (m *MSSQLStore) deleteExpired(ctx context.Context) error {
	for {
		res, err := m.db.ExecContext(ctx, m.cleanupSQL)
		if err != nil {
			return fmt.Errorf("mssqlstore: delete expired: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("mssqlstore: delete expired: %w", err)
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
