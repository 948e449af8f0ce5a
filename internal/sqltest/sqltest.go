// Package sqltest is the test plumbing the SQL session stores share: a
// database of each test's own (see Server), the checks every database/sql
// store runs on top of the storetest kit (see Harness), and the engines and
// checks the ORM stores share (see RunEngines).
package sqltest

import (
	"bytes"
	"database/sql"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// Store is what every SQL store implements.
type Store interface {
	scs.Store
	scs.IterableStore
	StopCleanup()
}

// Config has the fields of every SQL store's Config, in the same order, so
// that a store's test converts it with Config(cfg).
type Config struct {
	CleanUpInterval time.Duration
	TableName       string
}

// DB is a database of one test's own, holding a sessions table with the
// layout of the store's README.
type DB struct {
	*sql.DB

	// DSN reaches the same database, for stores that open connections of
	// their own (pgxstore).
	DSN string

	// Namespace is the schema or database that holds the test's tables, so
	// that Namespace+"."+table names table too; empty when there is none.
	Namespace string

	// Table is the sessions table: "sessions" where the database is the
	// test's own, a unique name where it is shared (SQL Server).
	Table string
}

// CreateTable creates the table name with the layout of schema, the
// README's CREATE statements for the table "sessions", and drops it when the
// test ends.
func (db *DB) CreateTable(t testing.TB, name string, schema []string) {
	t.Helper()
	for _, stmt := range schema {
		if _, err := db.Exec(strings.ReplaceAll(stmt, "sessions", name)); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE " + name); err != nil {
			t.Errorf("drop table %s: %v", name, err)
		}
	})
}

// Count returns the number of rows of table that match where (which may be
// empty) with args.
func (db *DB) Count(t testing.TB, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM "+table+" "+where, args...).Scan(&n); err != nil {
		t.Fatalf("count rows of %s: %v", table, err)
	}
	return n
}

// Harness describes a SQL store to the checks that every SQL store runs.
type Harness struct {
	// Name is the store's package name, which starts its panics.
	Name string

	// Schema is the README's CREATE statements, for the table "sessions".
	Schema []string

	// UserSchema is the README's CREATE statements for the index of user
	// sessions, the table "sessions_users"; the conformance checks create
	// it beside each test's sessions table.
	UserSchema []string

	// UserAlter is the README's ALTER statements that add to a table made
	// by an older UserSchema, with only user_id, token and expiry, the
	// columns it lacks. Required with UserSchema.
	UserAlter []string

	// Open returns a database of the test's own holding the Schema's table,
	// closed and removed when the test ends. It skips the test (or fails it
	// in CI) when there is no server.
	Open func(t testing.TB) *DB

	// New returns a store over db made by NewWithConfig with cfg. db.DB is
	// nil in the table name check, which expects a panic before any use.
	New func(t testing.TB, db *DB, cfg Config) Store

	// DeleteExpired runs one cleanup pass of a store New made.
	DeleteExpired func(s Store) error

	// Param is how the first parameter of a statement is written: "$1",
	// "?" or "@p1".
	Param string

	// MaxPayload is storetest.Suite.MaxPayload.
	MaxPayload int

	// CaseSensitiveNames says that table names are case-sensitive (MySQL
	// on Linux), so the table name check does not name a table in another
	// case.
	CaseSensitiveNames bool

	// SCSRows, when set, inserts into "sessions" two rows the way SCS v2
	// writes them: its first argument a token with the data "\x00\xfflive"
	// that expires in a minute, its second one with the data "stale" that
	// expired a second ago.
	SCSRows string

	// SCSSelect, when set, selects the data and the expiry (as a time.Time)
	// of the session its argument names, if it has not expired, the way SCS
	// v2 reads rows.
	SCSSelect string

	// InsertExpired, when set, inserts n expired rows into db.Table.
	InsertExpired func(db *DB, n int) error
}

// Run runs the checks, each as a subtest: the storetest kit, the table name
// option, rows read and written the way SCS v2 does, nil data, batched
// cleanup and the README's schema.
func (h Harness) Run(t *testing.T) {
	t.Run("Conformance", h.testConformance)
	t.Run("ConfigTableName", h.testConfigTableName)
	t.Run("ConfigDefaults", h.testConfigDefaults)
	t.Run("InvalidTableNamePanics", h.testInvalidTableNamePanics)
	t.Run("ReadsSCSRows", h.testReadsSCSRows)
	t.Run("WritesSCSRows", h.testWritesSCSRows)
	t.Run("CommitNilData", h.testCommitNilData)
	t.Run("CleanupDeletesInBatches", h.testCleanupDeletesInBatches)
	t.Run("READMESchema", h.testREADMESchema)
	t.Run("MissingTables", h.testMissingTables)
	t.Run("MissingUserColumns", h.testMissingUserColumns)
}

