package postgresstore

import (
	"context"
	"time"
)

// AddUserSession records that the session token belongs to userID until
// expiry, in the table sessions_users (see the README), in one statement
// that also deletes the user's expired rows. The table holds the ID's
// SHA-256 in hex, not the ID, so that any string is a user ID. With
// RemoveUserSessions and UserSessions it makes the store an
// scs.UserIndexStore, so that SessionManager.UserSessions and DestroyUser
// cost in proportion to one user's sessions.
//
// Without that table, the error names it and the README's section that
// creates it.
func (p *PostgresStore) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	return p.store.AddUserSession(ctx, userID, token, expiry)
}

// CheckUserIndex returns nil when the table sessions_users exists, and
// otherwise an error that names it and the README's section that creates
// it. It asks the database once, with a statement that reads no row, until
// the table is there (or AddUserSession succeeded); after that it returns
// nil without a round trip. It writes nothing, so that a session manager
// can call it before it saves a session that has a user.
func (p *PostgresStore) CheckUserIndex(ctx context.Context) error {
	return p.store.CheckUserIndex(ctx)
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (p *PostgresStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return p.store.RemoveUserSessions(ctx, userID, tokens)
}

// UserSessions returns the tokens in userID's index that have not expired,
// then deletes the user's expired rows: two statements.
func (p *PostgresStore) UserSessions(ctx context.Context, userID string) ([]string, error) {
	return p.store.UserSessions(ctx, userID)
}
