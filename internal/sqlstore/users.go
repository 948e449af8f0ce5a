package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed3bbca6c1/scs"
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
// table of (user_id, token, expiry, created, last_active, label) rows with
// the primary key (user_id, token) that the application creates beside the
// sessions table (see the stores' READMEs); SCS v2's sessions table is
// never altered. The user ID argument of each statement is UserKey of the
// user's ID; created and last_active hold milliseconds since the Unix epoch
// (UserTime), label the label's bytes.
type UserStatements struct {
	// Add inserts a row or replaces every column but the key of the row
	// there is, in one statement. Its arguments are the user ID, the
	// token, the expiry (Dialect.Expiry), created and last_active
	// (UserTime) and the label ([]byte).
	Add string

	// Remove deletes the rows of a user (the first argument) whose token
	// is in the second argument, the tokens joined by commas (a token
	// never holds one).
	Remove string

	// List selects token, expiry, created, last_active and label of a
	// user's rows that have not expired.
	List string

	// Prune deletes a user's expired rows.
	Prune string

	// Cleanup deletes at most BatchSize expired rows of any user.
	Cleanup string
}

// UserColumns are the columns of the index of user sessions, in the order
// UserStatements.List selects them.
const UserColumns = "token, expiry, created, last_active, label"

// UserTime is how the created and last_active columns hold a time: as
// milliseconds since the Unix epoch, in a 64-bit integer column, exact on
// every engine and for every time, the zero time.Time included.
func UserTime(t time.Time) int64 {
	return t.UnixMilli()
}

// UserTimeOf is the time a created or last_active column holds, in UTC.
func UserTimeOf(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// UserLabel is the argument that passes a label to UserStatements.Add: its
// bytes, never nil, so that "" is stored as an empty value, not NULL.
func UserLabel(label string) []byte {
	b := []byte(label)
	if b == nil {
		b = []byte{}
	}
	return b
}

// AddUserSession records entry for the session entry.Token of userID, in
// one statement that replaces the token's entry if there is one, under
// UserKey(userID). It is what scs.UserIndexStore asks for.
// When the index's table does not exist, or lacks a column, the error
// names it and the README's section that creates it.
func (s *Store) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	if err := s.usersStart(ctx); err != nil {
		return s.usersErrorf("add user session", err)
	}
	var exp any = entry.Expiry
	if s.dialect.Expiry != nil {
		exp = s.dialect.Expiry(entry.Expiry)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Add, UserKey(userID), entry.Token, exp,
		UserTime(entry.Created), UserTime(entry.LastActive), UserLabel(entry.Label)); err != nil {
		return s.usersErrorf("add user session", err)
	}
	s.indexed.Store(true)
	return nil
}

// CheckUserIndex returns nil when the index of user sessions' table
// exists with all its columns, and otherwise an error that names it and
// the README's section that creates it. It asks the database once, with a
// statement that reads no row, until the answer is yes; then, or once
// AddUserSession succeeded, it returns nil without asking. It writes
// nothing, so the manager can call it before it saves a session that has a
// user.
func (s *Store) CheckUserIndex(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	if err := s.usersStart(ctx); err != nil {
		return s.usersErrorf("check user index", err)
	}
	rows, err := s.db.QueryContext(ctx, UsersCheck(UsersTable(s.table)))
	if err == nil {
		rows.Close()
		err = rows.Err()
	}
	if err != nil {
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

// UserSessions returns the entries in userID's index that have not
// expired, in one statement, then deletes the user's expired rows in a
// second one.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	if err := s.usersStart(ctx); err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	key := UserKey(userID)
	rows, err := s.db.QueryContext(ctx, s.sql.Users.List, key)
	if err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	defer rows.Close()
	entries, err := ScanUserEntries(rows, s.dialect.ExpiryTime)
	if err != nil {
		return nil, s.usersErrorf("user sessions", err)
	}
	if _, err := s.db.ExecContext(ctx, s.sql.Users.Prune, key); err != nil {
		return nil, s.usersErrorf("user sessions: prune", err)
	}
	return entries, nil
}

// ScanUserEntries reads the rows of UserStatements.List (UserColumns); nil
// when there are none. expiryTime converts the expiry column as the driver
// gives it (Dialect.ExpiryTime); nil takes a time.Time as it is. The
// caller closes rows.
func ScanUserEntries(rows Rows, expiryTime func(any) (time.Time, error)) ([]scs.UserIndexEntry, error) {
	var entries []scs.UserIndexEntry
	for rows.Next() {
		var (
			e                   scs.UserIndexEntry
			expiry              any
			created, lastActive int64
			label               []byte
		)
		if err := rows.Scan(&e.Token, &expiry, &created, &lastActive, &label); err != nil {
			return nil, err
		}
		if expiryTime != nil {
			t, err := expiryTime(expiry)
			if err != nil {
				return nil, err
			}
			e.Expiry = t
		} else if t, ok := expiry.(time.Time); ok {
			e.Expiry = t
		} else {
			return nil, fmt.Errorf("expiry scanned as %T, want time.Time", expiry)
		}
		e.Created, e.LastActive, e.Label = UserTimeOf(created), UserTimeOf(lastActive), string(label)
		entries = append(entries, e)
	}
	return entries, rows.Err()
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
// whose missing table, or missing column, is the index's.
func (s *Store) usersErrorf(op string, err error) error {
	if IsMissingTable(err) {
		return MissingTableError(s.dialect.Name, op, UsersTable(s.table), UsersSection, err)
	}
	if IsMissingColumn(err) {
		return MissingColumnError(s.dialect.Name, op, UsersTable(s.table), UsersSection, err)
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
