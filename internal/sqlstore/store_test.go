package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"github.com/seed3bbca6c1/scs/internal/sqltest"
)

// upper is a token type, to check that Dialect.Token is applied.
type upper string

// testDialect uses every hook of a Dialect, on statements that name the
// table and say which operation they are.
var testDialect = sqlstore.Dialect{
	Name: "teststore",
	Statements: func(table string) sqlstore.Statements {
		return sqlstore.Statements{
			Find: "find " + table, FindExpiry: "findexpiry " + table, Commit: "commit " + table,
			Delete: "delete " + table, All: "all " + table, Cleanup: "cleanup " + table,
			CompareAndSwap: "cas " + table, Holds: "holds " + table, Update: "update " + table,
		}
	},
	Token:  func(token string) any { return upper(strings.ToUpper(token)) },
	Expiry: func(expiry time.Time) any { return expiry.Unix() },
	ExpiryTime: func(v any) (time.Time, error) {
		n, ok := v.(int64)
		if !ok {
			return time.Time{}, errors.New("not an int64")
		}
		return time.Unix(n, 0), nil
	},
}

func newStore(t *testing.T, d sqlstore.Dialect, table string) (*sqlstore.Store, *sqltest.Recorder) {
	t.Helper()
	r, db := sqltest.NewRecorder(t)
	s := sqlstore.New(db, d, table, 0)
	t.Cleanup(s.StopCleanup)
	return s, r
}

func TestStatementsAndArguments(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	expiry := time.Unix(1900000000, 0)
	if err := s.Commit("tok", []byte("data"), expiry); err != nil {
		t.Fatal(err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "commit sessions", Args: []any{upper("TOK"), []byte("data"), int64(1900000000)}})

	r.Rows = [][]driver.Value{{[]byte("data")}}
	if b, found, err := s.Find("tok"); err != nil || !found || string(b) != "data" {
		t.Fatalf("Find = %q, %v, %v", b, found, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "find sessions", Args: []any{upper("TOK")}})

	if err := s.Delete("tok"); err != nil {
		t.Fatal(err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "delete sessions", Args: []any{upper("TOK")}})

	r.Rows = [][]driver.Value{{"a", []byte("1")}, {"b", nil}}
	all, err := s.All()
	if err != nil || len(all) != 2 || string(all["a"]) != "1" || all["b"] == nil || len(all["b"]) != 0 {
		t.Fatalf("All = %#v, %v; want a=1 and b empty, not nil", all, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "all sessions"})
}

func TestKeyArguments(t *testing.T) {
	d := testDialect
	d.Key = func(token string) []any { return []any{token, token} }
	s, r := newStore(t, d, "web.sessions")
	_, _, _ = s.Find("tok")
	_ = s.Delete("tok")
	_ = s.Commit("tok", nil, time.Unix(1, 0))
	sqltest.WantStmts(t, r.Take(),
		sqltest.Stmt{Query: "find web.sessions", Args: []any{"tok", "tok"}},
		sqltest.Stmt{Query: "delete web.sessions", Args: []any{"tok", "tok"}},
		sqltest.Stmt{Query: "commit web.sessions", Args: []any{upper("TOK"), []byte{}, int64(1)}},
	)
}

func TestDefaultArguments(t *testing.T) {
	d := testDialect
	d.Token, d.Expiry = nil, nil
	s, r := newStore(t, d, "")
	expiry := time.Now()
	_ = s.Commit("tok", nil, expiry)
	_, _, _ = s.Find("tok")
	got := r.Take()
	sqltest.WantStmts(t, got,
		sqltest.Stmt{Query: "commit sessions", Args: []any{"tok", []byte{}, expiry}},
		sqltest.Stmt{Query: "find sessions", Args: []any{"tok"}},
	)
	if b, ok := got[0].Args[1].([]byte); !ok || b == nil {
		t.Fatalf("nil data sent as %#v, want an empty non-nil []byte (data is NOT NULL)", got[0].Args[1])
	}
}

func TestFindResults(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	if b, found, err := s.Find("tok"); err != nil || found || b != nil {
		t.Fatalf("Find with no row = %q, %v, %v; want nil, false, nil", b, found, err)
	}
	r.Rows = [][]driver.Value{{nil}}
	if b, found, err := s.Find("tok"); err != nil || !found || b == nil || len(b) != 0 {
		t.Fatalf("Find of empty data scanned as nil = %#v, %v, %v; want empty non-nil, true, nil", b, found, err)
	}
	r.Rows = nil
	if all, err := s.All(); err != nil || all == nil || len(all) != 0 {
		t.Fatalf("All with no rows = %#v, %v; want an empty non-nil map", all, err)
	}
}

