package bunstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/schema"
)

// testDialect opens a test database of one kind, or skips (fails in CI) when
// its server does not answer.
type testDialect struct {
	name string
	open func(t testing.TB) *bun.DB
	// scsTable is the table SCS v2's bunstore tests create, with %s for its
	// name.
	scsTable string
}

var dialects = []testDialect{
	{"postgres", openPostgres, "CREATE TABLE %s (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)"},
	{"mysql", openMySQL, "CREATE TABLE %s (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL)"},
	{"sqlite", openSQLite, "CREATE TABLE %s (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)"},
}

func openPostgres(t testing.TB) *bun.DB {
	t.Helper()
	dsn := storetest.Server(t, "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", func(dsn string) error {
		return ping(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))))
	})
	return openBun(t, sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
}

func openMySQL(t testing.TB) *bun.DB {
	t.Helper()
	dsn := storetest.Server(t, "SCS_MYSQL_TEST_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true", func(dsn string) error {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return err
		}
		return ping(db)
	})
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return openBun(t, db, mysqldialect.New())
}

// openSQLite opens a database file in t.TempDir(). WAL and a busy timeout let
// concurrent writers wait for each other instead of failing.
func openSQLite(t testing.TB) *bun.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "sessions.db")+"?_busy_timeout=10000&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	return openBun(t, db, sqlitedialect.New())
}

func ping(db *sql.DB) error {
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func openBun(t testing.TB, db *sql.DB, d schema.Dialect) *bun.DB {
	bdb := bun.NewDB(db, d)
	t.Cleanup(func() {
		if err := bdb.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return bdb
}

// tableName returns a table name no other test uses.
func tableName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "scs_bun_" + hex.EncodeToString(b)
}

func dropTable(t testing.TB, db *bun.DB, table string) {
	if _, err := db.NewDropTable().Table(table).IfExists().Exec(context.Background()); err != nil {
		t.Errorf("drop %s: %v", table, err)
	}
}

// newStore returns a store on a new table, dropped when the test ends.
func newStore(t testing.TB, db *bun.DB, interval time.Duration) *BunStore {
	t.Helper()
	table := tableName(t)
	b, err := NewWithConfig(db, Config{CleanUpInterval: interval, TableName: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropTable(t, db, table) })
	t.Cleanup(b.StopCleanup) // runs first
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
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			storetest.Suite{
				New: func(t *testing.T) scs.Store { return newStore(t, db, 0) },
				NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
					return newStore(t, db, interval)
				},
				Stored: func(t *testing.T, s scs.Store, token string) bool { return count(t, s.(*BunStore), token) > 0 },
			}.Run(t)
		})
	}
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
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			b := newStore(t, db, 0)
			table := strings.Trim(b.table, "\"`")
			ctx := context.Background()
			var layout string
			if err := db.QueryRowContext(ctx, want[d.name].columns, table).Scan(&layout); err != nil {
				t.Fatal(err)
			}
			if layout != layouts[d.name] {
				t.Errorf("layout %q, want %q", layout, layouts[d.name])
			}
			var n int
			if err := db.QueryRowContext(ctx, want[d.name].index, table, table+"_expiry_idx").Scan(&n); err != nil || n == 0 {
				t.Errorf("no index %s_expiry_idx (%v)", table, err)
			}
			// A second store on the same table finds it as it is.
			if _, err := NewWithConfig(db, Config{TableName: table}); err != nil {
				t.Errorf("NewWithConfig on an existing table: %v", err)
			}
		})
	}
}

