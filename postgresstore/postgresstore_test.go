package postgresstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// schemaSQL is the CREATE TABLE of the README, which the tests use as it is.
const schemaSQL = `CREATE TABLE sessions (
	token TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_expiry_idx ON sessions (expiry);`

const (
	dsnEnv     = "SCS_POSTGRES_TEST_DSN"
	defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// serverDSN returns the test server's DSN, skipping (or, in CI, failing)
// the test when it does not answer.
func serverDSN(t testing.TB) string {
	t.Helper()
	return storetest.Server(t, dsnEnv, defaultDSN, ping)
}

func ping(dsn string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// openSchema creates a schema of the test's own holding the README's
// sessions table, and returns a *sql.DB whose search_path is that schema, so
// that New(db) finds an empty "sessions" table. Both go when the test ends.
func openSchema(t testing.TB, dsn string) (db *sql.DB, schema string) {
	t.Helper()
	admin, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema = "scs_test_" + randomHex(t)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	db, err = sql.Open("postgres", withSearchPath(t, dsn, schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(schemaSQL); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return db, schema
}

// withSearchPath adds the search_path run-time parameter to a URL or
// key=value DSN.
func withSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsnEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			db, _ := openSchema(t, dsn)
			s := New(db)
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			db, _ := openSchema(t, dsn)
			s := NewWithCleanupInterval(db, interval)
			t.Cleanup(s.StopCleanup)
			return s
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			var n int
			if err := s.(*PostgresStore).db.QueryRow("SELECT count(*) FROM sessions WHERE token = $1", token).Scan(&n); err != nil {
				t.Fatalf("Stored: %v", err)
			}
			return n > 0
		},
	}.Run(t)
}

func TestConfigTableName(t *testing.T) {
	dsn := serverDSN(t)
	db, schema := openSchema(t, dsn)
	custom := strings.ReplaceAll(schemaSQL, "sessions", "custom_sessions")
	if _, err := db.Exec(custom); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"custom_sessions", schema + ".custom_sessions", "Custom_Sessions"} {
		t.Run(table, func(t *testing.T) {
			s := NewWithConfig(db, Config{TableName: table})
			defer s.StopCleanup()
			tok := storetest.Token(t)
			if err := s.Commit(tok, []byte("custom"), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow("SELECT count(*) FROM custom_sessions WHERE token = $1", tok).Scan(&n); err != nil || n != 1 {
				t.Fatalf("custom_sessions holds %d rows for the token (err %v), want 1", n, err)
			}
			if err := db.QueryRow("SELECT count(*) FROM sessions").Scan(&n); err != nil || n != 0 {
				t.Fatalf("the default table holds %d rows (err %v), want 0", n, err)
			}
			all, err := s.All()
			if err != nil || !bytes.Equal(all[tok], []byte("custom")) {
				t.Fatalf("All = %q, %v", all, err)
			}
			if err := s.Delete(tok); err != nil {
				t.Fatal(err)
			}
			if _, found, err := s.Find(tok); found || err != nil {
				t.Fatalf("Find after Delete = %v, %v", found, err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	dsn := serverDSN(t)
	db, _ := openSchema(t, dsn)
	s := NewWithConfig(db, Config{}) // table "sessions", no cleanup goroutine
	defer s.StopCleanup()
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sessions WHERE token = $1", tok).Scan(&n); err != nil || n != 1 {
		t.Fatalf("sessions holds %d rows for the token (err %v), want 1", n, err)
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
		`"sessions"`,
		"sess-ions",
		"séssions",
		"sessions\x00",
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "postgresstore: invalid table name") {
					t.Fatalf("NewWithConfig(%q) panicked with %v, want an invalid table name panic", name, r)
				}
			}()
			NewWithConfig(nil, Config{TableName: name})
		})
	}
	for _, name := range []string{"sessions", "_s", "s1", "public.sessions", "Auth_2.Web_Sessions"} {
		if !validTableName(name) {
			t.Errorf("validTableName(%q) = false, want true", name)
		}
	}
}

// TestReadsSCSRows writes rows the way SCS v2's postgresstore does (expiry
// computed by the server) and checks Find and All read them.
func TestReadsSCSRows(t *testing.T) {
	dsn := serverDSN(t)
	db, _ := openSchema(t, dsn)
	live, stale := storetest.Token(t), storetest.Token(t)
	if _, err := db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES
		($1, '\x00ff6c697665', current_timestamp + interval '1 minute'),
		($2, 'stale', current_timestamp - interval '1 second')`, live, stale); err != nil {
		t.Fatal(err)
	}
	s := NewWithCleanupInterval(db, 0)
	b, found, err := s.Find(live)
	if err != nil || !found || !bytes.Equal(b, []byte("\x00\xfflive")) {
		t.Fatalf("Find(live) = %q, %v, %v", b, found, err)
	}
	if _, found, err := s.Find(stale); err != nil || found {
		t.Fatalf("Find(stale) = %v, %v; want not found", found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 1 || !bytes.Equal(all[live], []byte("\x00\xfflive")) {
		t.Fatalf("All = %q, %v", all, err)
	}
}

// TestWritesSCSRows checks that Commit writes the columns SCS v2 reads, with
// the expiry kept to the microsecond, and that SCS's own query finds them.
func TestWritesSCSRows(t *testing.T) {
	dsn := serverDSN(t)
	db, _ := openSchema(t, dsn)
	s := NewWithCleanupInterval(db, 0)
	tok := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(tok, []byte("written here"), expiry); err != nil {
		t.Fatal(err)
	}
	var data []byte
	var got time.Time
	if err := db.QueryRow("SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry", tok).Scan(&data, &got); err != nil {
		t.Fatalf("SCS-style select: %v", err)
	}
	if string(data) != "written here" {
		t.Errorf("data = %q", data)
	}
	if d := got.Sub(expiry).Abs(); d > time.Microsecond {
		t.Errorf("expiry = %v, want %v (off by %v)", got, expiry, d)
	}
}

func TestCommitNilData(t *testing.T) {
	dsn := serverDSN(t)
	db, _ := openSchema(t, dsn)
	s := NewWithCleanupInterval(db, 0)
	tok := storetest.Token(t)
	if err := s.Commit(tok, nil, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(tok); err != nil || !found || len(b) != 0 {
		t.Fatalf("Find = %q, %v, %v; want empty, true, nil", b, found, err)
	}
}

// TestCleanupDeletesInBatches checks that one cleanup pass deletes more
// expired rows than a batch holds, and no live row.
func TestCleanupDeletesInBatches(t *testing.T) {
	dsn := serverDSN(t)
	db, _ := openSchema(t, dsn)
	if _, err := db.Exec(`INSERT INTO sessions (token, data, expiry)
		SELECT 'expired' || i::text, 'x', current_timestamp - interval '1 minute' FROM generate_series(1, $1) AS g(i)`, 2*deleteBatch+500); err != nil {
		t.Fatal(err)
	}
	s := NewWithCleanupInterval(db, 0)
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sessions").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows left after cleanup (err %v), want the 1 live one", n, err)
	}
}

func TestREADMESchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), schemaSQL) {
		t.Fatal("README.md does not hold the CREATE TABLE the tests use")
	}
}

func BenchmarkFind(b *testing.B) {
	db, _ := openSchema(b, serverDSN(b))
	s := NewWithCleanupInterval(db, 0)
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
	db, _ := openSchema(b, serverDSN(b))
	s := NewWithCleanupInterval(db, 0)
	tok := storetest.Token(b)
	data := bytes.Repeat([]byte("x"), 200)
	expiry := time.Now().Add(time.Hour)
	for b.Loop() {
		if err := s.Commit(tok, data, expiry); err != nil {
			b.Fatal(err)
		}
	}
}
