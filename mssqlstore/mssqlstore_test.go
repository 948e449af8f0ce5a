package mssqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

// schema is the CREATE statements of the README, which the server tests use
// with the table name made unique.
var schema = []string{`CREATE TABLE sessions (
	token CHAR(43) PRIMARY KEY,
	data VARBINARY(MAX) NOT NULL,
	expiry DATETIME2(6) NOT NULL
);`, `CREATE INDEX sessions_expiry_idx ON sessions (expiry);`}

// dsnEnv names the SQL Server the server tests run against. None can run
// on this project's machines, so without it they are skipped, in CI too.
const dsnEnv = "SCS_MSSQL_TEST_DSN"

// harness runs the checks every SQL store shares (see sqltest.Harness);
// those that need a server run only when SCS_MSSQL_TEST_DSN names one.
var harness = sqltest.Harness{
	Name:   "mssqlstore",
	Schema: schema,
	Open:   openTable,
	New: func(_ testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(db.DB, Config(cfg))
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*MSSQLStore).store.DeleteExpired(context.Background())
	},
	Param: "@p1",
	// The server's collation may make table names case-sensitive.
	CaseSensitiveNames: true,
}

// openTable connects to the server and creates a table of the test's own
// with the README's layout, dropped when the test ends.
func openTable(t testing.TB) *sqltest.DB {
	t.Helper()
	dsn := testenv.Optional(t, dsnEnv)
	db, err := sql.Open("sqlserver", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d := &sqltest.DB{DB: db, DSN: dsn, Table: sqltest.UniqueName(t)}
	d.CreateTable(t, d.Table, schema)
	return d
}

func TestSQLStore(t *testing.T) { harness.Run(t) }

// TestStatements checks, without a server, the statements and arguments
// the store sends.
func TestStatements(t *testing.T) {
	r, db := sqltest.NewRecorder(t)
	s := NewWithConfig(db, Config{})
	tok := storetest.Token(t)
	berlin := time.FixedZone("CEST", 2*60*60)
	expiry := time.Date(2030, 6, 1, 14, 30, 0, 123456000, berlin)

	if err := s.Commit(tok, []byte("data"), expiry); err != nil {
		t.Fatal(err)
	}
	got := r.Take()
	sqltest.WantStmts(t, got, sqltest.Stmt{
		Query: "MERGE INTO sessions WITH (HOLDLOCK) AS t USING (SELECT @p1 AS token) AS s ON t.token = s.token" +
			" WHEN MATCHED THEN UPDATE SET data = @p2, expiry = @p3" +
			" WHEN NOT MATCHED THEN INSERT (token, data, expiry) VALUES (@p1, @p2, @p3);",
		Args: []any{mssql.VarChar(tok), []byte("data"), expiry.UTC()},
	})
	if loc := got[0].Args[2].(time.Time).Location(); loc != time.UTC {
		t.Fatalf("expiry sent in %v, want UTC as SCS v2 writes it", loc)
	}

	r.Rows = [][]driver.Value{{[]byte("data")}}
	if b, found, err := s.Find(tok); err != nil || !found || string(b) != "data" {
		t.Fatalf("Find = %q, %v, %v", b, found, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{
		Query: "SELECT data FROM sessions WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()",
		Args:  []any{mssql.VarChar(tok)},
	})

	stored := time.Date(2030, 6, 1, 12, 30, 0, 123456000, time.UTC)
	r.Rows = [][]driver.Value{{[]byte("data"), stored}}
	if b, exp, found, err := s.FindExpiry(context.Background(), tok); err != nil || !found || string(b) != "data" || !exp.Equal(stored) {
		t.Fatalf("FindExpiry = %q, %v, %v, %v", b, exp, found, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{
		Query: "SELECT data, expiry FROM sessions WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()",
		Args:  []any{mssql.VarChar(tok)},
	})

	r.Affected = []int64{1}
	if ok, err := s.CompareAndSwap(context.Background(), tok, []byte("data"), []byte("new"), expiry); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v; want true, nil", ok, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{
		Query: "UPDATE sessions SET data = @p1, expiry = @p2" +
			" WHERE token = @p3 AND token COLLATE Latin1_General_BIN2 = @p3 AND data = @p4 AND expiry > SYSUTCDATETIME()",
		Args: []any{[]byte("new"), expiry.UTC(), mssql.VarChar(tok), []byte("data")},
	})

	if err := s.Delete(tok); err != nil {
		t.Fatal(err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{
		Query: "DELETE FROM sessions WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1",
		Args:  []any{mssql.VarChar(tok)},
	})

	r.Rows = [][]driver.Value{{"a", []byte("1")}, {"b", []byte("2")}}
	all, err := s.All()
	if err != nil || len(all) != 2 || string(all["a"]) != "1" || string(all["b"]) != "2" {
		t.Fatalf("All = %q, %v", all, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "SELECT RTRIM(token), data FROM sessions WHERE expiry > SYSUTCDATETIME()"})

	// The batch loop itself is checked in internal/sqlstore.
	r.Affected = []int64{1000, 3}
	if err := s.store.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	del := sqltest.Stmt{Query: "DELETE TOP (1000) FROM sessions WHERE expiry < SYSUTCDATETIME()"}
	sqltest.WantStmts(t, r.Take(), del, del)
}

func TestConfigTableNameInStatements(t *testing.T) {
	r, db := sqltest.NewRecorder(t)
	s := NewWithConfig(db, Config{TableName: "auth.web_sessions"})
	tok := storetest.Token(t)
	_ = s.Commit(tok, []byte("x"), time.Now())
	_, _, _ = s.Find(tok)
	_, _, _, _ = s.FindExpiry(context.Background(), tok)
	_ = s.Delete(tok)
	_, _ = s.All()
	_ = s.store.DeleteExpired(context.Background())
	got := r.Take()
	if len(got) != 6 {
		t.Fatalf("%d statements for 6 calls, want one each", len(got))
	}
	for _, st := range got {
		rest := strings.Replace(st.Query, " auth.web_sessions ", " ", 1)
		if rest == st.Query || strings.Contains(rest, "sessions") {
			t.Errorf("statement does not name the table auth.web_sessions exactly once: %s", st.Query)
		}
	}
}

// TestSCSRows checks, against a real server, that rows written the way SCS
// v2's mssqlstore does are read, and that Commit writes the UTC expiry SCS
// reads.
func TestSCSRows(t *testing.T) {
	db := openTable(t)
	s := NewWithConfig(db.DB, Config{TableName: db.Table})
	live, stale := storetest.Token(t), storetest.Token(t)
	if _, err := db.Exec("INSERT INTO "+db.Table+" (token, data, expiry) VALUES"+
		" (@p1, 0x00ff6c697665, DATEADD(minute, 1, GETUTCDATE())),"+
		" (@p2, 0x7374616c65, DATEADD(second, -1, GETUTCDATE()))", live, stale); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(live); err != nil || !found || !bytes.Equal(b, []byte("\x00\xfflive")) {
		t.Fatalf("Find(live) = %q, %v, %v", b, found, err)
	}
	if _, found, err := s.Find(stale); err != nil || found {
		t.Fatalf("Find(stale) = %v, %v", found, err)
	}

	tok := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(tok, []byte("written here"), expiry); err != nil {
		t.Fatal(err)
	}
	var wall string
	if err := db.QueryRow("SELECT CONVERT(VARCHAR(30), expiry, 121) FROM "+db.Table+
		" WHERE token = @p1 AND GETUTCDATE() < expiry", tok).Scan(&wall); err != nil {
		t.Fatalf("SCS-style select: %v", err)
	}
	got, err := time.Parse("2006-01-02 15:04:05.000000", wall)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Sub(expiry.UTC()).Abs(); d > time.Microsecond {
		t.Errorf("expiry stored as %s, want the UTC time %s", wall, expiry.UTC())
	}
}

func BenchmarkFind(b *testing.B) { harness.BenchmarkFind(b) }

func BenchmarkCommit(b *testing.B) { harness.BenchmarkCommit(b) }

// TestCompareAndSwapTokenCase checks that CompareAndSwap matches the token
// exactly although the column's collation ignores case.
func TestCompareAndSwapTokenCase(t *testing.T) {
	s := NewWithCleanupInterval(harness.Open(t).DB, 0)
	upper, lower := strings.Repeat("A", 43), strings.Repeat("a", 43)
	expiry := time.Now().Add(time.Minute)
	if err := s.Commit(upper, []byte("upper"), expiry); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.CompareAndSwap(context.Background(), lower, []byte("upper"), []byte("lower"), expiry); err != nil || ok {
		t.Fatalf("CompareAndSwap(lower) = %v, %v; want false, nil", ok, err)
	}
	if b, found, err := s.Find(upper); err != nil || !found || string(b) != "upper" {
		t.Fatalf("Find(upper) after CompareAndSwap(lower) = %q, %v, %v", b, found, err)
	}
}
