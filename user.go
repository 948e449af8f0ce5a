package scs

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The session keys under which SetUser keeps the session's user ID (a
// string), the time the session got that user (an int64, Unix
// milliseconds), and SetUserLabel its label (a string): basic types, which
// SCS v2 decodes without registering anything (a time.Time would need
// gob.Register in an SCS v2 process sharing the store).
const (
	userKey      = "__userID"
	userSinceKey = "__userSince"
	userLabelKey = "__userLabel"
)

// userMeta is what the index keeps of a session's user: the user ID, when
// the session got it, and the session's label.
type userMeta struct {
	id      string
	created time.Time
	label   string
}

// userMetaOf returns the user of a session with values.
func userMetaOf(values map[string]interface{}) userMeta {
	u := userMeta{id: userOf(values)}
	if ms, ok := values[userSinceKey].(int64); ok {
		u.created = time.UnixMilli(ms).UTC()
	}
	u.label, _ = values[userLabelKey].(string)
	return u
}

// sessionUser returns the user of a session with values, about to be
// saved; a session with a user but no start time (its user ID was Put)
// gets now as its start. The caller holds the session's lock.
func (s *SessionManager) sessionUser(values map[string]interface{}) userMeta {
	u := userMetaOf(values)
	if u.id != "" && u.created.IsZero() {
		ms := s.clock().UnixMilli()
		u.created = time.UnixMilli(ms).UTC()
		values[userSinceKey] = ms
	}
	return u
}

// SetUser associates the session in ctx with the user userID, typically at
// login (after RenewToken), so that UserSessions lists it and DestroyUser
// ("log out everywhere") deletes it. An empty userID removes the
// association. The ID is kept in the session's data under the key
// "__userID" (Put, Remove or Clear of that key has the same effect) and,
// when the store implements [UserIndexStore], in the store's index of user
// sessions from the session's next save on. The session is marked
// modified. SetUser itself does no store I/O; its error is always nil.
//
// The index follows the user the session is saved with, whatever changed
// it. With a store that implements [UserIndexStore], saving a session that
// has a user costs one more store operation (its index entry takes the
// session's new expiry: written before an existing session's data, so that
// a failure leaves the session as it was, and after a new session's, which
// is deleted again when the index write fails); so do Destroy, RenewToken
// and a save that changed the user (the old entry goes). An error there
// fails the save, so the index never misses a live session. Sessions
// without a user cost nothing more.
func (s *SessionManager) SetUser(ctx context.Context, userID string) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	if userID == "" {
		delete(sd.values, userKey)
		delete(sd.values, userSinceKey)
		delete(sd.values, userLabelKey)
	} else {
		if sd.values == nil {
			sd.values = make(map[string]interface{})
		}
		if sd.values[userKey] != userID {
			sd.values[userSinceKey] = s.clock().UnixMilli() // a new login
		}
		sd.values[userKey] = userID
	}
	sd.status = Modified
	sd.changes.put(userKey)
	sd.changes.put(userSinceKey)
	sd.changes.put(userLabelKey)
	sd.mu.Unlock()
	return nil
}

// UserID returns the user ID that SetUser associated with the session in
// ctx, or "" when there is none.
func (s *SessionManager) UserID(ctx context.Context) string {
	v, _ := s.Get(ctx, userKey).(string)
	return v
}

// UserSessions returns the sessions of the user userID (see SetUser) that
// have not expired, each as its [Event.ID], sorted: enough to count and show
// them, never their tokens.
//
// With a store that implements [UserIndexStore] it costs one store operation,
// whatever the number of sessions in the store. With any other store that
// can list its sessions ([IterableStore]) it reads and decodes every session
// in the store, which can be slow; with a store that can do neither it
// returns [ErrNotIterable].
func (s *SessionManager) UserSessions(ctx context.Context, userID string) ([]string, error) {
	keys, err := s.userKeys(ctx, userID, false)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, key := range keys {
		ids[i] = s.eventID(key)
	}
	slices.Sort(ids)
	return ids, nil
}

