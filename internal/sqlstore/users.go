package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UsersTable returns the table of the index of user sessions that goes
// with the sessions table: its name with "_users" appended
// ("sessions_users", "auth.sessions_users").
func UsersTable(table string) string {
	return table + "_users"
}

// UserKey returns what the index of user sessions keeps in its user_id
// column for userID: the SHA-256 of the ID's bytes, in 64 lower-case hex
// digits. Any Go string is then a user ID on every engine, NUL bytes,
// invalid UTF-8 and IDs longer than an index entry takes included, and two
// IDs share rows only if they are equal, whatever the column's collation
// (case, accents, trailing spaces).
func UserKey(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return hex.EncodeToString(sum[:])
}

// UserStatements are a dialect's SQL for the index of user sessions, a
// table of (user_id, token, expiry) rows with the primary key (user_id,
// token) that the application creates beside the sessions table (see the
// stores' READMEs); SCS v2's sessions table is never altered. The user ID
// argument of each statement is UserKey of the user's ID.
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
// expiry, in one statement, under UserKey(userID). It is what
// scs.UserIndexStore asks for.
// When the index's table does not exist, the error names it and the
// README's section that creates it.
func (s *Store) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	if err := s.usersStart(ctx); err != nil {
		return s.usersErrorf("add user session", err)
	}
	var exp any = expiry
	if s.dialect.Expiry != nil {
		exp = s.dialect.Expiry(expiry)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Add, UserKey(userID), token, exp); err != nil {
		return s.usersErrorf("add user session", err)
	}
	s.indexed.Store(true)
	return nil
}

// CheckUserIndex returns nil when the index of user sessions' table
// exists, and otherwise an error that names it and the README's section
// that creates it. It asks the database once, with a statement that reads
// no row, until the answer is yes; then, or once AddUserSession succeeded,
// it returns nil without asking. It writes nothing, so the manager can
// call it before it saves a session that has a user.
func (s *Store) CheckUserIndex(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	if err := s.usersStart(ctx); err != nil {
		return s.usersErrorf("check user index", err)
	}
	var one int
	err := s.db.QueryRowContext(ctx, UsersCheck(UsersTable(s.table))).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.usersErrorf("check user index", err)
	}
	s.indexed.Store(true)
	return nil
}

// RemoveUserSessions removes tokens from userID's index, in one statement.
func (s *Store) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := s.usersStart(ctx); err != nil {
		return s.usersErrorf("remove user sessions", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Remove, UserKey(userID), strings.Join(tokens, ",")); err != nil {
		return s.usersErrorf("remove user sessions", err)
	}
	return nil
}

// UserSessions returns the tokens in userID's index that have not expired,
// then deletes the user's expired rows: two statements.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]string, error) {
	if err := s.usersStart(ctx); err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	key := UserKey(userID)
	rows, err := s.db.QueryContext(ctx, s.sql.Users.List, key)
	if err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	defer rows.Close()
	tokens, err := ScanTokens(rows)
	if err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Prune, key); err != nil {
		return nil, s.usersErrorf("user sessions: prune", err)
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

// usersErrorf is errorf for the statements on the index of user sessions,
// whose missing table is the index's.
func (s *Store) usersErrorf(op string, err error) error {
	if IsMissingTable(err) {
		return MissingTableError(s.dialect.Name, op, UsersTable(s.table), UsersSection, err)
	}
	return fmt.Errorf("%s: %s: %w", s.dialect.Name, op, err)
}

// usersStart is start for the index of user sessions, which also needs
// the dialect's statements.
func (s *Store) usersStart(ctx context.Context) error {
	if s.sql.Users.Add == "" {
		return errors.New("no index of user sessions in this dialect")
	}
	return s.start(ctx)
}
