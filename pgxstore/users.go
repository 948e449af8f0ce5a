package pgxstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed3bbca6c1/scs/internal/sqlstore"
)

// AddUserSession records that the session token belongs to userID until
// expiry, in the table sessions_users (see the README), in one statement
// that also deletes the user's expired rows. With RemoveUserSessions and
// UserSessions it makes the store an scs.UserIndexStore, so that
// SessionManager.UserSessions and DestroyUser cost in proportion to one
// user's sessions. The statements are postgresstore's.
func (p *PostgresStore) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	if err := p.usersStart(ctx); err != nil {
		return fmt.Errorf("pgxstore: add user session: %w", err)
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Add, userID, token, expiry); err != nil {
		return fmt.Errorf("pgxstore: add user session: %w", err)
	}
	return nil
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (p *PostgresStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := p.usersStart(ctx); err != nil {
		return fmt.Errorf("pgxstore: remove user sessions: %w", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Remove, userID, strings.Join(tokens, ",")); err != nil {
		return fmt.Errorf("pgxstore: remove user sessions: %w", err)
	}
	return nil
}

// UserSessions returns the tokens in userID's index that have not expired,
// then deletes the user's expired rows: two statements.
func (p *PostgresStore) UserSessions(ctx context.Context, userID string) ([]string, error) {
	if err := p.usersStart(ctx); err != nil {
		return nil, fmt.Errorf("pgxstore: user sessions: %w", err)
	}
	rows, err := p.pool.Query(ctx, p.sql.Users.List, userID)
	if err != nil {
		return nil, fmt.Errorf("pgxstore: user sessions: %w", err)
	}
	tokens, err := sqlstore.ScanTokens(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("pgxstore: user sessions: %w", err)
	}
	if _, err := p.pool.Exec(ctx, p.sql.Users.Prune, userID); err != nil {
		return nil, fmt.Errorf("pgxstore: user sessions: prune: %w", err)
	}
	return tokens, nil
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
