package bunstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/storetest"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "github.com/uptrace/bun/driver/pgdriver" // database/sql driver "pg"
	"github.com/uptrace/bun/schema"
)

// dialects are Bun's dialects for each engine's test database.
var dialects = map[string]func() schema.Dialect{
	"postgres": func() schema.Dialect { return pgdialect.New() },
	"mysql":    func() schema.Dialect { return mysqldialect.New() },
	"sqlite":   func() schema.Dialect { return sqlitedialect.New() },
}

// scsTables are the tables SCS v2's bunstore tests create, with %s for the
// name.
var scsTables = map[string]string{
	"postgres": "CREATE TABLE %s (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)",
	"mysql":    "CREATE TABLE %s (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)",
	"sqlite":   "CREATE TABLE %s (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)",
}

// runEngines runs test once per engine, with Bun over its test database.
func runEngines(t *testing.T, test func(t *testing.T, engine string, db *bun.DB)) {
	sqltest.RunEngines(t, "pg", func(t *testing.T, engine string, db *sql.DB) {
		test(t, engine, bun.NewDB(db, dialects[engine]()))
	})
}

// openSQLite opens Bun over a SQLite database of the test's own.
func openSQLite(t testing.TB) *bun.DB {
	return bun.NewDB(sqltest.SQLite(t), sqlitedialect.New())
}

func dropTable(t testing.TB, db *bun.DB, table string) {
	if _, err := db.NewDropTable().Table(table).IfExists().Exec(context.Background()); err != nil {
		t.Errorf("drop %s: %v", table, err)
	}
}

// hooked adds hook to db, a database of the test's own, and returns it. It
// calls AddQueryHook, not WithQueryHook: Bun v1.2.15, this module's floor,
// has only the former.
func hooked(db *bun.DB, hook bun.QueryHook) *bun.DB {
	db.AddQueryHook(hook)
	return db
}

// newStore returns a store on a new table, which it creates, dropped when
// the test ends.
func newStore(t testing.TB, db *bun.DB, interval time.Duration) *BunStore {
	t.Helper()
	table := sqltest.UniqueName(t)
	b, err := NewWithConfig(db, Config{CleanUpInterval: interval, TableName: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropTable(t, db, table) })
	t.Cleanup(b.StopCleanup) // runs first
	if err := b.ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// count counts the rows for token directly in the table, expired or not; all
// rows with an empty token.
func count(t testing.TB, b *BunStore, token string) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + b.table
	var args []any
	if token != "" {
		q += " WHERE token = ?"
		args = append(args, token)
	}
	var n int
	if err := b.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestConformance(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *bun.DB) {
		storetest.Suite{
			New: func(t *testing.T) scs.Store { return newStore(t, db, 0) },
			NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
				return newStore(t, db, interval)
			},
			Stored: func(t *testing.T, s scs.Store, token string) bool { return count(t, s.(*BunStore), token) > 0 },
		}.Run(t)
	})
}

func TestFreshTableLayout(t *testing.T) {
	want := map[string]struct{ columns, index string }{
		"postgres": {
			"SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = ?",
			"SELECT count(*) FROM pg_indexes WHERE tablename = ? AND indexname = ?",
		},
		"mysql": {
			"SELECT GROUP_CONCAT(CONCAT(column_name, ' ', column_type, ' ', is_nullable) ORDER BY ordinal_position SEPARATOR ', ') FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
			"SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?",
		},
		"sqlite": {
			"SELECT group_concat(name || ' ' || type || ' ' || CASE \"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END, ', ') FROM pragma_table_info(?)",
			"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?",
		},
	}
	layouts := map[string]string{
		"postgres": "token text NO, data bytea NO, expiry timestamp with time zone NO",
		"mysql":    "token char(43) NO, data mediumblob NO, expiry timestamp(6) NO",
		"sqlite":   "token TEXT YES, data BLOB NO, expiry REAL NO", // SQLite lets a TEXT key be NULL
	}
	runEngines(t, func(t *testing.T, engine string, db *bun.DB) {
		b := newStore(t, db, 0)
		table := strings.Trim(b.table, "\"`")
		ctx := context.Background()
		var layout string
		if err := db.QueryRowContext(ctx, want[engine].columns, table).Scan(&layout); err != nil {
			t.Fatal(err)
		}
		if layout != layouts[engine] {
			t.Errorf("layout %q, want %q", layout, layouts[engine])
		}
		var n int
		if err := db.QueryRowContext(ctx, want[engine].index, table, table+"_expiry_idx").Scan(&n); err != nil || n == 0 {
			t.Errorf("no index %s_expiry_idx (%v)", table, err)
		}
		// A second store on the same table finds it as it is.
		if b2, err := NewWithConfig(db, Config{TableName: table}); err != nil {
			t.Errorf("NewWithConfig on an existing table: %v", err)
		} else if _, _, err := b2.Find(storetest.Token(t)); err != nil {
			t.Errorf("Find on an existing table: %v", err)
		}
	})
}

