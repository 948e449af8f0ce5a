package memstore

import (
	"context"
	"time"
)

// AddUserSession records that the session token belongs to userID until
// expiry. With RemoveUserSessions and UserSessions it makes the store an
// scs.UserIndexStore, so that SessionManager.UserSessions and DestroyUser
// cost in proportion to one user's sessions.
func (s *MemStore) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	if s.users == nil {
		s.users = make(map[string]map[string]int64)
	}
	tokens := s.users[userID]
	if tokens == nil {
		tokens = make(map[string]int64)
		s.users[userID] = tokens
	}
	tokens[token] = expiry.UnixNano()
	return nil
}

// RemoveUserSessions removes tokens from userID's index.
func (s *MemStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	for _, token := range tokens {
		delete(s.users[userID], token)
	}
	if len(s.users[userID]) == 0 {
		delete(s.users, userID)
	}
	return nil
}

// UserSessions returns the tokens in userID's index that have not expired,
// and drops the user's expired ones.
func (s *MemStore) UserSessions(ctx context.Context, userID string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UnixNano()
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	var live []string
	for token, expiry := range s.users[userID] {
		if now < expiry {
			live = append(live, token)
		} else {
			delete(s.users[userID], token)
		}
	}
	if len(s.users[userID]) == 0 {
		delete(s.users, userID)
	}
	return live, nil
}

// deleteExpiredUsers drops the expired entries of the index of user
// sessions, for the cleanup goroutine.
func (s *MemStore) deleteExpiredUsers() {
	now := time.Now().UnixNano()
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	for userID, tokens := range s.users {
		for token, expiry := range tokens {
			if now >= expiry {
				delete(tokens, token)
			}
		}
		if len(tokens) == 0 {
			delete(s.users, userID)
		}
	}
}
