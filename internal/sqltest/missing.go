package sqltest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// userIndexChecker is a store that checks its index of user sessions'
// table without writing.
type userIndexChecker interface {
	CheckUserIndex(ctx context.Context) error
}

// wantMissing fails the test unless err says that table does not exist and
// points to the README's section.
func (h Harness) wantMissing(t *testing.T, what string, err error, table, section string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one naming the missing table %s", what, table)
		return
	}
	msg := err.Error()
	for _, want := range []string{
		h.Name + ": ",
		"table " + table + " does not exist",
		`"` + section + `" section of the README of github.com/seed3bbca6c1/scs/` + h.Name,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: error %q does not say %q", what, msg, want)
		}
	}
	if !sqlstore.IsMissingTable(errors.Unwrap(err)) && !sqlstore.IsMissingTable(err) {
		t.Errorf("%s: the driver's error is not in the chain of %q", what, msg)
	}
}

// testMissingTables checks the errors of a store whose tables were not
// created: each operation on sessions names the sessions table; a login
// (SetUser, then the save through LoadAndSave) without the index of user
// sessions answers with an error naming the index's table, sends no cookie
// and leaves no session row; once the table is created, the same login
// works.
func (h Harness) testMissingTables(t *testing.T) {
	db := h.Open(t)
	missing := "nosuch_" + db.Table
	s := h.New(t, db, Config{TableName: missing})
	defer s.StopCleanup()
	tok := storetest.Token(t)
	_, _, err := s.Find(tok)
	h.wantMissing(t, "Find", err, missing, sqlstore.SessionsSection)
	h.wantMissing(t, "Commit", s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)), missing, sqlstore.SessionsSection)
	h.wantMissing(t, "Delete", s.Delete(tok), missing, sqlstore.SessionsSection)
	_, err = s.All()
	h.wantMissing(t, "All", err, missing, sqlstore.SessionsSection)

	if len(h.UserSchema) == 0 {
		return
	}
	s = h.store(t, db, 0)
	if _, ok := s.(scs.UserIndexStore); !ok {
		t.Fatalf("%T has a UserSchema but is no scs.UserIndexStore", s)
	}
	users := sqlstore.UsersTable(db.Table)
	checker, ok := s.(userIndexChecker)
	if !ok {
		t.Fatalf("%T has no CheckUserIndex method", s)
	}
	h.wantMissing(t, "CheckUserIndex", checker.CheckUserIndex(context.Background()), users, sqlstore.UsersSection)

	sm := scs.New()
	sm.Store = s
	var saveErr error
	sm.ErrorFunc = func(w http.ResponseWriter, _ *http.Request, err error) {
		saveErr = err
		http.Error(w, "save failed", http.StatusInternalServerError)
	}
	login := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := sm.SetUser(r.Context(), "alice"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write([]byte("welcome"))
	}))
	do := func() *http.Response {
		rec := httptest.NewRecorder()
		login.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login", nil))
		return rec.Result()
	}

	res := do()
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("login without %s answered %d, want 500", users, res.StatusCode)
	}
	if c := res.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("login without %s sent cookies %q", users, c)
	}
	h.wantMissing(t, "login", saveErr, users, sqlstore.UsersSection)
	t.Logf("login without %s: %v", users, saveErr)
	if n := db.Count(t, db.Table, ""); n != 0 {
		t.Errorf("login without %s left %d session rows, want none", users, n)
	}

	h.createUsersTable(t, db)
	if err := checker.CheckUserIndex(context.Background()); err != nil {
		t.Fatalf("CheckUserIndex once %s exists: %v", users, err)
	}
	saveErr = nil
	res = do()
	if res.StatusCode != http.StatusOK || saveErr != nil {
		t.Fatalf("login with %s answered %d, error %v", users, res.StatusCode, saveErr)
	}
	if len(res.Cookies()) != 1 {
		t.Errorf("login with %s sent cookies %q, want one", users, res.Header.Values("Set-Cookie"))
	}
	if n := db.Count(t, db.Table, ""); n != 1 {
		t.Errorf("login with %s left %d session rows, want 1", users, n)
	}
	if n := db.Count(t, users, ""); n != 1 {
		t.Errorf("login with %s left %d index rows, want 1", users, n)
	}
}