// TestSCSCompat checks that the store works on the table SCS v2's bunstore
// tests create, reads the rows SCS writes, and writes rows SCS's query finds.
func TestSCSCompat(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			ctx := context.Background()
			table := tableName(t)
			if _, err := db.ExecContext(ctx, strings.Replace(d.scsTable, "%s", table, 1)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dropTable(t, db, table) })
			b, err := NewWithConfig(db, Config{TableName: table})
			if err != nil {
				t.Fatalf("NewWithConfig on a table SCS's layout: %v", err)
			}

			// Rows as SCS's bunstore writes them: a model with a time.Time.
			scsInsert := func(token string, data []byte, expiry time.Time) {
				t.Helper()
				row := &session{Token: token, Data: data, Expiry: expiry}
				if _, err := db.NewInsert().Model(row).ModelTableExpr(table).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			scsFind := func(token string) ([]byte, bool) {
				t.Helper()
				var s session
				n, err := db.NewSelect().Model(&s).ModelTableExpr("? AS ?TableAlias", bun.Ident(table)).
					Where("token = ? AND expiry >= ?", token, time.Now()).ScanAndCount(ctx)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					t.Fatal(err)
				}
				return s.Data, n > 0
			}

			theirs, expired := storetest.Token(t), storetest.Token(t)
			scsInsert(theirs, []byte("from scs"), time.Now().Add(time.Minute))
			scsInsert(expired, []byte("old"), time.Now().Add(-time.Minute))
			if data, found, err := b.Find(theirs); err != nil || !found || !bytes.Equal(data, []byte("from scs")) {
				t.Fatalf("Find(SCS row) = %q, %v, %v", data, found, err)
			}
			if _, found, err := b.Find(expired); err != nil || found {
				t.Fatalf("Find(expired SCS row) = %v, %v; want not found", found, err)
			}

			ours := storetest.Token(t)
			if err := b.Commit(ours, []byte("from us"), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if data, found := scsFind(ours); !found || !bytes.Equal(data, []byte("from us")) {
				t.Fatalf("SCS's query found %q, %v", data, found)
			}
			if err := b.Commit(ours, []byte("gone"), time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, found := scsFind(ours); found {
				t.Fatal("SCS's query finds a session committed with a past expiry")
			}
		})
	}
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

func TestInvalidTableName(t *testing.T) {
	db := openSQLite(t)
	for _, name := range []string{"a b", "x;DROP TABLE y", "1abc", "a.b.c", `"q"`, "a-b", ".", "a."} {
		if _, err := NewWithConfig(db, Config{TableName: name}); err == nil {
			t.Errorf("NewWithConfig(%q) gave no error", name)
		}
	}
	for _, name := range []string{"main.my_sessions", "Sessions2"} {
		b, err := NewWithConfig(db, Config{TableName: name})
		if err != nil {
			t.Errorf("NewWithConfig(%q): %v", name, err)
			continue
		}
		tok := storetest.Token(t)
		if err := b.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
			t.Errorf("Commit on %q: %v", name, err)
		}
		if _, found, err := b.Find(tok); err != nil || !found {
			t.Errorf("Find on %q = %v, %v", name, found, err)
		}
	}
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

// TestOneStatementEach checks that Commit, Find and Delete each send one
// statement, with its values in it (Bun formats queries itself, so nothing is
// prepared on the server first): one round trip each.
func TestOneStatementEach(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			b := newStore(t, db, 0)
			log := &queryLog{}
			b.db = b.db.WithQueryHook(log)
			tok := storetest.Token(t)
			for _, op := range []struct {
				name, want string
				run        func() error
			}{
				{"Commit new", "INSERT", func() error { return b.Commit(tok, []byte("a"), time.Now().Add(time.Minute)) }},
				{"Commit existing", "INSERT", func() error { return b.Commit(tok, []byte("b"), time.Now().Add(time.Minute)) }},
				{"Find", "SELECT", func() error { _, _, err := b.Find(tok); return err }},
				{"Delete", "DELETE", func() error { return b.Delete(tok) }},
			} {
				log.queries = nil
				if err := op.run(); err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
				if len(log.queries) != 1 || !strings.HasPrefix(log.queries[0], op.want) || !strings.Contains(log.queries[0], tok) {
					t.Errorf("%s ran %q; want one %s statement", op.name, log.queries, op.want)
				}
			}
		})
	}
}

// TestCleanupInBatches checks that deleteExpired removes more expired rows
// than one batch holds, and no live row.
func TestCleanupInBatches(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			b := newStore(t, db, 0)
			ctx := context.Background()
			for i := 0; i < 5; i++ {
				rows := make([]session, 500)
				for j := range rows {
					rows[j] = session{Token: storetest.Token(t), Data: []byte("x"), Expiry: time.Now().Add(-time.Minute)}
				}
				if _, err := db.NewInsert().Model(&rows).ModelTableExpr(b.table).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			live := storetest.Token(t)
			if err := b.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := b.deleteExpired(ctx); err != nil {
				t.Fatal(err)
			}
			if n := count(t, b, ""); n != 1 || count(t, b, live) != 1 {
				t.Fatalf("after cleanup the table holds %d rows, want only the live one", n)
			}
		})
	}
}

func BenchmarkFind(b *testing.B) {
	s := newStore(b, openPostgres(b), 0)
	tok := storetest.Token(b)
	if err := s.Commit(tok, bytes.Repeat([]byte("x"), 200), time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, found, err := s.Find(tok); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	s := newStore(b, openPostgres(b), 0)
	tok := storetest.Token(b)
	data := bytes.Repeat([]byte("x"), 200)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Commit(tok, data, time.Now().Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
