package mysqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/storetest"
)

var server = sqltest.MySQL()

// schema is the CREATE statements of the README, which the tests use as
// they are.
var schema = []string{`CREATE TABLE sessions (
	token CHAR(43) PRIMARY KEY,
	data BLOB NOT NULL,
	expiry TIMESTAMP(6) NOT NULL
);`, `CREATE INDEX sessions_expiry_idx ON sessions (expiry);`}

// userSchema is the README's CREATE statement of the index of user
// sessions.
var userSchema = []string{`CREATE TABLE sessions_users (
	user_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	token CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	expiry TIMESTAMP(6) NOT NULL,
	created BIGINT NOT NULL,
	last_active BIGINT NOT NULL,
	label VARBINARY(200) NOT NULL,
	PRIMARY KEY (user_id, token)
);`}

// userAlter is the README's ALTER statement that adds to an index of user
// sessions made by an older README the columns it lacks.
var userAlter = []string{`ALTER TABLE sessions_users
	ADD COLUMN created BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN last_active BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN label VARBINARY(200) NOT NULL DEFAULT '';`}

// harness runs the checks every SQL store shares (see sqltest.Harness).
var harness = sqltest.Harness{
	Name:       "mysqlstore",
	Schema:     schema,
	UserSchema: userSchema,
	UserAlter:  userAlter,
	Open:       func(t testing.TB) *sqltest.DB { return server.Open(t, schema) },
	New: func(_ testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(db.DB, Config{CleanUpInterval: cfg.CleanUpInterval, TableName: cfg.TableName})
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*MySQLStore).store.DeleteExpired(context.Background())
	},
	Param: "?",
	// The README's table has a BLOB data column, as SCS v2's has, which
	// holds 64 KiB less one byte; TestMediumBlob checks larger ones.
	MaxPayload:         blobMax,
	CaseSensitiveNames: true,
	// As SCS v2's mysqlstore and its tests write them: expiry computed by
	// the server in UTC.
	SCSRows: `INSERT INTO sessions (token, data, expiry) VALUES
		(?, X'00ff6c697665', UTC_TIMESTAMP(6) + INTERVAL 1 MINUTE),
		(?, 'stale', UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)`,
	InsertExpired: func(db *sqltest.DB, n int) error {
		var query strings.Builder
		query.WriteString("INSERT INTO sessions (token, data, expiry) VALUES ")
		args := make([]any, 0, n)
		for i := range n {
			if i > 0 {
				query.WriteString(", ")
			}
			query.WriteString("(?, 'x', UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE)")
			args = append(args, fmt.Sprintf("expired%d", i))
		}
		_, err := db.Exec(query.String(), args...)
		return err
	},
}

func TestMain(m *testing.M) { os.Exit(server.Main(m)) }

func TestSQLStore(t *testing.T) { harness.Run(t) }

// TestMediumBlob checks that a table whose data column was widened to
// MEDIUMBLOB, as the README suggests for large sessions, takes 1 MiB.
func TestMediumBlob(t *testing.T) {
	db := harness.Open(t)
	if _, err := db.Exec("ALTER TABLE sessions MODIFY data MEDIUMBLOB NOT NULL"); err != nil {
		t.Fatal(err)
	}
	s := NewWithConfig(db.DB, Config{MaxDataSize: 1<<24 - 1})
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
	s := NewWithCleanupInterval(harness.Open(t).DB, 0)
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
	s := NewWithCleanupInterval(harness.Open(t).DB, 0)
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
	ctx := context.Background()
	for _, b := range []string{"lower", "upper"} {
		if ok, err := s.CompareAndSwap(ctx, lower, []byte("upper"), []byte(b), time.Now().Add(time.Minute)); err != nil || ok {
			t.Fatalf("CompareAndSwap(lower, %q) = %v, %v; want false, nil", b, ok, err)
		}
	}
	if b, found, err := s.Find(upper); err != nil || !found || string(b) != "upper" {
		t.Fatalf("Find(upper) after CompareAndSwap(lower) = %q, %v, %v", b, found, err)
	}
}

