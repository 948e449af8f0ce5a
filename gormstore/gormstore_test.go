package gormstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// dialect opens a test database of one kind, or skips (fails in CI) when its
// server does not answer.
type dialect struct {
	name string
	open func(t testing.TB) *gorm.DB
	// types are the column types a fresh table gets, as the driver names them.
	types map[string]string
}

var dialects = []dialect{
	{"postgres", openPostgres, map[string]string{"token": "varchar", "data": "bytea", "expiry": "timestamptz"}},
	{"mysql", openMySQL, map[string]string{"token": "varchar", "data": "longblob", "expiry": "datetime"}},
	{"sqlite", openSQLite, map[string]string{"token": "varchar", "data": "blob", "expiry": "datetime"}},
}

// quiet returns a config for one gorm.Open: GORM keeps the dialect's clause
// builders in it, so no two databases may share one.
func quiet() *gorm.Config { return &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)} }

func openPostgres(t testing.TB) *gorm.DB {
	return openServer(t, "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", postgres.Open)
}

func openMySQL(t testing.TB) *gorm.DB {
	return openServer(t, "SCS_MYSQL_TEST_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true", mysql.Open)
}

func openServer(t testing.TB, env, def string, dialector func(string) gorm.Dialector) *gorm.DB {
	t.Helper()
	var db *gorm.DB
	storetest.Server(t, env, def, func(dsn string) error {
		var err error
		db, err = gorm.Open(dialector(dsn), quiet())
		return err
	})
	t.Cleanup(func() { closeDB(t, db) })
	return db
}

// openSQLite opens a database file in t.TempDir(). WAL and a busy timeout let
// concurrent writers wait for each other instead of failing.
func openSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "sessions.db") + "?_busy_timeout=10000&_journal_mode=WAL"
	db, err := gorm.Open(sqlite.Open(dsn), quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(t, db) })
	return db
}

func closeDB(t testing.TB, db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		if err := sqlDB.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
}

// tableName returns a table name no other test uses.
func tableName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "scs_gorm_" + hex.EncodeToString(b)
}

// newStore returns a store on a new table, dropped when the test ends.
func newStore(t testing.TB, db *gorm.DB, interval time.Duration) *GORMStore {
	t.Helper()
	table := tableName(t)
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

// stored counts rows for token directly in the table, expired or not.
func stored(t testing.TB, g *GORMStore, token string) bool {
	t.Helper()
	var n int64
	if err := g.db.Table(g.table).Where("token = ?", token).Count(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	return n > 0
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			storetest.Suite{
				New: func(t *testing.T) scs.Store { return newStore(t, db, 0) },
				NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
					return newStore(t, db, interval)
				},
				Stored: func(t *testing.T, s scs.Store, token string) bool { return stored(t, s.(*GORMStore), token) },
			}.Run(t)
		})
	}
}

// scsSession is a row as SCS v2's gormstore declares it.
type scsSession struct {
	Token  string    `gorm:"column:token;primaryKey;type:varchar(43)"`
	Data   []byte    `gorm:"column:data"`
	Expiry time.Time `gorm:"column:expiry;index"`
}

func TestFreshTableLayout(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			g := newStore(t, db, 0)
			cols, err := db.Migrator().ColumnTypes(g.table)
			if err != nil {
				t.Fatal(err)
			}
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
			if len(got) != len(d.types) {
				t.Errorf("columns %v, want %v", got, d.types)
			}
			for name, typ := range d.types {
				if got[name] != typ {
					t.Errorf("column %s has type %q, want %q", name, got[name], typ)
				}
			}
			if !db.Migrator().HasIndex(g.table, "idx_"+g.table+"_expiry") {
				t.Errorf("no index idx_%s_expiry", g.table)
			}
		})
	}
}

// TestSCSCompat checks that the store works on a table SCS v2's gormstore
// created, reads the rows SCS writes, and writes rows SCS's query finds.
func TestSCSCompat(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			table := tableName(t)
			scsDB := db.Table(table)
			if d.name == "mysql" {
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

			// A row as SCS writes it is found.
			theirs := storetest.Token(t)
			row := scsSession{Token: theirs, Data: []byte("from scs"), Expiry: time.Now().Add(time.Minute)}
			if err := db.Table(table).Create(&row).Error; err != nil {
				t.Fatal(err)
			}
			b, found, err := g.Find(theirs)
			if err != nil || !found || !bytes.Equal(b, []byte("from scs")) {
				t.Fatalf("Find(SCS row) = %q, %v, %v", b, found, err)
			}
			expired := storetest.Token(t)
			row = scsSession{Token: expired, Data: []byte("old"), Expiry: time.Now().Add(-time.Minute)}
			if err := db.Table(table).Create(&row).Error; err != nil {
				t.Fatal(err)
			}
			if _, found, err := g.Find(expired); err != nil || found {
				t.Fatalf("Find(expired SCS row) = %v, %v; want not found", found, err)
			}

			// A row this store writes is found by SCS's query.
			ours := storetest.Token(t)
			if err := g.Commit(ours, []byte("from us"), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			var s scsSession
			res := db.Table(table).Where("token = ? AND expiry >= ?", ours, time.Now()).Limit(1).Find(&s)
			if res.Error != nil || res.RowsAffected != 1 || !bytes.Equal(s.Data, []byte("from us")) {
				t.Fatalf("SCS's query found %q, %d rows, %v", s.Data, res.RowsAffected, res.Error)
			}
			if err := g.Commit(ours, []byte("gone"), time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if res := db.Table(table).Where("token = ? AND expiry >= ?", ours, time.Now()).Limit(1).Find(&s); res.RowsAffected != 0 {
				t.Fatal("SCS's query finds a session committed with a past expiry")
			}
		})
	}
}

