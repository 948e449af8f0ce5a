// Package bunstore is a session store for scs over Bun (github.com/uptrace/bun),
// for PostgreSQL, MySQL/MariaDB, SQLite and SQL Server.
//
// On its first use, the store creates its table if it does not exist, in the
// layout SCS v2's bunstore uses: table "sessions" with columns token, data
// and expiry and an index on expiry, so both read each other's sessions. Its
// constructors, like SCS v2's, send nothing to the database. Expiry is compared
// with the application's clock, as SCS does.
package bunstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// session is a row of the sessions table.
type session struct {
	bun.BaseModel `bun:"table:sessions"`

	Token  string    `bun:"token,pk"`
	Data   []byte    `bun:"data"`
	Expiry time.Time `bun:"expiry"`
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
	// underscores, not starting with a digit).
	TableName string
}

// BunStore is a session store in a database table reached through Bun. It is
// safe for concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type BunStore struct {
	db      *bun.DB
	dialect dialect.Name
	name    string   // the table's name, as configured
	table   string   // quoted for the dialect
	create  []string // the statements that create the table if it does not exist
	runner  *cleanup.Runner

	createMu sync.Mutex  // held while the table is created
	created  atomic.Bool // the create statements succeeded

	findSQL, deleteSQL, allSQL, cleanupSQL, mergeSQL, casSQL, updateSQL, holdsSQL string
}

// New returns a store on the table "sessions" in db, which it creates, if it
// does not exist, on its first use. Its cleanup goroutine deletes expired
// sessions every 5 minutes, from the first use of the store until
// StopCleanup. Like SCS v2's, it sends nothing to the database before the
// store is used.
func New(db *bun.DB) (*BunStore, error) {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *bun.DB, cleanupInterval time.Duration) (*BunStore, error) {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It returns an error if
// cfg.TableName is not a valid table name, or the dialect is not one of
// PostgreSQL, MySQL, SQLite and SQL Server; it sends nothing to the
// database. The store creates its table, if it does not exist, on its first
// use (the first call of any method); until that succeeds, each call tries
// again and returns the error. A nil db gives a store whose methods return
// an error.
func NewWithConfig(db *bun.DB, cfg Config) (*BunStore, error) {
	name, err := sqlstore.CheckTableName("bunstore", cfg.TableName)
	if err != nil {
		return nil, err
	}
	if db == nil {
		b := &BunStore{}
		b.runner = cleanup.New(cfg.CleanUpInterval, b.deleteExpired)
		return b, nil
	}
	schema, table, qualified := strings.Cut(name, ".")
	if !qualified {
		schema, table = "", name
	}
	d := db.Dialect().Name()
	ident := func(s string) string { return string(dialect.AppendIdent(nil, s, db.Dialect().IdentQuote())) }
	t := ident(name)
	b := &BunStore{
		db:        db,
		dialect:   d,
		table:     t,
		findSQL:   "SELECT data FROM " + t + " WHERE token = ? AND expiry > ?",
		deleteSQL: "DELETE FROM " + t + " WHERE token = ?",
		allSQL:    "SELECT token, data FROM " + t + " WHERE expiry > ?",
		casSQL:    "UPDATE " + t + " SET data = ?, expiry = ? WHERE token = ? AND data = ? AND expiry > ?",
		updateSQL: "UPDATE " + t + " SET data = ?, expiry = ? WHERE token = ? AND expiry > ?",
		holdsSQL:  "SELECT 1 FROM " + t + " WHERE token = ? AND data = ? AND expiry = ? AND expiry > ?",
		cleanupSQL: fmt.Sprintf("DELETE FROM %[1]s WHERE token IN (SELECT token FROM %[1]s WHERE expiry < ? LIMIT %[2]d)",
			t, sqlstore.BatchSize),
	}

	// The index is named after the table, as SCS names sessions_expiry_idx.
	// SQLite qualifies the index by its schema, the others the table.
	index := ident(table + "_expiry_idx")
	var create []string
	switch d {
	case dialect.PG:
		create = []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)",
			"CREATE INDEX IF NOT EXISTS " + index + " ON " + t + " (expiry)",
		}
	case dialect.SQLite:
		// SCS declares expiry REAL; Bun writes times into it as UTC text
		// ("2006-01-02 15:04:05.999999+00:00"), which compares in order.
		on := t
		if schema != "" {
			index, on = ident(schema)+"."+index, ident(table)
		}
		create = []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)",
			"CREATE INDEX IF NOT EXISTS " + index + " ON " + on + " (expiry)",
		}
	case dialect.MySQL:
		// SCS's CHAR(43), compared case-sensitively; MEDIUMBLOB rather than
		// BLOB so that payloads above 64 KiB fit. MySQL allows no LIMIT in
		// an IN subquery, but on DELETE.
		create = []string{"CREATE TABLE IF NOT EXISTS " + t + " (token CHAR(43) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY, " +
			"data MEDIUMBLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL, INDEX " + index + " (expiry))"}
		b.cleanupSQL = fmt.Sprintf("DELETE FROM %s WHERE expiry < ? LIMIT %d", t, sqlstore.BatchSize)
	case dialect.MSSQL:
		create = []string{"IF OBJECT_ID(N'" + name + "', N'U') IS NULL BEGIN " +
			"CREATE TABLE " + t + " (token CHAR(43) COLLATE Latin1_General_BIN2 NOT NULL PRIMARY KEY, data VARBINARY(MAX) NOT NULL, expiry DATETIME2(6) NOT NULL); " +
			"CREATE INDEX " + index + " ON " + t + " (expiry); END"}
		b.cleanupSQL = fmt.Sprintf("DELETE TOP (%d) FROM %s WHERE expiry < ?", sqlstore.BatchSize, t)
		b.mergeSQL = "MERGE INTO " + t + " WITH (HOLDLOCK) AS t USING (VALUES (?, ?, ?)) AS s (token, data, expiry) ON t.token = s.token " +
			"WHEN MATCHED THEN UPDATE SET data = s.data, expiry = s.expiry " +
			"WHEN NOT MATCHED THEN INSERT (token, data, expiry) VALUES (s.token, s.data, s.expiry);"
	default:
		return nil, fmt.Errorf("bunstore: unsupported dialect %s", d)
	}
	b.name, b.create = name, create
	b.runner = cleanup.New(cfg.CleanUpInterval, b.deleteExpired)
	return b, nil
}

