// Package postgresstore is a PostgreSQL session store for scs, over
// database/sql with the github.com/lib/pq driver.
//
// Sessions live in a table the application creates (see the README):
// token TEXT PRIMARY KEY, data BYTEA, expiry TIMESTAMPTZ, the layout SCS v2's
// postgresstore uses, so both read each other's sessions. Expiry is compared
// with the database server's clock (current_timestamp), as SCS does.
package postgresstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// dialect is the PostgreSQL SQL, which lib/pq takes as it is.
var dialect = sqlstore.Dialect{Name: "postgresstore", Statements: sqlstore.PostgresStatements}

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

// PostgresStore is a session store in a PostgreSQL table. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type PostgresStore struct {
	store *sqlstore.Store
}

// New returns a store on the table "sessions" in db. Its cleanup goroutine
// deletes expired sessions every 5 minutes, from the first use of the store
// until StopCleanup.
func New(db *sql.DB) *PostgresStore {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *sql.DB, cleanupInterval time.Duration) *PostgresStore {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.TableName is not a valid table name, which keeps it out of the SQL
// text unchecked.
func NewWithConfig(db *sql.DB, cfg Config) *PostgresStore {
	return &PostgresStore{sqlstore.New(db, dialect, cfg.TableName, cfg.CleanUpInterval)}
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (p *PostgresStore) Find(token string) (b []byte, found bool, err error) {
	return p.store.Find(token)
}

// FindCtx is Find with a context.
func (p *PostgresStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	return p.store.FindCtx(ctx, token)
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (p *PostgresStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return p.store.FindExpiry(ctx, token)
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (p *PostgresStore) Commit(token string, b []byte, expiry time.Time) error {
	return p.store.Commit(token, b, expiry)
}

// CommitCtx is Commit with a context.
func (p *PostgresStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return p.store.CommitCtx(ctx, token, b, expiry)
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one UPDATE; it reports whether it did. A missing or expired
// session is not swapped, and a cancelled context gives an error and writes
// nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (p *PostgresStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	return p.store.CompareAndSwap(ctx, token, old, b, expiry)
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE. A cancelled context gives
// an error and writes nothing. It makes the store an scs.UpdateStore, so
// that a session destroyed or renewed by one request is not written back
// by another.
func (p *PostgresStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return p.store.Update(ctx, token, b, expiry)
}

// Delete removes the session token. Deleting a missing token is not an error.
func (p *PostgresStore) Delete(token string) error { return p.store.Delete(token) }

// DeleteCtx is Delete with a context.
func (p *PostgresStore) DeleteCtx(ctx context.Context, token string) error {
	return p.store.DeleteCtx(ctx, token)
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (p *PostgresStore) All() (map[string][]byte, error) {
	return p.store.All()
}

// AllCtx is All with a context.
func (p *PostgresStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	return p.store.AllCtx(ctx)
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (p *PostgresStore) StopCleanup() {
	p.store.StopCleanup()
}
