package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"
)

// UsersTable returns the table of the index of user sessions that goes
// with the sessions table: its name with "_users" appended
// ("sessions_users", "auth.sessions_users").
func UsersTable(table string) string {
	return table + "_users"
}

// UserStatements are a dialect's SQL for the index of user sessions, a
// table of (user_id, token, expiry) rows with the primary key (user_id,
// token) that the application creates beside the sessions table (see the
// stores' READMEs); SCS v2's sessions table is never altered.
type UserStatements struct {
	// Add inserts a row or replaces its expiry. Its arguments are the user
	// ID, the token and the expiry (Dialect.Expiry).
	Add string

	// Remove deletes the rows of a user (the first argument) whose token
	// is in the second argument, the tokens joined by commas (a token
	// never holds one).
	Remove string

	// List selects the tokens of a user's rows that have not expired.
	List string

	// Prune deletes a user's expired rows.
	Prune string

	// Cleanup deletes at most BatchSize expired rows of any user.
	Cleanup string
}

// AddUserSession records that the session token belongs to userID until
// expiry, in one statement. It is what scs.UserIndexStore asks for.
func (s *Store) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	if err := s.usersStart(ctx); err != nil {
		return s.errorf("add user session", err)
	}
	var exp any = expiry
	if s.dialect.Expiry != nil {
		exp = s.dialect.Expiry(expiry)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Add, userID, token, exp); err != nil {
		return s.errorf("add user session", err)
	}
	s.indexed.Store(true)
	return nil
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (s *Store) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := s.usersStart(ctx); err != nil {
		return s.errorf("remove user sessions", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Remove, userID, strings.Join(tokens, ",")); err != nil {
		return s.errorf("remove user sessions", err)
	}
	return nil
}

// UserSessions returns the tokens in userID's index that have not expired,
// then deletes the user's expired rows: two statements.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]string, error) {
	if err := s.usersStart(ctx); err != nil {
		return nil, s.errorf("user sessions", err)
	}
	rows, err := s.db.QueryContext(ctx, s.sql.Users.List, userID)
	if err != nil {
		return nil, s.errorf("user sessions", err)
	}
	defer rows.Close()
	tokens, err := ScanTokens(rows)
	if err != nil {
		return nil, s.errorf("user sessions", err)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Prune, userID); err != nil {
		return nil, s.errorf("user sessions: prune", err)
	}
	return tokens, nil
}

// ScanTokens reads rows of one token each; nil when there are none. The
// caller closes rows.
func ScanTokens(rows Rows) ([]string, error) {
	var tokens []string
	for rows.Next() {
		var token string
		if err := rows.Scan(&token); err != nil {
			return nil, err
		}
		tokens = append(tokens, token)
	}
	return tokens, rows.Err()
}

// deleteExpiredUsers deletes the expired rows of the index of user
// sessions, BatchSize per statement, once this store has added a row:
// a store whose application keeps no index may have no such table.
func (s *Store) deleteExpiredUsers(ctx context.Context) error {
	if !s.indexed.Load() || s.sql.Users.Cleanup == "" {
		return nil
	}
	return DeleteInBatches(ctx, s.dialect.Name, func(ctx context.Context) (int64, error) {
		res, err := s.db.ExecContext(ctx, s.sql.Users.Cleanup)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// usersStart is start for the index of user sessions, which also needs
// the dialect's statements.
func (s *Store) usersStart(ctx context.Context) error {
	if s.sql.Users.Add == "" {
		return errors.New("no index of user sessions in this dialect")
	}
	return s.start(ctx)
}