// ready prepares the store for a call with ctx: it returns an error for a
// store without a database, starts the cleanup goroutine unless it runs
// already, returns the context's error, if any,
// so that a cancelled call sends nothing, and creates the table unless
// this store already did.
func (b *BunStore) ready(ctx context.Context) error {
	if b.db == nil {
		return errors.New("no database: the store was made with a nil *bun.DB")
	}
	b.runner.Start()
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.created.Load() {
		return nil
	}
	b.createMu.Lock()
	defer b.createMu.Unlock()
	if b.created.Load() {
		return nil
	}
	for _, q := range b.create {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create table %s: %w", b.name, err)
		}
	}
	b.created.Store(true)
	return nil
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (b *BunStore) Find(token string) (data []byte, found bool, err error) {
	return b.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (b *BunStore) FindCtx(ctx context.Context, token string) (data []byte, found bool, err error) {
	if err := b.ready(ctx); err != nil {
		return nil, false, fmt.Errorf("bunstore: find: %w", err)
	}
	err = b.db.QueryRowContext(ctx, b.findSQL, token, now()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("bunstore: find: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (b *BunStore) FindExpiry(ctx context.Context, token string) (data []byte, expiry time.Time, found bool, err error) {
	if err := b.ready(ctx); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("bunstore: find: %w", err)
	}
	// Bun's scanner, unlike database/sql's, reads the text SQLite keeps
	// times as.
	err = b.db.NewRaw("SELECT data, expiry FROM "+b.table+" WHERE token = ? AND expiry > ?", token, now()).
		Scan(ctx, &data, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("bunstore: find: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, expiry, true, nil
}

// Commit stores the session token with data until expiry, replacing any data
// and expiry the token had, in one upsert statement.
func (b *BunStore) Commit(token string, data []byte, expiry time.Time) error {
	return b.CommitCtx(context.Background(), token, data, expiry)
}

// CommitCtx is Commit with a context.
func (b *BunStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	if err := b.ready(ctx); err != nil {
		return fmt.Errorf("bunstore: commit: %w", err)
	}
	if data == nil {
		data = []byte{} // nil would be NULL, and data is NOT NULL
	}
	// MySQL and SQL Server get the local wall time, as SCS gives them.
	expiry = expiry.In(time.Local)
	var err error
	switch b.dialect {
	case dialect.MSSQL:
		_, err = b.db.ExecContext(ctx, b.mergeSQL, token, data, expiry)
	case dialect.MySQL:
		_, err = b.insert(token, data, expiry).
			On("DUPLICATE KEY UPDATE").Set("data = VALUES(data), expiry = VALUES(expiry)").Exec(ctx)
	default:
		_, err = b.insert(token, data, expiry).
			On("CONFLICT (token) DO UPDATE").Set("data = EXCLUDED.data, expiry = EXCLUDED.expiry").Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("bunstore: commit: %w", err)
	}
	return nil
}

func (b *BunStore) insert(token string, data []byte, expiry time.Time) *bun.InsertQuery {
	return b.db.NewInsert().
		Model(&session{Token: token, Data: data, Expiry: expiry}).
		ModelTableExpr(b.table)
}

// CompareAndSwap stores the session token with data until expiry, as
// Commit does, if and only if the session has not expired and its data is
// exactly old; it reports whether it did. It is one UPDATE whose WHERE holds
// the token, the old data and expiry > now, so no other write comes between
// the comparison and the write. A missing or expired session is not
// swapped, and a cancelled context gives an error and writes nothing. It
// makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
//
// MySQL counts only the rows an UPDATE changed, so swapping old for
// identical data and expiry reports no row: then a second statement checks
// that the session holds them, and if so the swap is done.
func (b *BunStore) CompareAndSwap(ctx context.Context, token string, old, data []byte, expiry time.Time) (swapped bool, err error) {
	if err := b.ready(ctx); err != nil {
		return false, fmt.Errorf("bunstore: compare and swap: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	if old == nil {
		old = []byte{}
	}
	expiry = expiry.In(time.Local) // as Commit writes it
	res, err := b.db.ExecContext(ctx, b.casSQL, data, expiry, token, old, now())
	if err != nil {
		return false, fmt.Errorf("bunstore: compare and swap: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("bunstore: compare and swap: %w", err)
	}
	if n == 1 {
		return true, nil
	}
	if n != 0 || b.dialect != dialect.MySQL || !bytes.Equal(old, data) {
		return false, nil
	}
	var one int
	err = b.db.QueryRowContext(ctx, b.holdsSQL, token, data, expiry, now()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bunstore: compare and swap: %w", err)
	}
	return true, nil
}

// Update stores the session token with data until expiry, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE whose WHERE holds the
// token and expiry > now. MySQL counts only the rows an UPDATE changed, so
// when the UPDATE changed none there, a second statement checks whether the
// session holds the data and expiry already. A cancelled context gives an
// error and writes nothing. It makes the store an scs.UpdateStore, so that a
// session destroyed or renewed by one request is not written back by
// another.
func (b *BunStore) Update(ctx context.Context, token string, data []byte, expiry time.Time) (found bool, err error) {
	if err := b.ready(ctx); err != nil {
		return false, fmt.Errorf("bunstore: update: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	expiry = expiry.In(time.Local) // as Commit writes it
	res, err := b.db.ExecContext(ctx, b.updateSQL, data, expiry, token, now())
	if err != nil {
		return false, fmt.Errorf("bunstore: update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("bunstore: update: %w", err)
	}
	if n == 1 || b.dialect != dialect.MySQL {
		return n == 1, nil
	}
	var one int
	err = b.db.QueryRowContext(ctx, b.holdsSQL, token, data, expiry, now()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bunstore: update: %w", err)
	}
	return true, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (b *BunStore) Delete(token string) error {
	return b.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (b *BunStore) DeleteCtx(ctx context.Context, token string) error {
	if err := b.ready(ctx); err != nil {
		return fmt.Errorf("bunstore: delete: %w", err)
	}
	if _, err := b.db.ExecContext(ctx, b.deleteSQL, token); err != nil {
		return fmt.Errorf("bunstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (b *BunStore) All() (map[string][]byte, error) {
	return b.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (b *BunStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	if err := b.ready(ctx); err != nil {
		return nil, fmt.Errorf("bunstore: all: %w", err)
	}
	rows, err := b.db.QueryContext(ctx, b.allSQL, now())
	if err != nil {
		return nil, fmt.Errorf("bunstore: all: %w", err)
	}
	defer rows.Close()
	sessions, err := sqlstore.ScanSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("bunstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (b *BunStore) StopCleanup() {
	b.runner.Stop()
}

// deleteExpired deletes the expired sessions, sqlstore.BatchSize rows per
// statement, until a statement finds fewer than that.
func (b *BunStore) deleteExpired(ctx context.Context) error {
	if err := b.ready(ctx); err != nil {
		return fmt.Errorf("bunstore: delete expired: %w", err)
	}
	return sqlstore.DeleteInBatches(ctx, "bunstore", func(ctx context.Context) (int64, error) {
		res, err := b.db.ExecContext(ctx, b.cleanupSQL, now())
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// now is the time expiries are compared with. Bun writes it as UTC for
// PostgreSQL and SQLite, and as local wall time for MySQL and SQL Server,
// which is how it writes expiries too.
func now() time.Time { return time.Now().In(time.Local) }
