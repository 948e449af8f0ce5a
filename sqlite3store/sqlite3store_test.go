package sqlite3store

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// schema is the table and index from the README, as SCS v2 documents them.
const schema = `CREATE TABLE sessions (
	token TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expiry REAL NOT NULL
);

CREATE INDEX sessions_expiry_idx ON sessions(expiry);`

// openDB opens a new SQLite database file in the test's temporary directory,
// with the sessions table, and closes it when the test ends. WAL and a busy
// timeout let concurrent connections write without "database is locked".
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "sessions.db") + "?_busy_timeout=10000&_journal_mode=WAL"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	if _, err := db.Exec(schema); err != nil {
		t.Fatalf("create sessions table: %v", err)
	}
	return db
}

// newStore returns a store over a fresh database; its cleanup goroutine is
// stopped before the database closes.
func newStore(t *testing.T, interval time.Duration) *SQLite3Store {
	s := NewWithCleanupInterval(openDB(t), interval)
	t.Cleanup(s.StopCleanup)
	return s
}

func rowExists(t *testing.T, db *sql.DB, table, token string) bool {
	t.Helper()
	var ok bool
	if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM "+table+" WHERE token = ?)", token).Scan(&ok); err != nil {
		t.Fatalf("look up row: %v", err)
	}
	return ok
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return newStore(t, 0)
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			return newStore(t, interval)
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			return rowExists(t, s.(*SQLite3Store).db, "sessions", token)
		},
	}.Run(t)
}

// julianDay is t as a Julian day number, the form of the expiry column.
func julianDay(t time.Time) float64 {
	return float64(t.UnixNano())/float64(24*time.Hour) + 2440587.5
}

func TestFindReadsSCSLayout(t *testing.T) {
	db := openDB(t)
	s := NewWithCleanupInterval(db, 0)
	live, stale, direct := storetest.Token(t), storetest.Token(t), storetest.Token(t)
	// SCS v2 writes the expiry with julianday() of a UTC timestamp to the
	// millisecond.
	insert := "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, julianday(?))"
	if _, err := db.Exec(insert, live, []byte("written by scs v2"), time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.999")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(insert, stale, []byte("expired"), time.Now().Add(-time.Second).UTC().Format("2006-01-02T15:04:05.999")); err != nil {
		t.Fatal(err)
	}
	// Any REAL Julian day works too.
	if _, err := db.Exec("INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)", direct, []byte("real"), julianDay(time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}

	b, found, err := s.Find(live)
	if err != nil || !found || string(b) != "written by scs v2" {
		t.Fatalf("Find = %q, %v, %v; want the row written in SCS's layout", b, found, err)
	}
	if _, found, err := s.Find(stale); err != nil || found {
		t.Fatalf("Find(expired) = %v, %v; want not found", found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 2 || string(all[live]) != "written by scs v2" || string(all[direct]) != "real" {
		t.Fatalf("All = %q, %v; want the two live sessions", all, err)
	}
}

func TestCommitWritesSCSLayout(t *testing.T) {
	s := newStore(t, 0)
	token := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(token, []byte("payload"), expiry); err != nil {
		t.Fatal(err)
	}
	var data []byte
	var day float64
	var dataType, expiryType string
	err := s.db.QueryRow("SELECT data, typeof(data), expiry, typeof(expiry) FROM sessions WHERE token = ?", token).
		Scan(&data, &dataType, &day, &expiryType)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "payload" || dataType != "blob" {
		t.Errorf("data = %q (%s), want the blob %q", data, dataType, "payload")
	}
	// julianday() keeps milliseconds; allow 2 ms.
	if expiryType != "real" || math.Abs(day-julianDay(expiry)) > 2.0/(24*3600*1000) {
		t.Errorf("expiry = %v (%s), want the Julian day %v", day, expiryType, julianDay(expiry))
	}
}

func TestConfigTableName(t *testing.T) {
	db := openDB(t)
	if _, err := db.Exec("CREATE TABLE app_sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	s := NewWithConfig(db, Config{TableName: "app_sessions"})
	token := storetest.Token(t)
	if err := s.Commit(token, []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !rowExists(t, db, "app_sessions", token) || rowExists(t, db, "sessions", token) {
		t.Fatal("Commit did not write to the configured table only")
	}
	if b, found, err := s.Find(token); err != nil || !found || string(b) != "x" {
		t.Fatalf("Find = %q, %v, %v", b, found, err)
	}
	if err := s.Delete(token); err != nil || rowExists(t, db, "app_sessions", token) {
		t.Fatalf("Delete = %v; row still there: %v", err, rowExists(t, db, "app_sessions", token))
	}
}

func TestConfigTableNameMustBeAnIdentifier(t *testing.T) {
	db := openDB(t)
	for name, ok := range map[string]bool{
		"sessions":       true,
		"App_Sessions2":  true,
		"main.sessions":  true,
		"a.b.c":          false,
		"2sessions":      false,
		"sessions; DROP": false,
		`"quoted"`:       false,
		"main.":          false,
		"sess-ions":      false,
		"sessions\x00":   false,
	} {
		func() {
			defer func() {
				if r := recover(); (r == nil) != ok {
					t.Errorf("NewWithConfig(TableName %q) panicked: %v; want panic %v", name, r, !ok)
				}
			}()
			NewWithConfig(db, Config{TableName: name})
		}()
	}
}

func TestNewUsesSessionsTable(t *testing.T) {
	s := New(openDB(t))
	defer s.StopCleanup()
	token := storetest.Token(t)
	if err := s.Commit(token, []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !rowExists(t, s.db, "sessions", token) {
		t.Fatal("New did not write to the sessions table")
	}
}

func TestDeleteExpiredWorksInBatches(t *testing.T) {
	s := newStore(t, 0)
	const expiredCount = 2*cleanupBatch + 10
	_, err := s.db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO sessions (token, data, expiry) SELECT 'expired' || i, x'00', julianday('now', '-1 minute') FROM n`, expiredCount)
	if err != nil {
		t.Fatal(err)
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteExpired(context.Background()); err != nil {
		t.Fatalf("deleteExpired: %v", err)
	}
	var left int
	if err := s.db.QueryRow("SELECT count(*) FROM sessions").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 1 || !rowExists(t, s.db, "sessions", live) {
		t.Fatalf("%d rows left after cleanup, want only the live one", left)
	}
}
