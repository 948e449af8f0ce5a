package pgxstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// AddUserSession records entry for the session entry.Token of userID,
// replacing the token's entry if there is one, in the table sessions_users
// (see the README), in one statement that also deletes the user's expired
// rows. With RemoveUserSessions and UserSessions it makes the store an
// scs.UserIndexStore, so that SessionManager's UserSessions, DestroyUser
// and device calls cost in proportion to one user's sessions. The table
// holds the ID's SHA-256 in hex, not the ID, so that any string is a user
// ID, the times created and last_active as milliseconds since the Unix
// epoch, and the label's bytes as they are; the statements and the table
// are postgresstore's. Without that table, or with one that lacks a column
// (made from an older README), the error names it and the README's
// section that creates it.
func (p *PostgresStore) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	if err := p.usersStart(ctx); err != nil {
		return p.usersErrorf("add user session", err)
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Add, sqlstore.UserKey(userID), entry.Token, entry.Expiry,
		sqlstore.UserTime(entry.Created), sqlstore.UserTime(entry.LastActive), sqlstore.UserLabel(entry.Label)); err != nil {
		return p.usersErrorf("add user session", err)
	}
	p.indexed.Store(true)
	return nil
}

// CheckUserIndex returns nil when the table sessions_users exists with
// all its columns, and otherwise an error that names it and the README's
// section that creates it. It asks the database once, with a statement
// that reads no row, until the table is there (or AddUserSession
// succeeded); after that it returns nil without a round trip. It writes
// nothing, so that a session manager can call it before it saves a
// session that has a user.
func (p *PostgresStore) CheckUserIndex(ctx context.Context) error {
	if p.indexed.Load() {
		return nil
	}
	if err := p.usersStart(ctx); err != nil {
		return p.usersErrorf("check user index", err)
	}
	rows, err := p.pool.Query(ctx, sqlstore.UsersCheck(sqlstore.UsersTable(p.table)))
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
		return p.usersErrorf("check user index", err)
	}
	p.indexed.Store(true)
	return nil
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (p *PostgresStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := p.usersStart(ctx); err != nil {
		return p.usersErrorf("remove user sessions", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Remove, sqlstore.UserKey(userID), strings.Join(tokens, ",")); err != nil {
		return p.usersErrorf("remove user sessions", err)
	}
	return nil
}

// UserSessions returns the entries in userID's index that have not
// expired, then deletes the user's expired rows: two statements.
func (p *PostgresStore) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	if err := p.usersStart(ctx); err != nil {
		return nil, p.usersErrorf("user sessions", err)
	}
	key := sqlstore.UserKey(userID)
	rows, err := p.pool.Query(ctx, p.sql.Users.List, key)
	if err != nil {
		return nil, p.usersErrorf("user sessions", err)
	}
	entries, err := sqlstore.ScanUserEntries(rows, nil)
	rows.Close()
	if err != nil {
		return nil, p.usersErrorf("user sessions", err)
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Prune, key); err != nil {
		return nil, p.usersErrorf("user sessions: prune", err)
	}
	return entries, nil
}

// usersErrorf prefixes err with the package's name and op, and names the
// index's table and the README's section that creates it when the error
// says the table, or one of its columns, is missing.
func (p *PostgresStore) usersErrorf(op string, err error) error {
	if sqlstore.IsMissingTable(err) {
		return sqlstore.MissingTableError("pgxstore", op, sqlstore.UsersTable(p.table), sqlstore.UsersSection, err)
	}
	if sqlstore.IsMissingColumn(err) {
		return sqlstore.MissingColumnError("pgxstore", op, sqlstore.UsersTable(p.table), sqlstore.UsersSection, err)
	}
	return fmt.Errorf("pgxstore: %s: %w", op, err)
}

// usersStart starts the cleanup goroutine, as every method does, and
// returns the context's error, if any, so that a cancelled call sends
// nothing.
func (p *PostgresStore) usersStart(ctx context.Context) error {
	p.runner.Start()
	if p.sql.Users.Add == "" {
		return errors.New("no index of user sessions")
	}
	return ctx.Err()
}
