package sqlite3store

import (
	"context"
	"fmt"
	"time"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// userStatements are SQLite's statements on the index of user sessions,
// the table users (see the README).
func userStatements(users string) sqlstore.UserStatements {
	return sqlstore.UserStatements{
		Add: "INSERT INTO " + users + " (user_id, token, expiry) VALUES (?, ?, julianday(?))" +
			" ON CONFLICT (user_id, token) DO UPDATE SET expiry = excluded.expiry",
		Remove: "DELETE FROM " + users + " WHERE user_id = ? AND instr(',' || ? || ',', ',' || token || ',') > 0",
		List:   "SELECT token FROM " + users + " WHERE user_id = ? AND julianday('now') < expiry",
		Prune:  "DELETE FROM " + users + " WHERE user_id = ? AND expiry <= julianday('now')",
		Cleanup: fmt.Sprintf("DELETE FROM %[1]s WHERE rowid IN"+
			" (SELECT rowid FROM %[1]s WHERE expiry < julianday('now') LIMIT %[2]d)", users, sqlstore.BatchSize),
	}
}

// AddUserSession records that the session token belongs to userID until
// expiry, in the table sessions_users (see the README), in one statement.
// The table holds the ID's SHA-256 in hex, not the ID, so that any string
// is a user ID. With RemoveUserSessions and UserSessions it makes the
// store an scs.UserIndexStore, so that SessionManager.UserSessions and
// DestroyUser cost in proportion to one user's sessions.
//
// Without that table, the error names it and the README's section that
// creates it.
func (s *SQLite3Store) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	return s.store.AddUserSession(ctx, userID, token, expiry)
}

// CheckUserIndex returns nil when the table sessions_users exists, and
// otherwise an error that names it and the README's section that creates
// it. It asks the database once, with a statement that reads no row, until
// the table is there (or AddUserSession succeeded); after that it returns
// nil without a round trip. It writes nothing, so that a session manager
// can call it before it saves a session that has a user.
func (s *SQLite3Store) CheckUserIndex(ctx context.Context) error {
	return s.store.CheckUserIndex(ctx)
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (s *SQLite3Store) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return s.store.RemoveUserSessions(ctx, userID, tokens)
}

// UserSessions returns the tokens in userID's index that have not expired,
// then deletes the user's expired rows: two statements.
func (s *SQLite3Store) UserSessions(ctx context.Context, userID string) ([]string, error) {
	return s.store.UserSessions(ctx, userID)
}
