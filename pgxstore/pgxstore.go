// Package pgxstore is a PostgreSQL session store for scs over a
// github.com/jackc/pgx/v5 connection pool.
//
// Sessions live in a table the application creates (see the README):
// token TEXT PRIMARY KEY, data BYTEA, expiry TIMESTAMPTZ, the layout SCS v2's
// pgxstore and postgresstore use, so they all read each other's sessions.
// Expiry is compared with the database server's clock (current_timestamp),
// as SCS does.
package pgxstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/seed3bbca6c1/scs/cleanup"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

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
	pool    *pgxpool.Pool
	runner  *cleanup.Runner
	sql     sqlstore.Statements // PostgreSQL's, as postgresstore sends them
	table   string              // the sessions table, as the statements name it
	indexed atomic.Bool         // AddUserSession or CheckUserIndex succeeded: the index table exists
}

// New returns a store on the table "sessions" of the pool's database. Its
// cleanup goroutine deletes expired sessions every 5 minutes, from the first
// use of the store until StopCleanup.
func New(pool *pgxpool.Pool) *PostgresStore {
	return NewWithCleanupInterval(pool, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(pool *pgxpool.Pool, cleanupInterval time.Duration) *PostgresStore {
	return NewWithConfig(pool, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.TableName is not a valid table name, which keeps it out of the SQL
// text unchecked.
func NewWithConfig(pool *pgxpool.Pool, cfg Config) *PostgresStore {
	table := sqlstore.TableName("pgxstore", cfg.TableName)
	p := &PostgresStore{pool: pool, sql: sqlstore.PostgresStatements(table), table: table}
	p.runner = cleanup.New(cfg.CleanUpInterval, p.deleteExpired)
	return p
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (p *PostgresStore) Find(token string) (b []byte, found bool, err error) {
	return p.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (p *PostgresStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, p.errorf("find", err)
	}
	err = p.pool.QueryRow(ctx, p.sql.Find, token).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, p.errorf("find", err)
	}
	return b, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (p *PostgresStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, p.errorf("find expiry", err)
	}
	err = p.pool.QueryRow(ctx, p.sql.FindExpiry, token).Scan(&b, &expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, p.errorf("find expiry", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, expiry, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one statement.
func (p *PostgresStore) Commit(token string, b []byte, expiry time.Time) error {
	return p.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (p *PostgresStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return p.errorf("commit", err)
	}
	if b == nil {
		b = []byte{} // nil would be NULL, and data is NOT NULL
	}
	if _, err := p.pool.Exec(ctx, p.sql.Commit, token, b, expiry); err != nil {
		return p.errorf("commit", err)
	}
	return nil
}

// CompareAndSwap stores data b until expiry for the session token, as
// Commit does, if and only if the session has not expired and holds exactly
// old, in one UPDATE; it reports whether it did. A missing or expired
// session is not swapped, and a cancelled context gives an error and writes
// nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (p *PostgresStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, p.errorf("compare and swap", err)
	}
	if b == nil {
		b = []byte{}
	}
	if old == nil {
		old = []byte{}
	}
	tag, err := p.pool.Exec(ctx, p.sql.CompareAndSwap, b, expiry, token, old)
	if err != nil {
		return false, p.errorf("compare and swap", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Update stores data b until expiry for the session token, as Commit does,
// if and only if the session exists and has not expired, in one UPDATE that
// never inserts; it reports whether it did. A cancelled context gives an
// error and writes nothing. It makes the store an scs.UpdateStore, so that
// a session destroyed or renewed by one request is not written back by
// another.
func (p *PostgresStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, p.errorf("update", err)
	}
	if b == nil {
		b = []byte{}
	}
	tag, err := p.pool.Exec(ctx, p.sql.Update, b, expiry, token)
	if err != nil {
		return false, p.errorf("update", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (p *PostgresStore) Delete(token string) error {
	return p.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (p *PostgresStore) DeleteCtx(ctx context.Context, token string) error {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return p.errorf("delete", err)
	}
	if _, err := p.pool.Exec(ctx, p.sql.Delete, token); err != nil {
		return p.errorf("delete", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (p *PostgresStore) All() (map[string][]byte, error) {
	return p.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (p *PostgresStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	p.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, p.errorf("all", err)
	}
	rows, err := p.pool.Query(ctx, p.sql.All)
	if err != nil {
		return nil, p.errorf("all", err)
	}
	defer rows.Close()
	sessions, err := sqlstore.ScanSessions(rows)
	if err != nil {
		return nil, p.errorf("all", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (p *PostgresStore) StopCleanup() {
	p.runner.Stop()
}

// deleteExpired deletes the expired sessions, sqlstore.BatchSize rows per
// statement, until a statement finds fewer than that; then, once this store
// has added a row to the index of user sessions (or found its table), the
// index's expired rows, the same way.
func (p *PostgresStore) deleteExpired(ctx context.Context) error {
	batches := func(stmt string) error {
		return sqlstore.DeleteInBatches(ctx, "pgxstore", func(ctx context.Context) (int64, error) {
			tag, err := p.pool.Exec(ctx, stmt)
			return tag.RowsAffected(), err
		})
	}
	if err := batches(p.sql.Cleanup); err != nil {
		return err
	}
	if !p.indexed.Load() || p.sql.Users.Cleanup == "" {
		return nil
	}
	return batches(p.sql.Users.Cleanup)
}

// errorf prefixes err with the package's name and op. An error for a
// missing table, which only the sessions table can be in the statements on
// sessions, names the table and the README's section that creates it.
func (p *PostgresStore) errorf(op string, err error) error {
	if sqlstore.IsMissingTable(err) {
		return sqlstore.MissingTableError("pgxstore", op, p.table, sqlstore.SessionsSection, err)
	}
	return fmt.Errorf("pgxstore: %s: %w", op, err)
}