func TestFindExpiry(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	if b, exp, found, err := s.FindExpiry(context.Background(), "tok"); err != nil || found || b != nil || !exp.IsZero() {
		t.Fatalf("FindExpiry with no row = %q, %v, %v, %v; want nil, zero, false, nil", b, exp, found, err)
	}
	sqltest.WantStmts(t, r.Take(), sqltest.Stmt{Query: "findexpiry sessions", Args: []any{upper("TOK")}})

	r.Rows = [][]driver.Value{{nil, int64(1900000000)}}
	b, exp, found, err := s.FindExpiry(context.Background(), "tok")
	if err != nil || !found || b == nil || len(b) != 0 || !exp.Equal(time.Unix(1900000000, 0)) {
		t.Fatalf("FindExpiry = %#v, %v, %v, %v; want empty non-nil data and the converted expiry", b, exp, found, err)
	}
	r.Take()

	r.Rows = [][]driver.Value{{[]byte("x"), "bad"}}
	if _, _, found, err := s.FindExpiry(context.Background(), "tok"); err == nil || found || !strings.HasPrefix(err.Error(), "teststore: find expiry: ") {
		t.Fatalf("FindExpiry of an unreadable expiry = %v, %v; want a teststore: find expiry: error", found, err)
	}
	r.Take()

	d := testDialect
	d.ExpiryTime = nil
	s, r = newStore(t, d, "")
	want := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	r.Rows = [][]driver.Value{{[]byte("data"), want}}
	if b, exp, found, err := s.FindExpiry(context.Background(), "tok"); err != nil || !found || string(b) != "data" || !exp.Equal(want) {
		t.Fatalf("FindExpiry with the default conversion = %q, %v, %v, %v", b, exp, found, err)
	}
	r.Rows = [][]driver.Value{{[]byte("data"), int64(1)}}
	if _, _, _, err := s.FindExpiry(context.Background(), "tok"); err == nil {
		t.Fatal("FindExpiry took a non-time expiry with no ExpiryTime")
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for op, err := range map[string]error{
		"find":        func() error { _, _, err := s.FindCtx(ctx, "tok"); return err }(),
		"find expiry": func() error { _, _, _, err := s.FindExpiry(ctx, "tok"); return err }(),
		"commit":      s.CommitCtx(ctx, "tok", []byte("x"), time.Now()),
		"delete":      s.DeleteCtx(ctx, "tok"),
		"all":         func() error { _, err := s.AllCtx(ctx); return err }(),
	} {
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "teststore: "+op+": ") {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled prefixed with teststore: %s:", op, err, op)
		}
	}
	if got := r.Take(); len(got) != 0 {
		t.Errorf("a cancelled context still sent %d statements", len(got))
	}
}

func TestDeleteExpiredRepeatsWhileBatchesAreFull(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	r.Affected = []int64{sqlstore.BatchSize, sqlstore.BatchSize, 3}
	if err := s.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	del := sqltest.Stmt{Query: "cleanup sessions"}
	sqltest.WantStmts(t, r.Take(), del, del, del)
}

func TestTableName(t *testing.T) {
	for name, want := range map[string]string{"": "sessions", "s": "s", "App_2.Web_Sessions": "App_2.Web_Sessions"} {
		if got := sqlstore.TableName("teststore", name); got != want {
			t.Errorf("TableName(%q) = %q, want %q", name, got, want)
		}
	}
	defer func() {
		if msg, _ := recover().(string); !strings.HasPrefix(msg, `teststore: invalid table name "a.b.c"`) {
			t.Fatalf("TableName(a.b.c) panicked with %q, want an invalid table name panic", msg)
		}
	}()
	sqlstore.TableName("teststore", "a.b.c")
}

func TestCheckTableName(t *testing.T) {
	if got, err := sqlstore.CheckTableName("teststore", ""); got != sqlstore.DefaultTable || err != nil {
		t.Errorf("CheckTableName(\"\") = %q, %v; want %q, nil", got, err, sqlstore.DefaultTable)
	}
	if got, err := sqlstore.CheckTableName("teststore", "auth.s"); got != "auth.s" || err != nil {
		t.Errorf("CheckTableName(auth.s) = %q, %v; want auth.s, nil", got, err)
	}
	_, err := sqlstore.CheckTableName("teststore", "a;b")
	if err == nil || !strings.HasPrefix(err.Error(), `teststore: invalid table name "a;b"`) {
		t.Errorf("CheckTableName(a;b) = %v, want an invalid table name error", err)
	}
}

func TestDeleteInBatchesNamesItsErrors(t *testing.T) {
	cause := errors.New("gone")
	calls := 0
	err := sqlstore.DeleteInBatches(context.Background(), "teststore", func(context.Context) (int64, error) {
		calls++
		if calls < 3 {
			return sqlstore.BatchSize, nil
		}
		return 0, cause
	})
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "teststore: delete expired: ") || calls != 3 {
		t.Fatalf("DeleteInBatches = %v after %d calls; want the third call's error, prefixed with teststore: delete expired:", err, calls)
	}
}

