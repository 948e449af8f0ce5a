package scs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds what a "where you're signed in" page needs: a user's
// sessions with when they started and were last active, a label for each,
// and ways to end one of them or all but the current one.

// [UserSession] describes one of a user's sessions, as ListUserSessions
// returns it. The zero value describes no session.
type UserSession struct {
	// ID identifies the session without revealing its token (see
	// [Event.ID]): safe to put in HTML, and what DestroyUserSession takes.
	ID string

	// Created is when the session got its user: the login.
	Created time.Time

	// LastActive is when the session was last saved: its last request, to
	// within IdleRefreshInterval (a request that changes nothing does not
	// save it sooner). It is zero with a store that keeps no index of user
	// sessions.
	LastActive time.Time

	// Expiry is when the session expires unless it is used again.
	Expiry time.Time

	// Label is what SetUserLabel set for the session; "" for none.
	Label string

	// Current reports whether this is the session of the context passed
	// to ListUserSessions.
	Current bool
}

// SetUserLabel sets a short label for the session in ctx, such as a
// summary of the browser and a coarse location ("Firefox on Linux,
// Berlin"), which ListUserSessions shows. It is kept in the session's data
// under "__userLabel", cut to [MaxUserLabel] bytes, and in the index from the
// session's next save on. Keep it coarse: a raw IP address or a full
// user-agent string is personal data the user did not ask to store.
func (s *SessionManager) SetUserLabel(ctx context.Context, label string) {
	if len(label) > MaxUserLabel {
		label = label[:MaxUserLabel]
	}
	s.Put(ctx, userLabelKey, label)
}

// ListUserSessions returns the live sessions of the user userID, newest
// first, each with its ID, start, last activity, expiry and label; Current
// marks the session in ctx. With a store that implements [UserIndexStore] it
// costs one store operation, whatever the number of sessions; with other
// stores it reads and decodes every session in the store (see
// UserSessions).
func (s *SessionManager) ListUserSessions(ctx context.Context, userID string) ([]UserSession, error) {
	entries, err := s.userEntries(ctx, userID, false)
	if err != nil {
		return nil, err
	}
	current := s.currentKey(ctx)
	list := make([]UserSession, len(entries))
	for i, e := range entries {
		list[i] = UserSession{ID: s.eventID(e.Token), Created: e.Created, LastActive: e.LastActive, Expiry: e.Expiry, Label: e.Label, Current: e.Token == current}
	}
	slices.SortFunc(list, func(a, b UserSession) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		if c := b.LastActive.Compare(a.LastActive); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// currentKey returns the store key of the session in ctx, or "" when ctx
// carries none of this manager's.
func (s *SessionManager) currentKey(ctx context.Context) string {
	sd, ok := ctx.Value(s.contextKey).(*sessionData)
	if !ok {
		return ""
	}
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.key
}

// DestroyUserSession ends the session of the user userID whose ID (see
// ListUserSessions) is id, and reports whether there was one: an ID of
// another user's session, or of none, ends nothing and gives false. The
// session is gone for good, as after DestroyUser: no request in flight
// writes it back or moves it. With a store that implements [UserIndexStore]
// it costs three store operations: a listing, a delete and the removal
// from the index.
func (s *SessionManager) DestroyUserSession(ctx context.Context, userID, id string) (bool, error) {
	entries, err := s.userEntries(ctx, userID, true)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if s.eventID(e.Token) != id {
			continue
		}
		if err := s.storeDelete(ctx, e.Token); err != nil {
			return false, fmt.Errorf("scs: destroy user session: %w", err)
		}
		s.emit(ctx, EventDestroyed, e.Token, nil)
		if err := s.unindex(ctx, userID, e.Token); err != nil {
			return true, fmt.Errorf("scs: destroy user session: %w", err)
		}
		return true, nil
	}
	return false, nil
}

// DestroyOtherSessions ends every session of the user of the session in
// ctx except that one ("sign out of other devices", after a password
// change), with DestroyUser's guarantees and costs, and returns how many it
// ended. A session without a user has no others: it returns 0.
func (s *SessionManager) DestroyOtherSessions(ctx context.Context) (int, error) {
	user := s.UserID(ctx)
	if user == "" {
		return 0, nil
	}
	return s.destroyUser(ctx, user, s.currentKey(ctx))
}

// capUserSessions ends the oldest sessions of the user u beyond
// MaxUserSessions, keeping the session stored under key, which has just
// been saved with its new user (a login).
func (s *SessionManager) capUserSessions(ctx context.Context, user, key string) error {
	if s.MaxUserSessions <= 0 || user == "" {
		return nil
	}
	entries, err := s.userEntries(ctx, user, false)
	if err != nil || len(entries) <= s.MaxUserSessions {
		return err
	}
	slices.SortFunc(entries, func(a, b UserIndexEntry) int { return a.Created.Compare(b.Created) })
	for _, e := range entries[:len(entries)-s.MaxUserSessions] {
		if e.Token == key {
			continue
		}
		if err := s.storeDelete(ctx, e.Token); err != nil {
			return fmt.Errorf("scs: end the oldest sessions of the user: %w", err)
		}
		s.emit(ctx, EventDestroyed, e.Token, nil)
		if err := s.unindex(ctx, user, e.Token); err != nil {
			return fmt.Errorf("scs: end the oldest sessions of the user: %w", err)
		}
	}
	return nil
}
