package gormstore

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/storetest"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// dialectors wrap an engine's test database in GORM's dialect for it.
var dialectors = map[string]func(*sql.DB) gorm.Dialector{
	"postgres": func(db *sql.DB) gorm.Dialector { return postgres.New(postgres.Config{Conn: db}) },
	"mysql":    func(db *sql.DB) gorm.Dialector { return mysql.New(mysql.Config{Conn: db}) },
	"sqlite":   func(db *sql.DB) gorm.Dialector { return sqlite.New(sqlite.Config{Conn: db}) },
}

// columnTypes are the column types a fresh table gets on each engine, as the
// driver names them.
var columnTypes = map[string]map[string]string{
	"postgres": {"token": "varchar", "data": "bytea", "expiry": "timestamptz"},
	"mysql":    {"token": "varchar", "data": "longblob", "expiry": "datetime"},
	"sqlite":   {"token": "varchar", "data": "blob", "expiry": "datetime"},
}

// openGORM opens db through GORM with the engine's dialect and cfg, or a
// silent logger when cfg is nil. GORM keeps the dialect's clause builders in
// the config, so no two databases may share one.
func openGORM(t testing.TB, engine string, db *sql.DB, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	if cfg == nil {
		cfg = &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)}
	}
	g, err := gorm.Open(dialectors[engine](db), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// runEngines runs test once per engine, with GORM over its test database.
func runEngines(t *testing.T, test func(t *testing.T, engine string, db *gorm.DB)) {
	sqltest.RunEngines(t, "pgx", func(t *testing.T, engine string, db *sql.DB) {
		test(t, engine, openGORM(t, engine, db, nil))
	})
}

// newStore returns a store on a new table, dropped when the test ends.
func newStore(t testing.TB, db *gorm.DB, interval time.Duration) *GORMStore {
	t.Helper()
	table := sqltest.UniqueName(t)
	g, err := NewWithConfig(db, Config{CleanUpInterval: interval, TableName: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Migrator().DropTable(table); err != nil {
			t.Errorf("drop %s: %v", table, err)
		}
	})
	t.Cleanup(g.StopCleanup) // runs first
	return g
}

// count counts the rows for token directly in the table, expired or not; all
// rows with an empty token.
func count(t testing.TB, g *GORMStore, token string) int {
	t.Helper()
	q := g.db.Table(g.table)
	if token != "" {
		q = q.Where("token = ?", token)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	return int(n)
}

func TestConformance(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *gorm.DB) {
		storetest.Suite{
			New: func(t *testing.T) scs.Store { return newStore(t, db, 0) },
			NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
				return newStore(t, db, interval)
			},
			Stored: func(t *testing.T, s scs.Store, token string) bool { return count(t, s.(*GORMStore), token) > 0 },
		}.Run(t)
	})
}

// scsSession is a row as SCS v2's gormstore declares it.
type scsSession struct {
	Token  string    `gorm:"column:token;primaryKey;type:varchar(43)"`
	Data   []byte    `gorm:"column:data"`
	Expiry time.Time `gorm:"column:expiry;index"`
}

func TestFreshTableLayout(t *testing.T) {
	runEngines(t, func(t *testing.T, engine string, db *gorm.DB) {
		g := newStore(t, db, 0)
		cols, err := db.Migrator().ColumnTypes(g.table)
		if err != nil {
			t.Fatal(err)
		}
		want := columnTypes[engine]
		got := map[string]string{}
		for _, c := range cols {
			got[c.Name()] = strings.ToLower(c.DatabaseTypeName())
			if c.Name() == "token" {
				if pk, ok := c.PrimaryKey(); ok && !pk {
					t.Error("token is not the primary key")
				}
				if n, ok := c.Length(); ok && n != 43 {
					t.Errorf("token has length %d, want 43", n)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("columns %v, want %v", got, want)
		}
		for name, typ := range want {
			if got[name] != typ {
				t.Errorf("column %s has type %q, want %q", name, got[name], typ)
			}
		}
		if !db.Migrator().HasIndex(g.table, "idx_"+g.table+"_expiry") {
			t.Errorf("no index idx_%s_expiry", g.table)
		}
	})
}

// TestSCSCompat checks that the store works on a table SCS v2's gormstore
// created, reads the rows SCS writes, and writes rows SCS's query finds.
func TestSCSCompat(t *testing.T) {
	runEngines(t, func(t *testing.T, engine string, db *gorm.DB) {
		table := sqltest.UniqueName(t)
		scsDB := db.Table(table)
		if engine == "mysql" {
			scsDB = scsDB.Set("gorm:table_options", "ENGINE=InnoDB CHARSET=utf8mb4")
		}
		if err := scsDB.AutoMigrate(&scsSession{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Migrator().DropTable(table) })
		before, err := db.Migrator().ColumnTypes(table)
		if err != nil {
			t.Fatal(err)
		}

		g, err := NewWithConfig(db, Config{TableName: table})
		if err != nil {
			t.Fatalf("NewWithConfig on a table SCS created: %v", err)
		}
		after, err := db.Migrator().ColumnTypes(table)
		if err != nil {
			t.Fatal(err)
		}
		for i := range before {
			if before[i].Name() != after[i].Name() || before[i].DatabaseTypeName() != after[i].DatabaseTypeName() {
				t.Errorf("column %s %s became %s %s", before[i].Name(), before[i].DatabaseTypeName(), after[i].Name(), after[i].DatabaseTypeName())
			}
		}

		storetest.Layout{
			// Rows as SCS writes them.
			Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
				row := scsSession{Token: token, Data: data, Expiry: expiry}
				if err := db.Table(table).Create(&row).Error; err != nil {
					t.Fatal(err)
				}
			},
			// The row for token, whose liveness SCS's query must see.
			Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
				var s scsSession
				res := db.Table(table).Where("token = ?", token).Limit(1).Find(&s)
				if res.Error != nil {
					t.Fatal(res.Error)
				}
				if res.RowsAffected == 0 {
					return nil, time.Time{}, false
				}
				var live scsSession
				res = db.Table(table).Where("token = ? AND expiry >= ?", token, time.Now()).Limit(1).Find(&live)
				if res.Error != nil || (res.RowsAffected == 1) != s.Expiry.After(time.Now()) {
					t.Errorf("SCS's query found %d rows (%v) for a session expiring %v", res.RowsAffected, res.Error, s.Expiry)
				}
				return s.Data, s.Expiry, true
			},
			// MySQL keeps the milliseconds of a DATETIME(3).
			Resolution: time.Millisecond,
			Slack:      time.Millisecond,
		}.Run(t, g)
	})
}