func TestDefaultTableName(t *testing.T) {
	db := openSQLite(t)
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
	var n int64
	db.Table("sessions").Where("token = ?", tok).Count(&n)
	if n != 1 {
		t.Fatalf("the sessions table holds %d rows for the token, want 1", n)
	}
}

func TestInvalidTableName(t *testing.T) {
	db := openSQLite(t)
	for _, name := range []string{"a b", "x;DROP TABLE y", "1abc", "a.b.c", `"q"`, "a-b", "."} {
		if _, err := NewWithConfig(db, Config{TableName: name}); err == nil {
			t.Errorf("NewWithConfig(%q) gave no error", name)
		}
	}
	for _, name := range []string{"main.my_sessions", "Sessions2"} {
		g, err := NewWithConfig(db, Config{TableName: name})
		if err != nil {
			t.Errorf("NewWithConfig(%q): %v", name, err)
			continue
		}
		if err := g.Commit(storetest.Token(t), []byte("x"), time.Now().Add(time.Minute)); err != nil {
			t.Errorf("Commit on %q: %v", name, err)
		}
	}
}

// statementLog counts the statements GORM runs, and notes a transaction.
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

// TestOneStatementEach checks that Commit, Find and Delete each run one
// statement outside any transaction, so each is one round trip.
func TestOneStatementEach(t *testing.T) {
	log := &statementLog{Interface: logger.Discard}
	dsn := "file:" + filepath.Join(t.TempDir(), "s.db")
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(t, db) })
	noteTx := func(tx *gorm.DB) {
		if _, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
			log.inTx = true
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
	tok := storetest.Token(t)
	for _, op := range []struct {
		name, want string
		run        func() error
	}{
		{"Commit new", "ON CONFLICT", func() error { return g.Commit(tok, []byte("a"), time.Now().Add(time.Minute)) }},
		{"Commit existing", "ON CONFLICT", func() error { return g.Commit(tok, []byte("b"), time.Now().Add(time.Minute)) }},
		{"Find", "SELECT", func() error { _, _, err := g.Find(tok); return err }},
		{"Delete", "DELETE", func() error { return g.Delete(tok) }},
	} {
		log.stmts, log.inTx = nil, false
		if err := op.run(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if len(log.stmts) != 1 || !strings.Contains(log.stmts[0], op.want) || log.inTx {
			t.Errorf("%s ran %q (in a transaction: %v); want one %s statement outside a transaction", op.name, log.stmts, log.inTx, op.want)
		}
	}
}

// TestCleanupInBatches checks that deleteExpired removes more expired rows
// than one batch holds, and no live row.
func TestCleanupInBatches(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			g := newStore(t, db, 0)
			rows := make([]session, 0, 2*deleteBatch+500)
			for i := 0; i < cap(rows); i++ {
				rows = append(rows, session{Token: storetest.Token(t), Data: []byte("x"), Expiry: time.Now().Add(-time.Minute)})
			}
			if err := db.Table(g.table).CreateInBatches(rows, 500).Error; err != nil {
				t.Fatal(err)
			}
			live := storetest.Token(t)
			if err := g.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := g.deleteExpired(context.Background()); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := db.Table(g.table).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 1 || !stored(t, g, live) {
				t.Fatalf("after cleanup the table holds %d rows, want only the live one", n)
			}
		})
	}
}

func benchStore(b *testing.B) *GORMStore {
	return newStore(b, openPostgres(b), 0)
}

func BenchmarkFind(b *testing.B) {
	g := benchStore(b)
	tok := storetest.Token(b)
	if err := g.Commit(tok, bytes.Repeat([]byte("x"), 200), time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, found, err := g.Find(tok); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	g := benchStore(b)
	tok := storetest.Token(b)
	data := bytes.Repeat([]byte("x"), 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := g.Commit(tok, data, time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
