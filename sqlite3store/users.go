package sqlite3store

import (
	"context"
	"fmt"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// userStatements are SQLite's statements on the index of user sessions,
// the table users (see the README).
func userStatements(users string) sqlstore.UserStatements {
	return sqlstore.UserStatements{
		Add: "INSERT INTO " + users + " (user_id, token, expiry, created, last_active, label)" +
			" VALUES (?, ?, julianday(?), ?, ?, ?)" +
			" ON CONFLICT (user_id, token) DO UPDATE SET expiry = excluded.expiry, created = excluded.created," +
			" last_active = excluded.last_active, label = excluded.label",
		Remove: "DELETE FROM " + users + " WHERE user_id = ? AND instr(',' || ? || ',', ',' || token || ',') > 0",
		List:   "SELECT " + sqlstore.UserColumns + " FROM " + users + " WHERE user_id = ? AND julianday('now') < expiry",
		Prune:  "DELETE FROM " + users + " WHERE user_id = ? AND expiry <= julianday('now')",
		Cleanup: fmt.Sprintf("DELETE FROM %[1]s WHERE rowid IN"+
			" (SELECT rowid FROM %[1]s WHERE expiry < julianday('now') LIMIT %[2]d)", users, sqlstore.BatchSize),
	}
}

// AddUserSession records entry for the session entry.Token of userID,
// replacing the token's entry if there is one, in the table sessions_users
// (see the README), in one statement. The table holds the ID's SHA-256 in
// hex, not the ID, so that any string is a user ID, the times created and
// last_active as milliseconds since the Unix epoch, and the label's bytes
// as they are. With RemoveUserSessions and UserSessions it
// makes the store an scs.UserIndexStore, so that SessionManager's
// UserSessions, DestroyUser and device calls cost in proportion to one
// user's sessions.
//
// Without that table, or with one that lacks a column (made from an older
// README), the error names it and the README's section that creates it.
func (s *SQLite3Store) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	return s.store.AddUserSession(ctx, userID, entry)
}

// CheckUserIndex returns nil when the table sessions_users exists with
// all its columns, and otherwise an error that names it and the README's
// section that creates it. It asks the database once, with a statement
// that reads no row, until the table is there (or AddUserSession
// succeeded); after that it returns nil without a round trip. It writes
// nothing, so that a session manager can call it before it saves a
// session that has a user.
func (s *SQLite3Store) CheckUserIndex(ctx context.Context) error {
	return s.store.CheckUserIndex(ctx)
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (s *SQLite3Store) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return s.store.RemoveUserSessions(ctx, userID, tokens)
}

// UserSessions returns the entries in userID's index that have not
// expired, then deletes the user's expired rows: two statements.
func (s *SQLite3Store) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	return s.store.UserSessions(ctx, userID)
}
