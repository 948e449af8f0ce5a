// Package cockroachdbstore is a PostgreSQL session store for scs, over
// database/sql with the github.com/lib/pq driver.
//
// Sessions live in a table the application creates (see the README):
// token TEXT PRIMARY KEY, data BYTEA, expiry TIMESTAMPTZ, the layout SCS v2's
// cockroachdbstore uses, so both read each other's sessions. Expiry is compared
// with the database server's clock (current_timestamp), as SCS does.
package cockroachdbstore

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
	// by its schema ("auth.sessions"). Empty means "sessions". Each part
	// must be an unquoted SQL identifier (ASCII letters, digits and
	// underscores, not starting with a digit); NewWithConfig panics
	// otherwise.
	TableName string
}

// CockroachDBStore is a session store in a CockroachDB table. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type CockroachDBStore struct {
	db     *sql.DB
	runner *cleanup.Runner

	findSQL, commitSQL, deleteSQL, allSQL, cleanupSQL string
}

// New returns a store on the table "sessions" in db. Its cleanup goroutine
// deletes expired sessions every 5 minutes, from the first use of the store
// until StopCleanup.
func New(db *sql.DB) *CockroachDBStore {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *sql.DB, cleanupInterval time.Duration) *CockroachDBStore {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.TableName is not a valid table name, which keeps it out of the SQL
// text unchecked.
func NewWithConfig(db *sql.DB, cfg Config) *CockroachDBStore {
	table := cfg.TableName
	if table == "" {
		table = "sessions"
	}
	if !validTableName(table) {
		panic(fmt.Sprintf("cockroachdbstore: invalid table name %q: want one or two dot-separated identifiers of ASCII letters, digits and underscores", table))
	}
	p := &CockroachDBStore{
		db:        db,
		findSQL:   "SELECT data FROM " + table + " WHERE token = $1 AND expiry > current_timestamp",
		commitSQL: "INSERT INTO " + table + " (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry",
		deleteSQL: "DELETE FROM " + table + " WHERE token = $1",
		allSQL:    "SELECT token, data FROM " + table + " WHERE expiry > current_timestamp",
		cleanupSQL: fmt.Sprintf("DELETE FROM %[1]s WHERE token IN (SELECT token FROM %[1]s WHERE expiry < current_timestamp LIMIT %[2]d)",
			table, deleteBatch),
	}
	p.runner = cleanup.New(cfg.CleanUpInterval, p.deleteExpired)
	return p
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (p *CockroachDBStore) Find(token string) (b []byte, found bool, err error) {
	return p.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (p *CockroachDBStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("cockroachdbstore: find: %w", err)
	}
	err = p.db.QueryRowContext(ctx, p.findSQL, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cockroachdbstore: find: %w", err)
	}
	return b, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (p *CockroachDBStore) Commit(token string, b []byte, expiry time.Time) error {
	return p.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (p *CockroachDBStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cockroachdbstore: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // nil would be NULL, and data is NOT NULL
	}
	if _, err := p.db.ExecContext(ctx, p.commitSQL, token, b, expiry); err != nil {
		return fmt.Errorf("cockroachdbstore: commit: %w", err)
	}
	return nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (p *CockroachDBStore) Delete(token string) error {
	return p.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (p *CockroachDBStore) DeleteCtx(ctx context.Context, token string) error {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cockroachdbstore: delete: %w", err)
	}
	if _, err := p.db.ExecContext(ctx, p.deleteSQL, token); err != nil {
		return fmt.Errorf("cockroachdbstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (p *CockroachDBStore) All() (map[string][]byte, error) {
	return p.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (p *CockroachDBStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cockroachdbstore: all: %w", err)
	}
	rows, err := p.db.QueryContext(ctx, p.allSQL)
	if err != nil {
		return nil, fmt.Errorf("cockroachdbstore: all: %w", err)
	}
	defer rows.Close()
	sessions := make(map[string][]byte)
	for rows.Next() {
		var token string
		var b []byte
		if err := rows.Scan(&token, &b); err != nil {
			return nil, fmt.Errorf("cockroachdbstore: all: %w", err)
		}
		sessions[token] = b
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cockroachdbstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (p *CockroachDBStore) StopCleanup() {
	p.runner.Stop()
}

// deleteExpired deletes the expired sessions, deleteBatch rows per
// statement, until a statement finds fewer than that.
func (p *CockroachDBStore) deleteExpired(ctx context.Context) error {
	for {
		res, err := p.db.ExecContext(ctx, p.cleanupSQL)
		if err != nil {
			return fmt.Errorf("cockroachdbstore: delete expired: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("cockroachdbstore: delete expired: %w", err)
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