// DestroyUser deletes every session of the user userID (see SetUser) from
// the store, "log out everywhere", and returns how many it deleted. The
// clients of those sessions start new, empty sessions on their next
// request. Each session deleted sends [EventDestroyed].
//
// Once DestroyUser returns, no token of a session that was the user's when
// it was called is valid, when the store implements [UpdateStore]: a request
// in flight that loaded one of them cannot write it back (its save is
// refused with [ErrSessionGone]) nor move its data to a new token with
// RenewToken or MergeSession (the move is undone, see RenewToken). To see
// the moves that were confirmed while it ran, DestroyUser lists the user's
// sessions again after deleting them, until a listing finds no new one.
// With other stores, such requests can bring a session back, as in SCS v2.
//
// With a store that implements [UserIndexStore] it costs n+3 store
// operations for a user with n sessions: two listings, one delete per
// session, and one to take them out of the index (one listing and one
// removal more for each round that finds sessions moved meanwhile). With
// any other store that can list its sessions it reads and decodes every
// session in the store, twice (see UserSessions); otherwise it returns
// [ErrNotIterable]. On an error it returns the sessions deleted so far and
// the error. Every store call is bounded by StoreTimeout.
//
// It does not change the session in ctx, even when it is one of the
// user's: call Destroy for that one as well, to clear its cookie.
func (s *SessionManager) DestroyUser(ctx context.Context, userID string) (int, error) {
	return s.destroyUser(ctx, userID, "")
}

// destroyUser is DestroyUser, leaving the session stored under keep alone
// ("" for none).
func (s *SessionManager) destroyUser(ctx context.Context, userID, keep string) (int, error) {
	done := make(map[string]bool)
	for round := 0; ; round++ {
		keys, err := s.userKeys(ctx, userID, true)
		if err != nil {
			return len(done), err
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return done[k] || k == keep && k != "" })
		if len(keys) == 0 {
			return len(done), nil
		}
		if round == maxDestroyRounds {
			return len(done), fmt.Errorf("scs: destroy user sessions: new sessions of the user still appear after %d rounds", round)
		}
		for _, key := range keys {
			if err := s.storeDelete(ctx, key); err != nil {
				return len(done), fmt.Errorf("scs: destroy user sessions: %w", err)
			}
			done[key] = true
			s.emit(ctx, EventDestroyed, key, nil)
		}
		if err := s.unindex(ctx, userID, keys...); err != nil {
			return len(done), fmt.Errorf("scs: destroy user sessions: %w", err)
		}
	}
}

// maxDestroyRounds bounds DestroyUser's listings: each round after the
// first finds only sessions that requests in flight moved while it ran.
const maxDestroyRounds = 8

// userKeys returns the store keys of userID's live sessions (see
// userEntries).
func (s *SessionManager) userKeys(ctx context.Context, userID string, moving bool) ([]string, error) {
	entries, err := s.userEntries(ctx, userID, moving)
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Token
	}
	return keys, err
}

// userEntries returns the index entries of userID's live sessions, from
// the store's index or else by reading every session (then LastActive is
// unknown, zero, and Expiry is the session's deadline); with moving, also
// the entries of the user's sessions being moved to another key
// (tombstones, see move.go), which DestroyUser must delete to stop the
// move.
func (s *SessionManager) userEntries(ctx context.Context, userID string, moving bool) ([]UserIndexEntry, error) {
	if userID == "" {
		return nil, nil
	}
	if entries, ok, err := s.indexed(ctx, userID); ok {
		return entries, err
	}
	all, err := s.storeAll(ctx)
	if err != nil {
		return nil, err
	}
	var entries []UserIndexEntry
	for key, b := range all {
		// A session this codec cannot read belongs to no user it knows.
		d, values, err := s.Codec.Decode(b)
		if err != nil || !(moving || s.live(d)) || values[userKey] != userID {
			continue
		}
		u := userMetaOf(values)
		entries = append(entries, UserIndexEntry{Token: key, Expiry: d, Created: u.created, Label: u.label})
	}
	return entries, nil
}
