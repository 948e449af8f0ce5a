package sqlite3store

import (
	"context"
	"math"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/seed3bbca6c1/scs/internal/sqltest"
	"github.com/seed3bbca6c1/scs/storetest"
)

// schema is the table and index from the README, as SCS v2 documents them.
var schema = []string{`CREATE TABLE sessions (
	token TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expiry REAL NOT NULL
);`, `CREATE INDEX sessions_expiry_idx ON sessions(expiry);`}

// userSchema is the README's CREATE statement of the index of user
// sessions.
var userSchema = []string{`CREATE TABLE sessions_users (
	user_id TEXT NOT NULL,
	token TEXT NOT NULL,
	expiry REAL NOT NULL,
	created INTEGER NOT NULL,
	last_active INTEGER NOT NULL,
	label BLOB NOT NULL,
	PRIMARY KEY (user_id, token)
);`}

// userAlter is the README's ALTER statements that add to an index of user
// sessions made by an older README the columns it lacks.
var userAlter = []string{
	"ALTER TABLE sessions_users ADD COLUMN created INTEGER NOT NULL DEFAULT 0;",
	"ALTER TABLE sessions_users ADD COLUMN last_active INTEGER NOT NULL DEFAULT 0;",
	"ALTER TABLE sessions_users ADD COLUMN label BLOB NOT NULL DEFAULT x'';",
}

// harness runs the checks every SQL store shares (see sqltest.Harness).
var harness = sqltest.Harness{
	Name:       "sqlite3store",
	Schema:     schema,
	UserSchema: userSchema,
	UserAlter:  userAlter,
	Open:       openDB,
	New: func(_ testing.TB, db *sqltest.DB, cfg sqltest.Config) sqltest.Store {
		return NewWithConfig(db.DB, Config(cfg))
	},
	DeleteExpired: func(s sqltest.Store) error {
		return s.(*SQLite3Store).store.DeleteExpired(context.Background())
	},
	Param: "?",
	InsertExpired: func(db *sqltest.DB, n int) error {
		_, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO sessions (token, data, expiry) SELECT 'expired' || i, x'00', julianday('now', '-1 minute') FROM n`, n)
		return err
	},
}

// openDB opens a new SQLite database file in the test's temporary directory,
// with the sessions table, and closes it when the test ends.
func openDB(t testing.TB) *sqltest.DB {
	t.Helper()
	d := &sqltest.DB{DB: sqltest.SQLite(t), Namespace: "main", Table: "sessions"}
	d.CreateTable(t, d.Table, schema)
	return d
}

func TestSQLStore(t *testing.T) { harness.Run(t) }

// julianDay is t as a Julian day number, the form of the expiry column.
func julianDay(t time.Time) float64 {
	return float64(t.UnixNano())/float64(24*time.Hour) + 2440587.5
}

func TestFindReadsSCSLayout(t *testing.T) {
	db := openDB(t)
	s := NewWithCleanupInterval(db.DB, 0)
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
	db := openDB(t)
	s := NewWithCleanupInterval(db.DB, 0)
	token := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(token, []byte("payload"), expiry); err != nil {
		t.Fatal(err)
	}
	var data []byte
	var day float64
	var dataType, expiryType string
	err := db.QueryRow("SELECT data, typeof(data), expiry, typeof(expiry) FROM sessions WHERE token = ?", token).
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

// TestExpiryTimeRoundTrips checks that the Julian day SQLite's julianday()
// makes of a committed expiry converts back to that expiry exactly, to the
// millisecond, across the years sessions use and beyond.
func TestExpiryTimeRoundTrips(t *testing.T) {
	db := openDB(t)
	base := []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 23, 59, 59, 999e6, time.UTC),
		time.Now().Truncate(time.Millisecond),
		time.Date(2099, 12, 31, 12, 0, 0, 1e6, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
	}
	for _, b := range base {
		for i := range 200 {
			want := b.Add(time.Duration(i*7919) * time.Millisecond).UTC()
			if want.Year() > 9999 {
				continue
			}
			var jd float64
			if err := db.QueryRow("SELECT julianday(?)", dialect.Expiry(want)).Scan(&jd); err != nil {
				t.Fatal(err)
			}
			got, err := expiryTime(jd)
			if err != nil || !got.Equal(want) {
				t.Fatalf("expiryTime(julianday(%v)) = %v, %v", want, got, err)
			}
		}
	}
	if _, err := expiryTime("x"); err == nil {
		t.Fatal("expiryTime took a string")
	}
}
