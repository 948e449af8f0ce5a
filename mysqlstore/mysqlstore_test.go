package mysqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// tableSQL and indexSQL are the CREATE statements of the README, which the
// tests use as they are.
const (
	tableSQL = `CREATE TABLE sessions (
	token CHAR(43) PRIMARY KEY,
	data BLOB NOT NULL,
	expiry TIMESTAMP(6) NOT NULL
);`
	indexSQL = `CREATE INDEX sessions_expiry_idx ON sessions (expiry);`
)

// blobMax is the most a BLOB column holds.
const blobMax = 1<<16 - 1

const (
	dsnEnv     = "SCS_MYSQL_TEST_DSN"
	defaultDSN = "root@tcp(127.0.0.1:3306)/test?parseTime=true"
)

// serverDSN returns the test server's DSN, skipping (or, in CI, failing)
// the test when it does not answer.
func serverDSN(t testing.TB) string {
	t.Helper()
	return storetest.Server(t, dsnEnv, defaultDSN, ping)
}

func ping(dsn string) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// openDatabase creates a database of the test's own holding the README's
// sessions table, and returns a *sql.DB on it, so that New(db) finds an
// empty "sessions" table. Both go when the test ends. params are added to
// the DSN's connection parameters.
func openDatabase(t testing.TB, dsn string, params map[string]string) (db *sql.DB, name string) {
	t.Helper()
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name = "scs_test_" + randomHex(t)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsnEnv, err)
	}
	cfg.DBName = name
	for k, v := range params {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params[k] = v
	}
	db, err = sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range []string{tableSQL, indexSQL} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return db, name
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestConformance(t *testing.T) {
	dsn := serverDSN(t)
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			db, _ := openDatabase(t, dsn, nil)
			s := New(db)
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			db, _ := openDatabase(t, dsn, nil)
			s := NewWithCleanupInterval(db, interval)
			t.Cleanup(s.StopCleanup)
			return s
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			return count(t, s.(*MySQLStore).DB, "SELECT COUNT(*) FROM sessions WHERE token = ?", token) > 0
		},
		// The README's table has a BLOB data column, as SCS v2's has, which
		// holds 64 KiB less one byte; TestMediumBlob checks larger ones.
		MaxPayload: blobMax,
	}.Run(t)
}

