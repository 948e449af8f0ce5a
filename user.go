package scs

import (
	"context"
	"fmt"
	"slices"
)

// userKey is the session key under which SetUser keeps the session's user
// ID, a string: a value SCS v2 reads like any other.
const userKey = "__userID"

// SetUser associates the session in ctx with the user userID, typically at
// login (after RenewToken), so that UserSessions lists it and DestroyUser
// ("log out everywhere") deletes it. An empty userID removes the
// association. The ID is kept in the session's data under the key
// "__userID" (Put with that key has the same effect, bar the removal
// below) and, when the store implements UserIndexStore, in the store's
// index of user sessions from the session's next save on.
//
// The session is marked modified. When the session already had another
// user and is already in the store, its entry in that user's index is
// removed at once: one store operation, whose error SetUser returns.
//
// With a store that implements UserIndexStore, a session that has a user
// costs one more store operation on each save (its index entry takes the
// session's new expiry), on Destroy and on RenewToken (its entry goes);
// an error from it fails the save, Destroy or RenewToken, so the index
// never misses a live session. Sessions without a user cost nothing more.
func (s *SessionManager) SetUser(ctx context.Context, userID string) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	old, _ := sd.values[userKey].(string)
	token, hashed, stored := sd.token, sd.hashed, sd.token != "" && !sd.fresh
	if userID == "" {
		delete(sd.values, userKey)
	} else {
		if sd.values == nil {
			sd.values = make(map[string]interface{})
		}
		sd.values[userKey] = userID
	}
	sd.status = Modified
	sd.changes.put(userKey)
	sd.mu.Unlock()

	if old != "" && old != userID && stored {
		if err := s.unindex(ctx, old, s.storeKey(token, hashed)); err != nil {
			return fmt.Errorf("scs: set user: %w", err)
		}
	}
	return nil
}

// UserID returns the user ID that SetUser associated with the session in
// ctx, or "" when there is none.
func (s *SessionManager) UserID(ctx context.Context) string {
	v, _ := s.Get(ctx, userKey).(string)
	return v
}

// UserSessions returns the sessions of the user userID (see SetUser) that
// have not expired, each as its Event.ID, sorted: enough to count and show
// them, never their tokens.
//
// With a store that implements UserIndexStore it costs one store operation,
// whatever the number of sessions in the store. With any other store that
// can list its sessions (IterableStore) it reads and decodes every session
// in the store, which can be slow; with a store that can do neither it
// returns ErrNotIterable.
func (s *SessionManager) UserSessions(ctx context.Context, userID string) ([]string, error) {
	keys, err := s.userKeys(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, key := range keys {
		ids[i] = tokenID(key, s.HashTokenInStore)
	}
	slices.Sort(ids)
	return ids, nil
}

// DestroyUser deletes every session of the user userID (see SetUser) from
// the store, "log out everywhere", and returns how many it deleted. The
// clients of those sessions start new, empty sessions on their next
// request. Each session deleted sends EventDestroyed.
//
// With a store that implements UserIndexStore it costs 2+n store
// operations for a user with n sessions: one to list them, one delete per
// session, and one to empty the user's index. With any other store that
// can list its sessions it reads and decodes every session in the store
// first (see UserSessions); otherwise it returns ErrNotIterable. On an
// error it returns the sessions deleted so far and the error.
//
// It does not change the session in ctx, even when it is one of the
// user's: call Destroy for that one as well, to clear its cookie. With a
// store that implements UpdateStore, no request that loaded one of the
// deleted sessions (this one or one in flight) can write it back: its save
// is refused with ErrSessionGone. With other stores it can.
func (s *SessionManager) DestroyUser(ctx context.Context, userID string) (int, error) {
	keys, err := s.userKeys(ctx, userID)
	if err != nil {
		return 0, err
	}
	for i, key := range keys {
		if err := s.storeDelete(ctx, key, true); err != nil {
			return i, fmt.Errorf("scs: destroy user sessions: %w", err)
		}
		s.emit(ctx, EventDestroyed, key, s.HashTokenInStore, nil)
	}
	if err := s.unindex(ctx, userID, keys...); err != nil {
		return len(keys), fmt.Errorf("scs: destroy user sessions: %w", err)
	}
	return len(keys), nil
}

// userKeys returns the store keys of userID's live sessions, from the
// store's index or else by reading every session.
func (s *SessionManager) userKeys(ctx context.Context, userID string) ([]string, error) {
	if userID == "" {
		return nil, nil
	}
	if ix, ok := s.Store.(UserIndexStore); ok {
		keys, err := ix.UserSessions(ctx, userID)
		if err != nil {
			s.storeFailed(ctx, "", err)
			return nil, fmt.Errorf("scs: list user sessions: %w", err)
		}
		return keys, nil
	}
	all, err := s.storeAll(ctx)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key, b := range all {
		// A session this codec cannot read belongs to no user it knows.
		if _, values, err := s.Codec.Decode(b); err == nil && values[userKey] == userID {
			keys = append(keys, key)
		}
	}
	return keys, nil
}