func TestCompareAndSwap(t *testing.T) {
	s, r := newStore(t, testDialect, "")
	ctx := context.Background()
	expiry := time.Unix(1900000000, 0)
	r.Affected = []int64{1, 0}
	if ok, err := s.CompareAndSwap(ctx, "tok", []byte("old"), []byte("new"), expiry); err != nil || !ok {
		t.Fatalf("CompareAndSwap with 1 row affected = %v, %v; want true, nil", ok, err)
	}
	if ok, err := s.CompareAndSwap(ctx, "tok", nil, nil, expiry); err != nil || ok {
		t.Fatalf("CompareAndSwap with no row affected = %v, %v; want false, nil", ok, err)
	}
	sqltest.WantStmts(t, r.Take(),
		sqltest.Stmt{Query: "cas sessions", Args: []any{[]byte("new"), int64(1900000000), upper("TOK"), []byte("old")}},
		sqltest.Stmt{Query: "cas sessions", Args: []any{[]byte{}, int64(1900000000), upper("TOK"), []byte{}}},
	)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.CompareAndSwap(cancelled, "tok", []byte("a"), []byte("b"), expiry); err == nil ||
		!strings.HasPrefix(err.Error(), "teststore: compare and swap: ") || !errors.Is(err, context.Canceled) {
		t.Fatalf("CompareAndSwap with a cancelled context = %v; want a teststore: compare and swap: error", err)
	}
	sqltest.WantStmts(t, r.Take())

	d := testDialect
	d.Statements = func(table string) sqlstore.Statements { return sqlstore.Statements{} }
	s, _ = newStore(t, d, "")
	if _, err := s.CompareAndSwap(ctx, "tok", nil, nil, expiry); err == nil {
		t.Fatal("CompareAndSwap without a statement returned no error")
	}
}

func TestCompareAndSwapChangedRowsOnly(t *testing.T) {
	d := testDialect
	d.ChangedRowsOnly = true
	d.Key = func(token string) []any { return []any{token, token} }
	s, r := newStore(t, d, "")
	ctx := context.Background()
	expiry := time.Unix(1900000000, 0)

	// Different data and no row changed: no match, no second statement.
	if ok, err := s.CompareAndSwap(ctx, "tok", []byte("old"), []byte("new"), expiry); err != nil || ok {
		t.Fatalf("CompareAndSwap = %v, %v; want false, nil", ok, err)
	}
	sqltest.WantStmts(t, r.Take(),
		sqltest.Stmt{Query: "cas sessions", Args: []any{[]byte("new"), int64(1900000000), "tok", "tok", []byte("old")}})

	// Same data and no row changed: the session holds it already.
	r.Rows = [][]driver.Value{{int64(1)}}
	if ok, err := s.CompareAndSwap(ctx, "tok", []byte("same"), []byte("same"), expiry); err != nil || !ok {
		t.Fatalf("CompareAndSwap of identical data held = %v, %v; want true, nil", ok, err)
	}
	sqltest.WantStmts(t, r.Take(),
		sqltest.Stmt{Query: "cas sessions", Args: []any{[]byte("same"), int64(1900000000), "tok", "tok", []byte("same")}},
		sqltest.Stmt{Query: "holds sessions", Args: []any{"tok", "tok", []byte("same"), int64(1900000000)}})

	// Same data, no row changed, and the session does not hold it.
	r.Rows = nil
	if ok, err := s.CompareAndSwap(ctx, "tok", []byte("same"), []byte("same"), expiry); err != nil || ok {
		t.Fatalf("CompareAndSwap of identical data not held = %v, %v; want false, nil", ok, err)
	}
	r.Take()
}

func TestUpdate(t *testing.T) {
	for _, changedOnly := range []bool{false, true} {
		d := testDialect
		d.ChangedRowsOnly = changedOnly
		s, r := newStore(t, d, "")
		ctx := context.Background()
		expiry := time.Unix(1900000000, 0)
		update := sqltest.Stmt{Query: "update sessions", Args: []any{[]byte("data"), int64(1900000000), upper("TOK")}}
		holds := sqltest.Stmt{Query: "holds sessions", Args: []any{upper("TOK"), []byte("data"), int64(1900000000)}}

		r.Affected = []int64{1}
		if found, err := s.Update(ctx, "tok", []byte("data"), expiry); err != nil || !found {
			t.Fatalf("Update with 1 row affected = %v, %v; want true, nil", found, err)
		}
		sqltest.WantStmts(t, r.Take(), update)

		// No row changed: a missing session, or (ChangedRowsOnly) one
		// that held the data and expiry already.
		r.Affected, r.Rows = []int64{0}, [][]driver.Value{{int64(1)}}
		found, err := s.Update(ctx, "tok", []byte("data"), expiry)
		if err != nil || found != changedOnly {
			t.Fatalf("ChangedRowsOnly %v: Update with no row affected, row held = %v, %v", changedOnly, found, err)
		}
		if changedOnly {
			sqltest.WantStmts(t, r.Take(), update, holds)
		} else {
			sqltest.WantStmts(t, r.Take(), update)
		}
		r.Affected, r.Rows = []int64{0}, nil
		if found, err := s.Update(ctx, "tok", []byte("data"), expiry); err != nil || found {
			t.Fatalf("ChangedRowsOnly %v: Update of a missing session = %v, %v; want false, nil", changedOnly, found, err)
		}
		r.Take()
	}
}
