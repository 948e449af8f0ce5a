package postgresstore

import (
	"context"

	"github.com/seed3bbca6c1/scs"
)

// AddUserSession records entry for the session entry.Token of userID,
// replacing the token's entry if there is one, in the table sessions_users
// (see the README), in one statement that also deletes the user's expired
// rows. The table holds the ID's SHA-256 in hex, not the ID, so that any
// string is a user ID, the times created and last_active as milliseconds
// since the Unix epoch, and the label's bytes as they are. With RemoveUserSessions and UserSessions it
// makes the store an scs.UserIndexStore, so that SessionManager's
// UserSessions, DestroyUser and device calls cost in proportion to one
// user's sessions.
//
// Without that table, or with one that lacks a column (made from an older
// README), the error names it and the README's section that creates it.
func (p *PostgresStore) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	return p.store.AddUserSession(ctx, userID, entry)
}

// CheckUserIndex returns nil when the table sessions_users exists with
// all its columns, and otherwise an error that names it and the README's
// section that creates it. It asks the database once, with a statement
// that reads no row, until the table is there (or AddUserSession
// succeeded); after that it returns nil without a round trip. It writes
// nothing, so that a session manager can call it before it saves a
// session that has a user.
func (p *PostgresStore) CheckUserIndex(ctx context.Context) error {
	return p.store.CheckUserIndex(ctx)
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (p *PostgresStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return p.store.RemoveUserSessions(ctx, userID, tokens)
}

// UserSessions returns the entries in userID's index that have not
// expired, then deletes the user's expired rows: two statements.
func (p *PostgresStore) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	return p.store.UserSessions(ctx, userID)
}
