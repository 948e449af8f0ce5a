package mssqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// tableSQL and indexSQL are the CREATE statements of the README, which the
// server tests use with the table name made unique.
const (
	tableSQL = `CREATE TABLE sessions (
	token CHAR(43) PRIMARY KEY,
	data VARBINARY(MAX) NOT NULL,
	expiry DATETIME2(6) NOT NULL
);`
	indexSQL = `CREATE INDEX sessions_expiry_idx ON sessions (expiry);`
)

// dsnEnv names the SQL Server the server tests run against. None can run
// on this project's machines, so without it they are skipped, in CI too.
const dsnEnv = "SCS_MSSQL_TEST_DSN"

// --- Tests without a server: the statements the store sends. ---

// recorder is a database/sql driver that records the statements it is given
// and answers them with canned results, so the store's SQL and arguments can
// be checked without a SQL Server.
type recorder struct {
	mu       sync.Mutex
	stmts    []stmt           // statements run, in order
	rows     [][]driver.Value // rows every query returns
	affected []int64          // rows affected by successive Execs; then 0
}

type stmt struct {
	query string
	args  []any
}

func (r *recorder) Connect(context.Context) (driver.Conn, error) { return recConn{r}, nil }
func (r *recorder) Driver() driver.Driver                        { return nil }

func (r *recorder) record(query string, args []driver.NamedValue) {
	s := stmt{query: query}
	for _, a := range args {
		s.args = append(s.args, a.Value)
	}
	r.mu.Lock()
	r.stmts = append(r.stmts, s)
	r.mu.Unlock()
}

func (r *recorder) take() []stmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

type recConn struct{ r *recorder }

func (c recConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("recorder: no Prepare") }
func (c recConn) Close() error                        { return nil }
func (c recConn) Begin() (driver.Tx, error)           { return nil, errors.New("recorder: no Begin") }

// CheckNamedValue lets every argument through as it is, so the tests see
// the driver-specific types (mssql.VarChar) the store passes.
func (c recConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func (c recConn) ExecContext(_ context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.r.record(query, args)
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	var n int64
	if len(c.r.affected) > 0 {
		n, c.r.affected = c.r.affected[0], c.r.affected[1:]
	}
	return driver.RowsAffected(n), nil
}

func (c recConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.r.record(query, args)
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return &recRows{rows: c.r.rows}, nil
}

type recRows struct{ rows [][]driver.Value }

func (r *recRows) Columns() []string {
	if len(r.rows) == 0 {
		return []string{"data"}
	}
	return make([]string, len(r.rows[0]))
}
func (r *recRows) Close() error { return nil }
func (r *recRows) Next(dest []driver.Value) error {
	if len(r.rows) == 0 {
		return io.EOF
	}
	copy(dest, r.rows[0])
	r.rows = r.rows[1:]
	return nil
}

func newRecorded(t *testing.T, cfg Config) (*MSSQLStore, *recorder) {
	t.Helper()
	r := &recorder{}
	db := sql.OpenDB(r)
	t.Cleanup(func() { db.Close() })
	s := NewWithConfig(db, cfg)
	t.Cleanup(s.StopCleanup)
	return s, r
}

func wantStmts(t *testing.T, got []stmt, want ...stmt) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statements sent:\n%#v\nwant:\n%#v", got, want)
	}
}

