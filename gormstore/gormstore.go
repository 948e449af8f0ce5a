// Package gormstore is a session store for scs over GORM (gorm.io/gorm), for
// any database GORM has a driver for: PostgreSQL, MySQL/MariaDB, SQLite,
// SQL Server.
//
// The store creates its table with GORM's AutoMigrate, in the layout SCS v2's
// gormstore uses (table "sessions", columns token, data and expiry, index
// idx_sessions_expiry), so both read each other's sessions. Expiry is compared
// with the application's clock, as SCS does.
package gormstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// session is a row of the sessions table, tagged as SCS v2's gormstore tags
// it so that AutoMigrate leaves a table SCS created as it is.
type session struct {
	Token  string    `gorm:"column:token;primaryKey;type:varchar(43)"`
	Data   []byte    `gorm:"column:data"`
	Expiry time.Time `gorm:"column:expiry;index"`
}

// TableName is the default table; every query names the configured one.
func (session) TableName() string { return "sessions" }

// mysqlSession is session for creating the table on MySQL and MariaDB, whose
// default collations compare case-insensitively: the token column gets a
// binary collation so that tokens differing in case are different sessions.
// The type stays varchar(43), and AutoMigrate does not alter the collation
// of an existing primary key, so tables SCS created keep working as they are.
type mysqlSession struct {
	Token  string    `gorm:"column:token;primaryKey;type:varchar(43) CHARACTER SET ascii COLLATE ascii_bin"`
	Data   []byte    `gorm:"column:data"`
	Expiry time.Time `gorm:"column:expiry;index"`
}

// TableName is the default table; every query names the configured one.
func (mysqlSession) TableName() string { return "sessions" }

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

// GORMStore is a session store in a database table reached through GORM. It
// is safe for concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type GORMStore struct {
	db      *gorm.DB // a fresh session: no default transaction, no leftover conditions
	table   string
	dialect string // db.Dialector.Name()
	runner  *cleanup.Runner
}