// TestMediumBlob checks that a table whose data column was widened to
// MEDIUMBLOB, as the README suggests for large sessions, takes 1 MiB.
func TestMediumBlob(t *testing.T) {
	db, _ := openDatabase(t, serverDSN(t), nil)
	if _, err := db.Exec("ALTER TABLE sessions MODIFY data MEDIUMBLOB NOT NULL"); err != nil {
		t.Fatal(err)
	}
	s := NewWithCleanupInterval(db, 0)
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	tok := storetest.Token(t)
	if err := s.Commit(tok, big, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(tok); err != nil || !found || !bytes.Equal(b, big) {
		t.Fatalf("Find = %d bytes, %v, %v; want the 1 MiB committed", len(b), found, err)
	}
}

// TestOversizedPayloadFails checks that a payload too large for the BLOB
// column is an error, not a silently truncated session (the server's
// default strict mode).
func TestOversizedPayloadFails(t *testing.T) {
	db, _ := openDatabase(t, serverDSN(t), nil)
	s := NewWithCleanupInterval(db, 0)
	tok := storetest.Token(t)
	if err := s.Commit(tok, make([]byte, blobMax+1), time.Now().Add(time.Minute)); err == nil {
		t.Fatal("Commit of a payload larger than a BLOB returned no error")
	}
	if _, found, err := s.Find(tok); err != nil || found {
		t.Fatalf("Find after the failed Commit = %v, %v; want not found", found, err)
	}
}

// TestTokensDifferingInCase checks that Find and Delete match the token
// exactly although the column's collation ignores case.
func TestTokensDifferingInCase(t *testing.T) {
	db, _ := openDatabase(t, serverDSN(t), nil)
	s := NewWithCleanupInterval(db, 0)
	upper := strings.Repeat("A", 43)
	lower := strings.Repeat("a", 43)
	if err := s.Commit(upper, []byte("upper"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(lower); err != nil || found {
		t.Fatalf("Find(lower) = %v, %v; want not found", found, err)
	}
	if err := s.Delete(lower); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(upper); err != nil || !found || string(b) != "upper" {
		t.Fatalf("Find(upper) after Delete(lower) = %q, %v, %v", b, found, err)
	}
}

func TestConfigTableName(t *testing.T) {
	db, name := openDatabase(t, serverDSN(t), nil)
	for _, stmt := range []string{tableSQL, indexSQL} {
		if _, err := db.Exec(strings.ReplaceAll(stmt, "sessions", "custom_sessions")); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"custom_sessions", name + ".custom_sessions"} {
		t.Run(table, func(t *testing.T) {
			s := NewWithConfig(db, Config{TableName: table})
			defer s.StopCleanup()
			tok := storetest.Token(t)
			if err := s.Commit(tok, []byte("custom"), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM custom_sessions WHERE token = ?", tok); n != 1 {
				t.Fatalf("custom_sessions holds %d rows for the token, want 1", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM sessions"); n != 0 {
				t.Fatalf("the default table holds %d rows, want 0", n)
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
	db, _ := openDatabase(t, serverDSN(t), nil)
	s := NewWithConfig(db, Config{}) // table "sessions", no cleanup goroutine
	defer s.StopCleanup()
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM sessions WHERE token = ?", tok); n != 1 {
		t.Fatalf("sessions holds %d rows for the token, want 1", n)
	}
}

func TestInvalidTableNamePanics(t *testing.T) {
	for _, name := range []string{
		"sessions; DROP TABLE sessions",
		"sessions--",
		"sessions#",
		"a b",
		"1sessions",
		"a.b.c",
		".sessions",
		"sessions.",
		"`sessions`",
		"sess-ions",
		"séssions",
		"sessions\x00",
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "mysqlstore: invalid table name") {
					t.Fatalf("NewWithConfig(%q) panicked with %v, want an invalid table name panic", name, r)
				}
			}()
			NewWithConfig(nil, Config{TableName: name})
		})
	}
	for _, name := range []string{"sessions", "_s", "s1", "app.sessions", "Auth_2.Web_Sessions"} {
		if !validTableName(name) {
			t.Errorf("validTableName(%q) = false, want true", name)
		}
	}
}

// TestReadsSCSRows writes rows the way SCS v2's mysqlstore and its tests do
// (expiry computed by the server in UTC) and checks Find and All read them.
func TestReadsSCSRows(t *testing.T) {
	db, _ := openDatabase(t, serverDSN(t), nil)
	live, stale := storetest.Token(t), storetest.Token(t)
	if _, err := db.Exec(`INSERT INTO sessions (token, data, expiry) VALUES
		(?, X'00ff6c697665', UTC_TIMESTAMP(6) + INTERVAL 1 MINUTE),
		(?, 'stale', UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)`, live, stale); err != nil {
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
// expiry as the UTC time to the microsecond, and that SCS's own query finds
// them, whatever the session time zone, as long as it is the same for
// writing and reading.
func TestWritesSCSRows(t *testing.T) {
	dsn := serverDSN(t)
	for _, zone := range []string{"", "'+05:00'", "'-09:30'"} {
		t.Run("time_zone="+zone, func(t *testing.T) {
			params := map[string]string{}
			if zone != "" {
				params["time_zone"] = zone
			}
			db, _ := openDatabase(t, dsn, params)
			db.SetMaxOpenConns(1) // reads and writes in the one session
			s := NewWithCleanupInterval(db, 0)
			tok, gone := storetest.Token(t), storetest.Token(t)
			expiry := time.Now().Add(time.Hour)
			if err := s.Commit(tok, []byte("written here"), expiry); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(gone, []byte("expired"), time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			var data []byte
			var wall string
			err := db.QueryRow("SELECT data, DATE_FORMAT(expiry, '%Y-%m-%d %H:%i:%s.%f') FROM sessions WHERE token = ? AND UTC_TIMESTAMP(6) < expiry", tok).Scan(&data, &wall)
			if err != nil {
				t.Fatalf("SCS-style select: %v", err)
			}
			if string(data) != "written here" {
				t.Errorf("data = %q", data)
			}
			got, err := time.Parse("2006-01-02 15:04:05.000000", wall)
			if err != nil {
				t.Fatal(err)
			}
			// MySQL rounds to the microsecond, MariaDB truncates.
			if d := got.Sub(expiry.UTC()).Abs(); d > time.Microsecond {
				t.Errorf("expiry reads as %s in the session, want the UTC time %s", wall, expiry.UTC())
			}
			if n := count(t, db, "SELECT COUNT(*) FROM sessions WHERE token = ? AND UTC_TIMESTAMP(6) < expiry", gone); n != 0 {
				t.Error("SCS-style select finds a session committed with a past expiry")
			}
			if _, found, err := s.Find(tok); err != nil || !found {
				t.Fatalf("Find = %v, %v", found, err)
			}
			if _, found, err := s.Find(gone); err != nil || found {
				t.Fatalf("Find(expired) = %v, %v", found, err)
			}
		})
	}
}

func TestCommitNilData(t *testing.T) {
	db, _ := openDatabase(t, serverDSN(t), nil)
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
	db, _ := openDatabase(t, serverDSN(t), nil)
	const expired = 2*deleteBatch + 500
	var query strings.Builder
	query.WriteString("INSERT INTO sessions (token, data, expiry) VALUES ")
	args := make([]any, 0, expired)
	for i := range expired {
		if i > 0 {
			query.WriteString(", ")
		}
		query.WriteString("(?, 'x', UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE)")
		args = append(args, fmt.Sprintf("expired%d", i))
	}
	if _, err := db.Exec(query.String(), args...); err != nil {
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
	if n := count(t, db, "SELECT COUNT(*) FROM sessions"); n != 1 {
		t.Fatalf("%d rows left after cleanup, want the 1 live one", n)
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

func BenchmarkFind(b *testing.B) {
	db, _ := openDatabase(b, serverDSN(b), nil)
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
	db, _ := openDatabase(b, serverDSN(b), nil)
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