// TestSCSCompat checks that the store works on the table SCS v2's bunstore
// tests create, reads the rows SCS writes, and writes rows SCS's query finds.
func TestSCSCompat(t *testing.T) {
	runEngines(t, func(t *testing.T, engine string, db *bun.DB) {
		ctx := context.Background()
		table := sqltest.UniqueName(t)
		if _, err := db.ExecContext(ctx, strings.Replace(scsTables[engine], "%s", table, 1)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dropTable(t, db, table) })
		b, err := NewWithConfig(db, Config{TableName: table})
		if err != nil {
			t.Fatalf("NewWithConfig on a table SCS's layout: %v", err)
		}
		// selectRow reads the row for token as SCS's bunstore does, through
		// a model with a time.Time; live adds SCS's expiry condition.
		selectRow := func(t *testing.T, token string, live bool) (session, bool) {
			var s session
			q := db.NewSelect().Model(&s).ModelTableExpr("? AS ?TableAlias", bun.Ident(table)).Where("token = ?", token)
			if live {
				q = q.Where("expiry >= ?", time.Now())
			}
			n, err := q.ScanAndCount(ctx)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			return s, n > 0
		}
		storetest.Layout{
			// Rows as SCS's bunstore writes them: a model with a time.Time.
			Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
				row := &session{Token: token, Data: data, Expiry: expiry}
				if _, err := db.NewInsert().Model(row).ModelTableExpr(table).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			},
			// The row for token, whose liveness SCS's query must see.
			Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
				s, found := selectRow(t, token, false)
				if !found {
					return nil, time.Time{}, false
				}
				if _, live := selectRow(t, token, true); live != s.Expiry.After(time.Now()) {
					t.Errorf("SCS's query finds the session (%v) expiring %v", live, s.Expiry)
				}
				return s.Data, s.Expiry, true
			},
			Resolution: time.Microsecond,
			Slack:      time.Microsecond,
		}.Run(t, b)
	})
}

func TestDefaultTableName(t *testing.T) {
	db := openSQLite(t)
	b, err := NewWithCleanupInterval(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.StopCleanup()
	tok := storetest.Token(t)
	if err := b.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	ctx := context.Background()
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions WHERE token = ?", tok).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the sessions table holds %d rows for the token (%v), want 1", n, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'sessions_expiry_idx'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("no index sessions_expiry_idx (%v)", err)
	}
}

func TestTableNames(t *testing.T) {
	db := openSQLite(t)
	sqltest.CheckTableNames(t, "bunstore", func(table string) (scs.Store, error) {
		return NewWithConfig(db, Config{TableName: table})
	}, "main.my_sessions", "Sessions2")
}

// queryLog is a bun.QueryHook that records the statements run.
type queryLog struct {
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	l.queries = append(l.queries, e.Query)
	l.mu.Unlock()
}

// take returns the statements run since it was last called.
func (l *queryLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queries
	l.queries = nil
	return q
}

// TestOneStatementEach checks that Commit, Find and Delete each send one
// statement, with its values in it (Bun formats queries itself, so nothing is
// prepared on the server first): one round trip each.
func TestOneStatementEach(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *bun.DB) {
		b := newStore(t, db, 0)
		log := &queryLog{}
		b.db = hooked(b.db, log)
		tok, stmts := sqltest.CheckOneStatementEach(t, b, "INSERT", log.take)
		verbs := map[string]string{"Commit new": "INSERT", "Commit existing": "INSERT", "Find": "SELECT", "Delete": "DELETE"}
		for op, stmt := range stmts {
			if !strings.HasPrefix(stmt, verbs[op]) || !strings.Contains(stmt, tok) {
				t.Errorf("%s ran %q; want one %s statement with the token in it", op, stmt, verbs[op])
			}
		}
	})
}

// TestCleanupInBatches checks that deleteExpired removes more expired rows
// than one batch holds, and no live row.
func TestCleanupInBatches(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *bun.DB) {
		b := newStore(t, db, 0)
		ctx := context.Background()
		sqltest.CheckCleanupInBatches(t, b,
			func(n int) error {
				for n > 0 {
					rows := make([]session, min(n, 500))
					for j := range rows {
						rows[j] = session{Token: storetest.Token(t), Data: []byte("x"), Expiry: time.Now().Add(-time.Minute)}
					}
					if _, err := db.NewInsert().Model(&rows).ModelTableExpr(b.table).Exec(ctx); err != nil {
						return err
					}
					n -= len(rows)
				}
				return nil
			},
			func() error { return b.deleteExpired(ctx) },
			func(token string) int { return count(t, b, token) })
	})
}

