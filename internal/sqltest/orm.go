package sqltest

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// RunEngines runs test once per engine the ORM stores (gormstore,
// bunstore) are tested on, each as a subtest named after the engine:
// "postgres" (PostgreSQL, reached with the named database/sql driver),
// "mysql" (MySQL or MariaDB) and "sqlite" (a file of the test's own; the
// test imports github.com/mattn/go-sqlite3). db is the engine's database,
// closed when the subtest ends; the servers' databases are shared (see
// Server.Connect). A subtest whose server does not answer is skipped, or
// fails in CI.
func RunEngines(t *testing.T, postgresDriver string, test func(t *testing.T, engine string, db *sql.DB)) {
	t.Helper()
	engines := []struct {
		name string
		open func(testing.TB) *sql.DB
	}{
		{"postgres", Postgres(postgresDriver).Connect},
		{"mysql", MySQL().Connect},
		{"sqlite", SQLite},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.name, e.open(t)) })
	}
}

// CheckTableNames checks the table names a store that returns an error for
// an invalid one takes: open must refuse every name the SQL stores refuse,
// with an error that starts with pkg+": invalid table name", and give a
// store that commits and finds a session on each of the valid names.
func CheckTableNames(t *testing.T, pkg string, open func(table string) (scs.Store, error), valid ...string) {
	t.Helper()
	for _, name := range invalidTableNames {
		if _, err := open(name); err == nil || !strings.HasPrefix(err.Error(), pkg+": invalid table name") {
			t.Errorf("open on %q = %v, want an invalid table name error", name, err)
		}
	}
	for _, name := range valid {
		s, err := open(name)
		if err != nil {
			t.Errorf("open on %q: %v", name, err)
			continue
		}
		tok := storetest.Token(t)
		if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
			t.Errorf("Commit on %q: %v", name, err)
		}
		if _, found, err := s.Find(tok); err != nil || !found {
			t.Errorf("Find on %q = %v, %v", name, found, err)
		}
	}
}

// CheckCleanupInBatches checks that one cleanup pass, deleteExpired, on
// the store s, which holds no session yet, deletes more expired rows than
// two batches hold and no live row. insertExpired inserts n expired rows
// into s's table, and count counts its rows for a token, or all of them for
// "".
func CheckCleanupInBatches(t *testing.T, s scs.Store, insertExpired func(n int) error, deleteExpired func() error, count func(token string) int) {
	t.Helper()
	if err := insertExpired(2*sqlstore.BatchSize + 500); err != nil {
		t.Fatal(err)
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := deleteExpired(); err != nil {
		t.Fatal(err)
	}
	if n := count(""); n != 1 {
		t.Fatalf("%d rows left after cleanup, want the 1 live one", n)
	}
	if count(live) != 1 {
		t.Fatal("cleanup deleted the live row")
	}
}

// CheckOneStatementEach checks that Commit of a new session, Commit over
// it, Find and Delete on s each send one statement, so that each is one
// round trip: sent returns the statements sent since it was last called.
// The statement of a Commit must hold commit, that of Find "SELECT" and
// that of Delete "DELETE". It returns the token it used and the statement
// of each operation, for the store's own checks.
func CheckOneStatementEach(t *testing.T, s scs.Store, commit string, sent func() []string) (token string, stmts map[string]string) {
	t.Helper()
	token = storetest.Token(t)
	stmts = map[string]string{}
	sent() // drop what came before
	for _, op := range []struct {
		name, want string
		run        func() error
	}{
		{"Commit new", commit, func() error { return s.Commit(token, []byte("a"), time.Now().Add(time.Minute)) }},
		{"Commit existing", commit, func() error { return s.Commit(token, []byte("b"), time.Now().Add(time.Minute)) }},
		{"Find", "SELECT", func() error { _, _, err := s.Find(token); return err }},
		{"Delete", "DELETE", func() error { return s.Delete(token) }},
	} {
		if err := op.run(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		got := sent()
		if len(got) != 1 || !strings.Contains(got[0], op.want) {
			t.Errorf("%s sent %q; want one %s statement", op.name, got, op.want)
			continue
		}
		stmts[op.name] = got[0]
	}
	return token, stmts
}
