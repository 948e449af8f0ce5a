// Package sqlite3store is an scs session store over a SQLite database opened
// with github.com/mattn/go-sqlite3, using the table SCS v2's sqlite3store
// uses.
package sqlite3store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
)

// cleanupBatch is the most rows one cleanup statement deletes.
const cleanupBatch = 1000

// expiryFormat is how Commit hands the expiry to SQLite's julianday(): UTC,
// to the millisecond, the precision julianday('now') has.
const expiryFormat = "2006-01-02T15:04:05.999"

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
	db     *sql.DB
	runner *cleanup.Runner

	// The statements, with the table name filled in; set once by the
	// constructor.
	findQuery, commitQuery, deleteQuery, allQuery, cleanupQuery string
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
	table := config.TableName
	if table == "" {
		table = "sessions"
	}
	if !validTableName(table) {
		panic(fmt.Sprintf("sqlite3store: table name %q is not a plain identifier", table))
	}
	s := &SQLite3Store{db: db}
	s.findQuery = "SELECT data FROM " + table + " WHERE token = ? AND julianday('now') < expiry"
	s.commitQuery = "INSERT INTO " + table + " (token, data, expiry) VALUES (?, ?, julianday(?))" +
		" ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry"
	s.deleteQuery = "DELETE FROM " + table + " WHERE token = ?"
	s.allQuery = "SELECT token, data FROM " + table + " WHERE julianday('now') < expiry"
	s.cleanupQuery = fmt.Sprintf("DELETE FROM %[1]s WHERE token IN"+
		" (SELECT token FROM %[1]s WHERE expiry < julianday('now') LIMIT %[2]d)", table, cleanupBatch)
	s.runner = cleanup.New(config.CleanUpInterval, s.deleteExpired)
	return s
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired, even before cleanup deletes it.
func (s *SQLite3Store) Find(token string) (b []byte, found bool, err error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context; a cancelled context gives an error.
func (s *SQLite3Store) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("sqlite3store: find: %w", err)
	}
	err = s.db.QueryRowContext(ctx, s.findQuery, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite3store: find: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, true, nil
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had, in one statement.
func (s *SQLite3Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context; a cancelled context gives an error and
// writes nothing.
func (s *SQLite3Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite3store: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // a nil []byte would bind as NULL
	}
	if _, err := s.db.ExecContext(ctx, s.commitQuery, token, b, expiry.UTC().Format(expiryFormat)); err != nil {
		return fmt.Errorf("sqlite3store: commit: %w", err)
	}
	return nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *SQLite3Store) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context; a cancelled context gives an error and
// deletes nothing.
func (s *SQLite3Store) DeleteCtx(ctx context.Context, token string) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite3store: delete: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.deleteQuery, token); err != nil {
		return fmt.Errorf("sqlite3store: delete: %w", err)
	}
	return nil
}

// All returns the payloads of all sessions that have not expired, keyed by
// token; an empty, non-nil map when there are none.
func (s *SQLite3Store) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx is All with a context; a cancelled context gives an error.
func (s *SQLite3Store) AllCtx(ctx context.Context) (map[string][]byte, error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite3store: all: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.allQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite3store: all: %w", err)
	}
	defer rows.Close()
	sessions := make(map[string][]byte)
	for rows.Next() {
		var token string
		var data []byte
		if err := rows.Scan(&token, &data); err != nil {
			return nil, fmt.Errorf("sqlite3store: all: %w", err)
		}
		if data == nil {
			data = []byte{}
		}
		sessions[token] = data
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite3store: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to return. It is
// safe to call more than once, and on a store that runs no goroutine. Call it
// before closing the database when a store is short-lived, as in tests.
func (s *SQLite3Store) StopCleanup() {
	s.runner.Stop()
}

// validTableName reports whether name is an identifier, or two joined by a
// dot, made of ASCII letters, digits and underscores and not starting with a
// digit.
func validTableName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, part := range parts {
		if part == "" || part[0] >= '0' && part[0] <= '9' {
			return false
		}
		for _, c := range part {
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// deleteExpired deletes expired rows, at most cleanupBatch per statement so
// that no statement holds SQLite's write lock long.
func (s *SQLite3Store) deleteExpired(ctx context.Context) error {
	for {
		res, err := s.db.ExecContext(ctx, s.cleanupQuery)
		if err != nil {
			return fmt.Errorf("sqlite3store: cleanup: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite3store: cleanup: %w", err)
		}
		if n < cleanupBatch {
			return nil
		}
	}
}