// store returns a store on db's sessions table whose cleanup goroutine, if
// any, is stopped when the test ends.
func (h Harness) store(t testing.TB, db *DB, interval time.Duration) Store {
	s := h.New(t, db, Config{CleanUpInterval: interval, TableName: db.Table})
	t.Cleanup(s.StopCleanup)
	return s
}

func (h Harness) testConformance(t *testing.T) {
	var dbs sync.Map // Store → *DB
	newStore := func(t *testing.T, interval time.Duration) scs.Store {
		db := h.Open(t)
		h.createUsersTable(t, db)
		s := h.store(t, db, interval)
		dbs.Store(s, db)
		return s
	}
	storetest.Suite{
		New:            func(t *testing.T) scs.Store { return newStore(t, 5*time.Minute) },
		NewWithCleanup: newStore,
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			db, _ := dbs.Load(s)
			return db.(*DB).Count(t, db.(*DB).Table, "WHERE token = "+h.Param, token) > 0
		},
		MaxPayload: h.MaxPayload,
	}.Run(t)
}

// testConfigTableName checks that a store given another table, by its
// name, qualified or in another case, uses that table only.
func (h Harness) testConfigTableName(t *testing.T) {
	db := h.Open(t)
	custom := "custom_" + db.Table
	db.CreateTable(t, custom, h.Schema)
	names := []string{custom}
	if db.Namespace != "" {
		names = append(names, db.Namespace+"."+custom)
	}
	if !h.CaseSensitiveNames {
		names = append(names, "Custom_"+strings.ToUpper(db.Table))
	}
	for _, table := range names {
		t.Run(table, func(t *testing.T) {
			s := h.New(t, db, Config{TableName: table})
			defer s.StopCleanup()
			tok := storetest.Token(t)
			if err := s.Commit(tok, []byte("custom"), time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n := db.Count(t, custom, "WHERE token = "+h.Param, tok); n != 1 {
				t.Fatalf("%s holds %d rows for the token, want 1", custom, n)
			}
			if n := db.Count(t, db.Table, ""); n != 0 {
				t.Fatalf("the default table holds %d rows, want 0", n)
			}
			if b, found, err := s.Find(tok); err != nil || !found || string(b) != "custom" {
				t.Fatalf("Find = %q, %v, %v", b, found, err)
			}
			all, err := s.All()
			if err != nil || !bytes.Equal(all[tok], []byte("custom")) {
				t.Fatalf("All = %q, %v", all, err)
			}
			if err := s.Delete(tok); err != nil {
				t.Fatal(err)
			}
			if n := db.Count(t, custom, ""); n != 0 {
				t.Fatalf("%s holds %d rows after Delete, want 0", custom, n)
			}
			if _, found, err := s.Find(tok); found || err != nil {
				t.Fatalf("Find after Delete = %v, %v", found, err)
			}
		})
	}
}

// testConfigDefaults checks that the zero Config gives the table
// "sessions".
func (h Harness) testConfigDefaults(t *testing.T) {
	db := h.Open(t)
	if db.Table != sqlstore.DefaultTable {
		t.Skipf("the test's table is %s, not the default", db.Table)
	}
	s := h.New(t, db, Config{}) // table "sessions", no cleanup goroutine
	defer s.StopCleanup()
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := db.Count(t, sqlstore.DefaultTable, "WHERE token = "+h.Param, tok); n != 1 {
		t.Fatalf("sessions holds %d rows for the token, want 1", n)
	}
}

// Table names that NewWithConfig must refuse, or take.
var (
	invalidTableNames = []string{
		"sessions; DROP TABLE sessions", "sessions; DROP", "sessions--", "sessions#",
		"a b", "1sessions", "a.b.c", ".", ".sessions", "sessions.", "main.",
		`"sessions"`, "`sessions`", "[sessions]", "#sessions", "@sessions",
		"sess-ions", "séssions", "sessions\x00",
	}
	validTableNames = []string{"sessions", "_s", "s1", "public.sessions", "main.sessions", "Auth_2.Web_Sessions", "App_Sessions2"}
)

func (h Harness) testInvalidTableNamePanics(t *testing.T) {
	for _, name := range invalidTableNames {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, h.Name+": invalid table name") {
					t.Fatalf("NewWithConfig(%q) panicked with %v, want an invalid table name panic", name, r)
				}
			}()
			h.New(t, &DB{}, Config{TableName: name})
		})
	}
	for _, name := range validTableNames {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("NewWithConfig(%q) panicked: %v", name, r)
				}
			}()
			h.New(t, &DB{}, Config{TableName: name})
		}()
	}
}