func TestDefaultTableName(t *testing.T) {
	db := openGORM(t, "sqlite", sqltest.SQLite(t), nil)
	g, err := NewWithCleanupInterval(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.StopCleanup()
	if g.table != "sessions" || !db.Migrator().HasTable("sessions") || !db.Migrator().HasIndex("sessions", "idx_sessions_expiry") {
		t.Fatalf("New made table %q; want sessions with index idx_sessions_expiry", g.table)
	}
	tok := storetest.Token(t)
	if err := g.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, g, tok); n != 1 {
		t.Fatalf("the sessions table holds %d rows for the token, want 1", n)
	}
}

func TestTableNames(t *testing.T) {
	db := openGORM(t, "sqlite", sqltest.SQLite(t), nil)
	sqltest.CheckTableNames(t, "gormstore", func(table string) (scs.Store, error) {
		return NewWithConfig(db, Config{TableName: table})
	}, "main.my_sessions", "Sessions2")
}

// statementLog records the statements GORM runs, and notes a transaction.
type statementLog struct {
	logger.Interface
	mu    sync.Mutex
	stmts []string
	inTx  bool
}

func (l *statementLog) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *statementLog) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.mu.Lock()
	l.stmts = append(l.stmts, sql)
	l.mu.Unlock()
}

// take returns the statements run since it was last called, and fails the
// test if any of them ran in a transaction.
func (l *statementLog) take(t *testing.T) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inTx {
		t.Errorf("%q ran in a transaction", l.stmts)
	}
	stmts := l.stmts
	l.stmts, l.inTx = nil, false
	return stmts
}

// TestOneStatementEach checks that Commit, Find and Delete each run one
// statement outside any transaction, so each is one round trip.
func TestOneStatementEach(t *testing.T) {
	log := &statementLog{Interface: logger.Discard}
	db := openGORM(t, "sqlite", sqltest.SQLite(t), &gorm.Config{Logger: log})
	noteTx := func(tx *gorm.DB) {
		if _, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
			log.mu.Lock()
			log.inTx = true
			log.mu.Unlock()
		}
	}
	if err := db.Callback().Create().Before("gorm:create").Register("test:tx", noteTx); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Delete().Before("gorm:delete").Register("test:tx", noteTx); err != nil {
		t.Fatal(err)
	}
	g, err := NewWithCleanupInterval(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	sqltest.CheckOneStatementEach(t, g, "ON CONFLICT", func() []string { return log.take(t) })
}

// TestCleanupInBatches checks that deleteExpired removes more expired rows
// than one batch holds, and no live row.
func TestCleanupInBatches(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *gorm.DB) {
		g := newStore(t, db, 0)
		sqltest.CheckCleanupInBatches(t, g,
			func(n int) error {
				rows := make([]session, n)
				for i := range rows {
					rows[i] = session{Token: storetest.Token(t), Data: []byte("x"), Expiry: time.Now().Add(-time.Minute)}
				}
				return db.Table(g.table).CreateInBatches(rows, 500).Error
			},
			func() error { return g.deleteExpired(context.Background()) },
			func(token string) int { return count(t, g, token) })
	})
}

func benchStore(b *testing.B) *GORMStore {
	return newStore(b, openGORM(b, "postgres", sqltest.Postgres("pgx").Connect(b), nil), 0)
}

func BenchmarkFind(b *testing.B) {
	kvtest.BenchmarkFind(b, benchStore(b), bytes.Repeat([]byte("x"), 200))
}

func BenchmarkCommit(b *testing.B) {
	kvtest.BenchmarkCommit(b, benchStore(b), bytes.Repeat([]byte("x"), 200))
}

// TestCompareAndSwapUnchanged checks that swapping data for the same data
// and expiry is a swap on every engine, also on MySQL, which counts such an
// UPDATE as changing no row.
func TestCompareAndSwapUnchanged(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *gorm.DB) {
		g := newStore(t, db, 0)
		ctx := context.Background()
		tok := storetest.Token(t)
		expiry := time.Now().Add(time.Hour)
		if err := g.Commit(tok, []byte("same"), expiry); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			ok, err := g.CompareAndSwap(ctx, tok, []byte("same"), []byte("same"), expiry)
			if err != nil || !ok {
				t.Fatalf("swap %d of identical data = %v, %v; want true, nil", i, ok, err)
			}
		}
		if ok, err := g.CompareAndSwap(ctx, tok, []byte("other"), []byte("other"), expiry); err != nil || ok {
			t.Fatalf("swap of identical but wrong data = %v, %v; want false, nil", ok, err)
		}
	})
}

// TestIdleRefreshIntervalTakesEffect checks, through HTTP requests, that the
// store reports expiries (scs.ExpiryStore), so that a read right after a
// save skips saving again.
func TestIdleRefreshIntervalTakesEffect(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *gorm.DB) {
		storetest.IdleRefresh(t, newStore(t, db, 0))
	})
}