func TestStatements(t *testing.T) {
	s, r := newRecorded(t, Config{})
	tok := storetest.Token(t)
	berlin := time.FixedZone("CEST", 2*60*60)
	expiry := time.Date(2030, 6, 1, 14, 30, 0, 123456000, berlin)

	if err := s.Commit(tok, []byte("data"), expiry); err != nil {
		t.Fatal(err)
	}
	got := r.take()
	wantStmts(t, got, stmt{
		"MERGE INTO sessions WITH (HOLDLOCK) AS t USING (SELECT @p1 AS token) AS s ON t.token = s.token" +
			" WHEN MATCHED THEN UPDATE SET data = @p2, expiry = @p3" +
			" WHEN NOT MATCHED THEN INSERT (token, data, expiry) VALUES (@p1, @p2, @p3);",
		[]any{mssql.VarChar(tok), []byte("data"), expiry.UTC()},
	})
	if loc := got[0].args[2].(time.Time).Location(); loc != time.UTC {
		t.Fatalf("expiry sent in %v, want UTC as SCS v2 writes it", loc)
	}

	r.rows = [][]driver.Value{{[]byte("data")}}
	if b, found, err := s.Find(tok); err != nil || !found || string(b) != "data" {
		t.Fatalf("Find = %q, %v, %v", b, found, err)
	}
	wantStmts(t, r.take(), stmt{
		"SELECT data FROM sessions WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1 AND expiry > SYSUTCDATETIME()",
		[]any{mssql.VarChar(tok)},
	})

	r.rows = nil
	if b, found, err := s.Find(tok); err != nil || found || b != nil {
		t.Fatalf("Find with no row = %q, %v, %v; want nil, false, nil", b, found, err)
	}
	r.take()

	if err := s.Delete(tok); err != nil {
		t.Fatal(err)
	}
	wantStmts(t, r.take(), stmt{
		"DELETE FROM sessions WHERE token = @p1 AND token COLLATE Latin1_General_BIN2 = @p1",
		[]any{mssql.VarChar(tok)},
	})

	r.rows = [][]driver.Value{{"a", []byte("1")}, {"b", []byte("2")}}
	all, err := s.All()
	if err != nil || len(all) != 2 || string(all["a"]) != "1" || string(all["b"]) != "2" {
		t.Fatalf("All = %q, %v", all, err)
	}
	wantStmts(t, r.take(), stmt{"SELECT RTRIM(token), data FROM sessions WHERE expiry > SYSUTCDATETIME()", nil})

	r.rows = nil
	if all, err := s.All(); err != nil || all == nil || len(all) != 0 {
		t.Fatalf("All with no rows = %#v, %v; want an empty non-nil map", all, err)
	}
}

func TestCommitNilDataSendsEmpty(t *testing.T) {
	s, r := newRecorded(t, Config{})
	if err := s.Commit(storetest.Token(t), nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if b, ok := r.take()[0].args[1].([]byte); !ok || b == nil {
		t.Fatalf("data sent as %#v, want an empty non-nil []byte (data is NOT NULL)", b)
	}
}

func TestCleanupDeletesInBatches(t *testing.T) {
	s, r := newRecorded(t, Config{})
	r.affected = []int64{deleteBatch, deleteBatch, 3}
	if err := s.deleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	del := stmt{"DELETE TOP (1000) FROM sessions WHERE expiry < SYSUTCDATETIME()", nil}
	wantStmts(t, r.take(), del, del, del)
}

func TestCancelledContextSendsNothing(t *testing.T) {
	s, r := newRecorded(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tok := storetest.Token(t)
	if _, _, err := s.FindCtx(ctx, tok); !errors.Is(err, context.Canceled) {
		t.Errorf("FindCtx = %v, want context.Canceled", err)
	}
	if err := s.CommitCtx(ctx, tok, []byte("x"), time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("CommitCtx = %v, want context.Canceled", err)
	}
	if err := s.DeleteCtx(ctx, tok); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteCtx = %v, want context.Canceled", err)
	}
	if _, err := s.AllCtx(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("AllCtx = %v, want context.Canceled", err)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("a cancelled context still sent %d statements", len(got))
	}
}

func TestConfigTableNameInStatements(t *testing.T) {
	s, r := newRecorded(t, Config{TableName: "auth.web_sessions"})
	r.affected = []int64{0}
	tok := storetest.Token(t)
	_ = s.Commit(tok, []byte("x"), time.Now())
	_, _, _ = s.Find(tok)
	_ = s.Delete(tok)
	_, _ = s.All()
	_ = s.deleteExpired(context.Background())
	got := r.take()
	if len(got) != 5 {
		t.Fatalf("%d statements for 5 calls, want one each", len(got))
	}
	for _, st := range got {
		rest := strings.Replace(st.query, " auth.web_sessions ", " ", 1)
		if rest == st.query || strings.Contains(rest, "sessions") {
			t.Errorf("statement does not name the table auth.web_sessions exactly once: %s", st.query)
		}
	}
}

func TestInvalidTableNamePanics(t *testing.T) {
	for _, name := range []string{
		"sessions; DROP TABLE sessions",
		"sessions--",
		"a b",
		"1sessions",
		"a.b.c",
		".sessions",
		"sessions.",
		"[sessions]",
		`"sessions"`,
		"#sessions",
		"@sessions",
		"sess-ions",
		"séssions",
		"sessions\x00",
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "mssqlstore: invalid table name") {
					t.Fatalf("NewWithConfig(%q) panicked with %v, want an invalid table name panic", name, r)
				}
			}()
			NewWithConfig(nil, Config{TableName: name})
		})
	}
	for _, name := range []string{"sessions", "_s", "s1", "dbo.sessions", "Auth_2.Web_Sessions"} {
		if !validTableName(name) {
			t.Errorf("validTableName(%q) = false, want true", name)
		}
	}
}

func TestREADMESchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), tableSQL+"\n\n"+indexSQL) {
		t.Fatal("README.md does not hold the CREATE statements the tests use")
	}
}

// --- Tests against a real SQL Server, when SCS_MSSQL_TEST_DSN names one. ---

// openTable connects to the server and creates a table of the test's own
// with the README's layout, dropped when the test ends.
func openTable(t testing.TB, dsn string) (db *sql.DB, table string) {
	t.Helper()
	db, err := sql.Open("sqlserver", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	table = "scs_test_" + hex.EncodeToString(b)
	for _, stmt := range []string{tableSQL, indexSQL} {
		if _, err := db.Exec(strings.ReplaceAll(stmt, "sessions", table)); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE " + table); err != nil {
			t.Errorf("drop table: %v", err)
		}
	})
	return db, table
}

func TestConformance(t *testing.T) {
	dsn := storetest.Optional(t, dsnEnv)
	newStore := func(t *testing.T, interval time.Duration) scs.Store {
		db, table := openTable(t, dsn)
		s := NewWithConfig(db, Config{TableName: table, CleanUpInterval: interval})
		t.Cleanup(s.StopCleanup)
		return s
	}
	storetest.Suite{
		New:            func(t *testing.T) scs.Store { return newStore(t, 5*time.Minute) },
		NewWithCleanup: newStore,
		Stored: func(t *testing.T, st scs.Store, token string) bool {
			s := st.(*MSSQLStore)
			// The table name is the one word between "FROM " and " WHERE".
			table := strings.Fields(s.deleteSQL)[2]
			var n int
			if err := s.db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE token = @p1", token).Scan(&n); err != nil {
				t.Fatalf("Stored: %v", err)
			}
			return n > 0
		},
	}.Run(t)
}

// TestSCSRows checks, against a real server, that rows written the way SCS
// v2's mssqlstore does are read, and that Commit writes the UTC expiry SCS
// reads.
func TestSCSRows(t *testing.T) {
	db, table := openTable(t, storetest.Optional(t, dsnEnv))
	s := NewWithConfig(db, Config{TableName: table})
	live, stale := storetest.Token(t), storetest.Token(t)
	if _, err := db.Exec("INSERT INTO "+table+" (token, data, expiry) VALUES"+
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
	if err := db.QueryRow("SELECT CONVERT(VARCHAR(30), expiry, 121) FROM "+table+
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

func BenchmarkFind(b *testing.B) {
	db, table := openTable(b, storetest.Optional(b, dsnEnv))
	s := NewWithConfig(db, Config{TableName: table})
	tok := storetest.Token(b)
	if err := s.Commit(tok, bytes.Repeat([]byte("x"), 200), time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, found, err := s.Find(tok); err != nil || !found {
			b.Fatalf("Find = %v, %v", found, err)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	db, table := openTable(b, storetest.Optional(b, dsnEnv))
	s := NewWithConfig(db, Config{TableName: table})
	tok := storetest.Token(b)
	data := bytes.Repeat([]byte("x"), 200)
	expiry := time.Now().Add(time.Hour)
	for b.Loop() {
		if err := s.Commit(tok, data, expiry); err != nil {
			b.Fatal(err)
		}
	}
}