// New returns a store on the table "sessions" in db, creating the table if it
// does not exist. Its cleanup goroutine deletes expired sessions every 5
// minutes, from the first use of the store until StopCleanup.
func New(db *gorm.DB) (*GORMStore, error) {
	return NewWithCleanupInterval(db, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired rows stay in
// the table (Find still ignores them).
func NewWithCleanupInterval(db *gorm.DB, cleanupInterval time.Duration) (*GORMStore, error) {
	return NewWithConfig(db, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg, creating its table if it
// does not exist. It returns an error if cfg.TableName is not a valid table
// name or the table cannot be migrated.
func NewWithConfig(db *gorm.DB, cfg Config) (*GORMStore, error) {
	table, err := sqlstore.CheckTableName("gormstore", cfg.TableName)
	if err != nil {
		return nil, err
	}
	g := &GORMStore{
		// Each write is one statement: GORM's default transaction around it
		// would cost two more round trips.
		db:      db.Session(&gorm.Session{NewDB: true, SkipDefaultTransaction: true}),
		table:   table,
		dialect: db.Dialector.Name(),
	}
	if err := g.migrate(); err != nil {
		return nil, err
	}
	g.runner = cleanup.New(cfg.CleanUpInterval, g.deleteExpired)
	return g, nil
}

// migrate creates the table and its expiry index if they do not exist.
func (g *GORMStore) migrate() error {
	db := g.db.Table(g.table)
	var model any = &session{}
	if g.dialect == "mysql" {
		db = db.Set("gorm:table_options", "ENGINE=InnoDB CHARSET=utf8mb4")
		model = &mysqlSession{}
	}
	if err := db.AutoMigrate(model); err != nil {
		return fmt.Errorf("gormstore: migrate table %s: %w", g.table, err)
	}
	return nil
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (g *GORMStore) Find(token string) (b []byte, found bool, err error) {
	return g.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (g *GORMStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("gormstore: find: %w", err)
	}
	var s session
	res := g.db.WithContext(ctx).Table(g.table).Select("data").
		Where("token = ? AND expiry > ?", token, now()).Limit(1).Find(&s)
	if res.Error != nil {
		return nil, false, fmt.Errorf("gormstore: find: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, false, nil
	}
	if s.Data == nil {
		s.Data = []byte{}
	}
	return s.Data, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (g *GORMStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("gormstore: find: %w", err)
	}
	var s session
	res := g.db.WithContext(ctx).Table(g.table).Select("data", "expiry").
		Where("token = ? AND expiry > ?", token, now()).Limit(1).Find(&s)
	if res.Error != nil {
		return nil, time.Time{}, false, fmt.Errorf("gormstore: find: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, time.Time{}, false, nil
	}
	if s.Data == nil {
		s.Data = []byte{}
	}
	return s.Data, s.Expiry, true, nil
}

// Commit stores the session token with data b until expiry, replacing any
// data and expiry the token had, in one upsert statement.
func (g *GORMStore) Commit(token string, b []byte, expiry time.Time) error {
	return g.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (g *GORMStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: commit: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	row := session{Token: token, Data: b, Expiry: expiry.In(time.Local)}
	err := g.db.WithContext(ctx).Table(g.table).
		Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("gormstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the session token with data b until expiry, as
// Commit does, if and only if the session has not expired and its data is
// exactly old; it reports whether it did. It is one UPDATE whose WHERE holds
// the token, the old data and expiry > now, so no other write comes between
// the comparison and the write. A missing or expired session is not
// swapped, and a cancelled context gives an error and writes nothing. It
// makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
//
// MySQL and MariaDB count only the rows an UPDATE changed, so swapping old
// for identical data, with an expiry the column stores as the one it holds,
// reports no row: then a second statement checks that the session holds b
// with an expiry within a second of expiry (the column rounds it), and if
// so the swap is done.
func (g *GORMStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("gormstore: compare and swap: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	if old == nil {
		old = []byte{}
	}
	expiry = expiry.In(time.Local)
	res := g.db.WithContext(ctx).Table(g.table).
		Where("token = ? AND data = ? AND expiry > ?", token, old, now()).
		Updates(map[string]any{"data": b, "expiry": expiry})
	if res.Error != nil {
		return false, fmt.Errorf("gormstore: compare and swap: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	if res.RowsAffected != 0 || g.dialect != "mysql" || !bytes.Equal(old, b) {
		return false, nil
	}
	var n int64
	err = g.db.WithContext(ctx).Table(g.table).
		Where("token = ? AND data = ? AND expiry BETWEEN ? AND ? AND expiry > ?",
			token, b, expiry.Add(-time.Second), expiry.Add(time.Second), now()).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("gormstore: compare and swap: %w", err)
	}
	return n == 1, nil
}

// Update stores the session token with data b until expiry, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never inserts. It is one UPDATE whose WHERE holds the
// token and expiry > now. MySQL and MariaDB count only the rows an UPDATE
// changed, so when the UPDATE changed none there, a second statement checks
// whether the session holds b with an expiry within a second of expiry (the
// column rounds it). A cancelled context gives an error and writes nothing.
// It makes the store an scs.UpdateStore, so that a session destroyed or
// renewed by one request is not written back by another.
func (g *GORMStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("gormstore: update: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	expiry = expiry.In(time.Local)
	res := g.db.WithContext(ctx).Table(g.table).
		Where("token = ? AND expiry > ?", token, now()).
		Updates(map[string]any{"data": b, "expiry": expiry})
	if res.Error != nil {
		return false, fmt.Errorf("gormstore: update: %w", res.Error)
	}
	if res.RowsAffected == 1 || g.dialect != "mysql" {
		return res.RowsAffected == 1, nil
	}
	var n int64
	err = g.db.WithContext(ctx).Table(g.table).
		Where("token = ? AND data = ? AND expiry BETWEEN ? AND ? AND expiry > ?",
			token, b, expiry.Add(-time.Second), expiry.Add(time.Second), now()).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("gormstore: update: %w", err)
	}
	return n == 1, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (g *GORMStore) Delete(token string) error {
	return g.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (g *GORMStore) DeleteCtx(ctx context.Context, token string) error {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: delete: %w", err)
	}
	if err := g.db.WithContext(ctx).Table(g.table).Where("token = ?", token).Delete(&session{}).Error; err != nil {
		return fmt.Errorf("gormstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (g *GORMStore) All() (map[string][]byte, error) {
	return g.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (g *GORMStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	g.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gormstore: all: %w", err)
	}
	rows, err := g.db.WithContext(ctx).Table(g.table).Select("token", "data").
		Where("expiry > ?", now()).Rows()
	if err != nil {
		return nil, fmt.Errorf("gormstore: all: %w", err)
	}
	defer rows.Close()
	sessions, err := sqlstore.ScanSessions(rows)
	if err != nil {
		return nil, fmt.Errorf("gormstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, or on a store that runs none; the store
// itself stays usable.
func (g *GORMStore) StopCleanup() {
	g.runner.Stop()
}

// deleteExpired deletes the expired sessions, sqlstore.BatchSize rows per
// statement, until a statement finds fewer than that.
func (g *GORMStore) deleteExpired(ctx context.Context) error {
	t := clause.Table{Name: g.table}
	var sql string
	var args []any
	switch g.dialect {
	case "mysql": // MySQL allows no LIMIT in an IN subquery, but on DELETE
		sql = fmt.Sprintf("DELETE FROM ? WHERE expiry < ? LIMIT %d", sqlstore.BatchSize)
		args = []any{t}
	case "sqlserver":
		sql = fmt.Sprintf("DELETE TOP (%d) FROM ? WHERE expiry < ?", sqlstore.BatchSize)
		args = []any{t}
	default:
		sql = fmt.Sprintf("DELETE FROM ? WHERE token IN (SELECT token FROM ? WHERE expiry < ? LIMIT %d)", sqlstore.BatchSize)
		args = []any{t, t}
	}
	return sqlstore.DeleteInBatches(ctx, "gormstore", func(ctx context.Context) (int64, error) {
		res := g.db.WithContext(ctx).Exec(sql, append(args, now())...)
		return res.RowsAffected, res.Error
	})
}

// now is the time expiries are compared with, in the local zone as SCS
// writes them: SQLite keeps times as text in the zone they come with.
func now() time.Time { return time.Now().In(time.Local) }