func benchStore(b *testing.B) *BunStore {
	return newStore(b, bun.NewDB(sqltest.Postgres("pg").Connect(b), pgdialect.New()), 0)
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
	runEngines(t, func(t *testing.T, _ string, db *bun.DB) {
		s := newStore(t, db, 0)
		ctx := context.Background()
		tok := storetest.Token(t)
		expiry := time.Now().Add(time.Hour)
		if err := s.Commit(tok, []byte("same"), expiry); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			ok, err := s.CompareAndSwap(ctx, tok, []byte("same"), []byte("same"), expiry)
			if err != nil || !ok {
				t.Fatalf("swap %d of identical data = %v, %v; want true, nil", i, ok, err)
			}
		}
		if ok, err := s.CompareAndSwap(ctx, tok, []byte("other"), []byte("other"), expiry); err != nil || ok {
			t.Fatalf("swap of identical but wrong data = %v, %v; want false, nil", ok, err)
		}
	})
}

// TestIdleRefreshIntervalTakesEffect checks, through HTTP requests, that the
// store reports expiries (scs.ExpiryStore), so that a read right after a
// save skips saving again.
func TestIdleRefreshIntervalTakesEffect(t *testing.T) {
	runEngines(t, func(t *testing.T, _ string, db *bun.DB) {
		storetest.IdleRefresh(t, newStore(t, db, 0))
	})
}

// TestConstructorSendsNothing checks that, as with SCS v2's bunstore, a
// constructor sends nothing to the database, so that a store made over a
// nil or unreachable database neither panics nor fails nor blocks: the
// table is created on the first use, which is when errors show.
func TestConstructorSendsNothing(t *testing.T) {
	for _, newStore := range []func(*bun.DB) (*BunStore, error){
		New,
		func(db *bun.DB) (*BunStore, error) { return NewWithCleanupInterval(db, time.Millisecond) },
		func(db *bun.DB) (*BunStore, error) { return NewWithConfig(db, Config{TableName: "auth.sessions"}) },
	} {
		b, err := newStore(nil)
		if err != nil {
			t.Fatalf("a constructor on a nil *bun.DB: %v", err)
		}
		if _, _, err := b.Find(storetest.Token(t)); err == nil || !strings.Contains(err.Error(), "nil *bun.DB") {
			t.Errorf("Find on a store over a nil *bun.DB = %v, want an error", err)
		}
		b.StopCleanup()

		// Nothing listens on port 1: a statement would fail.
		sqldb, err := sql.Open("pg", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&dial_timeout=1s")
		if err != nil {
			t.Fatal(err)
		}
		defer sqldb.Close()
		log := &queryLog{}
		db := hooked(bun.NewDB(sqldb, pgdialect.New()), log)
		start := time.Now()
		b, err = newStore(db)
		if err != nil {
			t.Fatalf("a constructor on an unreachable database: %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("a constructor on an unreachable database took %v", d)
		}
		if q := log.take(); len(q) != 0 {
			t.Errorf("a constructor sent %q", q)
		}
		if err := b.Commit(storetest.Token(t), []byte("x"), time.Now().Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "create table") {
			t.Errorf("Commit on an unreachable database = %v, want the error of creating the table", err)
		}
		b.StopCleanup()
	}

	// On a database that answers, the first use creates the table, once.
	db := openSQLite(t)
	log := &queryLog{}
	b, err := NewWithConfig(hooked(db, log), Config{TableName: "lazy_sessions"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.StopCleanup()
	if q := log.take(); len(q) != 0 {
		t.Fatalf("NewWithConfig sent %q", q)
	}
	tok := storetest.Token(t)
	if _, found, err := b.Find(tok); err != nil || found {
		t.Fatalf("first Find = %v, %v", found, err)
	}
	q := log.take()
	if len(q) != 3 || !strings.HasPrefix(q[0], "CREATE TABLE IF NOT EXISTS") || !strings.HasPrefix(q[2], "SELECT") {
		t.Fatalf("first Find sent %q; want the CREATE statements, then the SELECT", q)
	}
	if _, _, err := b.Find(tok); err != nil {
		t.Fatal(err)
	}
	if q := log.take(); len(q) != 1 {
		t.Fatalf("second Find sent %q; want only the SELECT", q)
	}
}