// oldUserSchema is schema, the CREATE statements of the index of user
// sessions, without the columns created, last_active and label: the table
// an older README made.
func oldUserSchema(schema []string) []string {
	var old []string
	for _, stmt := range schema {
		var lines []string
		for _, line := range strings.Split(stmt, "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && (f[0] == "created" || f[0] == "last_active" || f[0] == "label") {
				continue
			}
			lines = append(lines, line)
		}
		old = append(old, strings.Join(lines, "\n"))
	}
	return old
}

// testMissingUserColumns checks a store over an index of user sessions
// that an older README made, with only user_id, token and expiry:
// CheckUserIndex and AddUserSession answer with an error that names the
// table and the README's section. Once the README's ALTER statements
// (UserAlter) have added the columns, both work, and an entry reads back
// with its times to the millisecond (the zero time included) and its label
// byte for byte.
func (h Harness) testMissingUserColumns(t *testing.T) {
	if len(h.UserSchema) == 0 {
		t.Skip("no index of user sessions")
	}
	if len(h.UserAlter) == 0 {
		t.Fatal("the harness has a UserSchema but no UserAlter")
	}
	db := h.Open(t)
	users := sqlstore.UsersTable(db.Table)
	exec := func(stmts []string) {
		t.Helper()
		for _, stmt := range stmts {
			if _, err := db.Exec(strings.ReplaceAll(stmt, "sessions", db.Table)); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
	exec(oldUserSchema(h.UserSchema))
	t.Cleanup(func() {
		if _, err := db.Exec("DROP TABLE " + users); err != nil {
			t.Errorf("drop table %s: %v", users, err)
		}
	})
	s := h.store(t, db, 0)
	index, ok := s.(scs.UserIndexStore)
	if !ok {
		t.Fatalf("%T has a UserSchema but is no scs.UserIndexStore", s)
	}
	checker, ok := s.(userIndexChecker)
	if !ok {
		t.Fatalf("%T has no CheckUserIndex method", s)
	}
	ctx := context.Background()
	now := time.Now()
	entry := scs.UserIndexEntry{
		Token:      storetest.Token(t),
		Expiry:     now.Add(time.Hour),
		LastActive: now,
		Label:      strings.Repeat("\x00\xff é ", 33) + "b ",
	}
	if len(entry.Label) != scs.MaxUserLabel {
		t.Fatalf("label of %d bytes, want %d", len(entry.Label), scs.MaxUserLabel)
	}
	h.wantMissingColumn(t, "CheckUserIndex", checker.CheckUserIndex(ctx), users)
	h.wantMissingColumn(t, "AddUserSession", index.AddUserSession(ctx, "alice", entry), users)

	exec(h.UserAlter)
	if err := checker.CheckUserIndex(ctx); err != nil {
		t.Fatalf("CheckUserIndex once the columns exist: %v", err)
	}
	if err := index.AddUserSession(ctx, "alice", entry); err != nil {
		t.Fatalf("AddUserSession once the columns exist: %v", err)
	}
	got, err := index.UserSessions(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("UserSessions = %+v, want one entry", got)
	}
	e := got[0]
	ms := func(tm time.Time) time.Time { return tm.Truncate(time.Millisecond) }
	if e.Token != entry.Token || e.Label != entry.Label ||
		ms(e.Expiry).Sub(ms(entry.Expiry)).Abs() > time.Millisecond ||
		!ms(e.LastActive).Equal(ms(entry.LastActive)) || !e.Created.IsZero() {
		t.Errorf("UserSessions = %+v, want %+v (times to the millisecond)", e, entry)
	}
}

// wantMissingColumn fails the test unless err says that table lacks a
// column and points to the README's section on the index of user
// sessions.
func (h Harness) wantMissingColumn(t *testing.T, what string, err error, table string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one naming the table %s, which lacks columns", what, table)
		return
	}
	msg := err.Error()
	for _, want := range []string{
		h.Name + ": ",
		"table " + table + " lacks a column",
		`"` + sqlstore.UsersSection + `" section of the README of github.com/seed3bbca6c1/scs/` + h.Name,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("%s: error %q does not say %q", what, msg, want)
		}
	}
	if !sqlstore.IsMissingColumn(errors.Unwrap(err)) && !sqlstore.IsMissingColumn(err) {
		t.Errorf("%s: the driver's error is not in the chain of %q", what, msg)
	}
	t.Logf("%s: %v", what, err)
}