// TestCompareAndSwapUnchanged checks that swapping data for the same data
// and expiry, which MySQL counts as no row affected, reports a swap when the
// session holds them, and none when it is missing, expired or holds other
// data.
func TestCompareAndSwapUnchanged(t *testing.T) {
	s := NewWithCleanupInterval(harness.Open(t).DB, 0)
	ctx := context.Background()
	tok, stale := storetest.Token(t), storetest.Token(t)
	expiry := time.Now().Add(time.Minute)
	if err := s.Commit(tok, []byte("v1"), expiry); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(stale, []byte("v1"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if ok, err := s.CompareAndSwap(ctx, tok, []byte("v1"), []byte("v1"), expiry); err != nil || !ok {
			t.Fatalf("CompareAndSwap of identical data and expiry (%d) = %v, %v; want true, nil", i, ok, err)
		}
	}
	later := expiry.Add(time.Minute)
	if ok, err := s.CompareAndSwap(ctx, tok, []byte("v1"), []byte("v1"), later); err != nil || !ok {
		t.Fatalf("CompareAndSwap of identical data, later expiry = %v, %v; want true, nil", ok, err)
	}
	if _, exp, _, err := s.FindExpiry(context.Background(), tok); err != nil || exp.Sub(later).Abs() > time.Microsecond {
		t.Fatalf("expiry after CompareAndSwap = %v, %v; want %v", exp, err, later)
	}
	for _, tk := range []string{storetest.Token(t), stale} {
		if ok, err := s.CompareAndSwap(ctx, tk, []byte("v1"), []byte("v1"), time.Now().Add(-time.Minute)); err != nil || ok {
			t.Errorf("CompareAndSwap of identical data, missing or expired = %v, %v; want false, nil", ok, err)
		}
	}
	if ok, err := s.CompareAndSwap(ctx, tok, []byte("v2"), []byte("v2"), later); err != nil || ok {
		t.Fatalf("CompareAndSwap of identical data other than held = %v, %v; want false, nil", ok, err)
	}
}

// TestWritesSCSRows checks that Commit writes the columns SCS v2 reads, with
// expiry as the UTC time to the microsecond, and that SCS's own query finds
// them, whatever the session time zone, as long as it is the same for
// writing and reading.
func TestWritesSCSRows(t *testing.T) {
	for _, zone := range []string{"", "'+05:00'", "'-09:30'"} {
		t.Run("time_zone="+zone, func(t *testing.T) {
			db := inTimeZone(t, harness.Open(t).DSN, zone)
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
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM sessions WHERE token = ? AND UTC_TIMESTAMP(6) < expiry", gone).Scan(&n); err != nil || n != 0 {
				t.Errorf("SCS-style select finds %d sessions committed with a past expiry (err %v)", n, err)
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

// inTimeZone opens dsn with the session time zone zone, or the server's
// when zone is empty; it is closed when the test ends.
func inTimeZone(t *testing.T, dsn, zone string) *sql.DB {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if zone != "" {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = zone
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func BenchmarkFind(b *testing.B) { harness.BenchmarkFind(b) }

func BenchmarkCommit(b *testing.B) { harness.BenchmarkCommit(b) }

// TestExpiryTime checks the reading of the expiry column with and without
// parseTime=true in the DSN.
func TestExpiryTime(t *testing.T) {
	want := time.Date(2030, 6, 1, 12, 30, 0, 123456000, time.UTC)
	for _, v := range []any{want, []byte("2030-06-01 12:30:00.123456"), "2030-06-01 12:30:00.123456"} {
		if got, err := expiryTime(v); err != nil || !got.Equal(want) {
			t.Errorf("expiryTime(%#v) = %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := expiryTime(int64(1)); err == nil {
		t.Error("expiryTime took an int64")
	}
}

// TestOversizedSessionKeepsOldOneWithoutStrictMode checks, through HTTP
// requests on a connection without strict mode (where MySQL and MariaDB
// truncate data too large for the column instead of failing), that saving a
// session larger than the BLOB column fails with an error naming the limit
// and leaves the session stored before intact.
func TestOversizedSessionKeepsOldOneWithoutStrictMode(t *testing.T) {
	db := harness.Open(t).DB
	db.SetMaxIdleConns(0) // drop the connections opened so far
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.Exec("SET SESSION sql_mode = ''"); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRow("SELECT @@SESSION.sql_mode").Scan(&mode); err != nil || mode != "" {
		t.Fatalf("sql_mode = %q, %v; want it empty (not strict)", mode, err)
	}

	// The store's own check, not the column, refuses the session: without
	// strict mode MariaDB would truncate it and every later load would fail.
	storetest.OversizedSession(t, NewWithCleanupInterval(db, 0), blobMax)
}