// testReadsSCSRows checks that Find and All read rows written the way SCS
// v2 writes them, and ignore an expired one.
func (h Harness) testReadsSCSRows(t *testing.T) {
	if h.SCSRows == "" {
		t.Skip("no SCSRows statement: the store's own tests check this")
	}
	db := h.Open(t)
	live, stale := storetest.Token(t), storetest.Token(t)
	if _, err := db.Exec(h.SCSRows, live, stale); err != nil {
		t.Fatal(err)
	}
	s := h.store(t, db, 0)
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

// testWritesSCSRows checks that Commit writes the columns SCS v2 reads,
// with the expiry kept to the microsecond, and that SCS's own query finds
// them.
func (h Harness) testWritesSCSRows(t *testing.T) {
	if h.SCSSelect == "" {
		t.Skip("no SCSSelect statement: the store's own tests check this")
	}
	db := h.Open(t)
	s := h.store(t, db, 0)
	tok := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(tok, []byte("written here"), expiry); err != nil {
		t.Fatal(err)
	}
	var data []byte
	var got time.Time
	if err := db.QueryRow(h.SCSSelect, tok).Scan(&data, &got); err != nil {
		t.Fatalf("SCS-style select: %v", err)
	}
	if string(data) != "written here" {
		t.Errorf("data = %q", data)
	}
	if d := got.Sub(expiry).Abs(); d > time.Microsecond {
		t.Errorf("expiry = %v, want %v (off by %v)", got, expiry, d)
	}
}

func (h Harness) testCommitNilData(t *testing.T) {
	s := h.store(t, h.Open(t), 0)
	tok := storetest.Token(t)
	if err := s.Commit(tok, nil, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := s.Find(tok); err != nil || !found || len(b) != 0 {
		t.Fatalf("Find = %q, %v, %v; want empty, true, nil", b, found, err)
	}
}

// testCleanupDeletesInBatches checks that one cleanup pass deletes more
// expired rows than a batch holds, and no live row.
func (h Harness) testCleanupDeletesInBatches(t *testing.T) {
	if h.InsertExpired == nil {
		t.Skip("no InsertExpired: the store's own tests check this")
	}
	db := h.Open(t)
	s := h.store(t, db, 0)
	CheckCleanupInBatches(t, s,
		func(n int) error { return h.InsertExpired(db, n) },
		func() error { return h.DeleteExpired(s) },
		func(token string) int {
			if token == "" {
				return db.Count(t, db.Table, "")
			}
			return db.Count(t, db.Table, "WHERE token = "+h.Param, token)
		})
}

func (h Harness) testREADMESchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), strings.Join(h.Schema, "\n\n")) {
		t.Fatal("README.md does not hold the CREATE statements the tests use")
	}
	if !strings.Contains(string(readme), strings.Join(h.UserSchema, "\n\n")) {
		t.Fatal("README.md does not hold the CREATE statements of the index of user sessions the tests use")
	}
	if !strings.Contains(string(readme), strings.Join(h.UserAlter, "\n")) {
		t.Fatal("README.md does not hold the ALTER statements of the index of user sessions the tests use")
	}
}

// BenchmarkFind measures Find of a 200-byte session.
func (h Harness) BenchmarkFind(b *testing.B) {
	kvtest.BenchmarkFind(b, h.store(b, h.Open(b), 0), bytes.Repeat([]byte("x"), 200))
}

// BenchmarkCommit measures Commit of a 200-byte session over an existing
// one.
func (h Harness) BenchmarkCommit(b *testing.B) {
	kvtest.BenchmarkCommit(b, h.store(b, h.Open(b), 0), bytes.Repeat([]byte("x"), 200))
}

// createUsersTable creates the index of user sessions beside db's sessions
// table, from UserSchema, and drops it when the test ends.
func (h Harness) createUsersTable(t testing.TB, db *DB) {
	t.Helper()
	if len(h.UserSchema) == 0 {
		return
	}
	for _, stmt := range h.UserSchema {
		if _, err := db.Exec(strings.ReplaceAll(stmt, "sessions", db.Table)); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE " + db.Table + "_users"); err != nil {
			t.Errorf("drop table %s_users: %v", db.Table, err)
		}
	})
}
