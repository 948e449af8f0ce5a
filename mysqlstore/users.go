package mysqlstore

import (
	"context"
	"fmt"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// userStatements are MySQL's statements on the index of user sessions,
// the table users (see the README).
func userStatements(users string) sqlstore.UserStatements {
	return sqlstore.UserStatements{
		Add: "INSERT INTO " + users + " (user_id, token, expiry, created, last_active, label) VALUES (?, ?, ?, ?, ?, ?)" +
			" ON DUPLICATE KEY UPDATE expiry = VALUES(expiry), created = VALUES(created)," +
			" last_active = VALUES(last_active), label = VALUES(label)",
		Remove: "DELETE FROM " + users + " WHERE user_id = ? AND FIND_IN_SET(token, ?) > 0",
		List:   "SELECT " + sqlstore.UserColumns + " FROM " + users + " WHERE user_id = ? AND expiry > UTC_TIMESTAMP(6)",
		Prune:  "DELETE FROM " + users + " WHERE user_id = ? AND expiry <= UTC_TIMESTAMP(6)",
		Cleanup: fmt.Sprintf("DELETE FROM %s WHERE expiry < UTC_TIMESTAMP(6) ORDER BY expiry LIMIT %d",
			users, sqlstore.BatchSize),
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
func (m *MySQLStore) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	return m.store.AddUserSession(ctx, userID, entry)
}

// CheckUserIndex returns nil when the table sessions_users exists with
// all its columns, and otherwise an error that names it and the README's
// section that creates it. It asks the database once, with a statement
// that reads no row, until the table is there (or AddUserSession
// succeeded); after that it returns nil without a round trip. It writes
// nothing, so that a session manager can call it before it saves a
// session that has a user.
func (m *MySQLStore) CheckUserIndex(ctx context.Context) error {
	return m.store.CheckUserIndex(ctx)
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (m *MySQLStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return m.store.RemoveUserSessions(ctx, userID, tokens)
}

// UserSessions returns the entries in userID's index that have not
// expired, then deletes the user's expired rows: two statements.
func (m *MySQLStore) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	return m.store.UserSessions(ctx, userID)
}
