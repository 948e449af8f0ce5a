package scs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// This file holds what the lifecycle does beside its store write once that
// write succeeded: it sends the event (see events.go) and keeps the user
// index (see user.go) in step with the session.

// saved runs after a session was saved under token until expiry: it
// deletes the undecodable entry the session replaced, if any, adds the
// session to its user's index, when it has a user and the store keeps one,
// and sends EventCreated (created: the token was not in the store before)
// or EventSaved.
func (s *SessionManager) saved(ctx context.Context, sd *sessionData, created bool, token string, hashed bool, expiry time.Time) error {
	sd.mu.Lock()
	sd.fresh = false
	user, _ := sd.values[userKey].(string)
	bad := sd.undecodable
	sd.undecodable = ""
	sd.mu.Unlock()
	if bad != "" {
		s.deleteUndecodable(ctx, bad)
	}
	if ix, ok := s.Store.(UserIndexStore); ok && user != "" {
		key := s.storeKey(token, hashed)
		if err := s.storeFailed(ctx, key, ix.AddUserSession(ctx, user, key, expiry)); err != nil {
			return fmt.Errorf("scs: commit session: index its user: %w", err)
		}
	}
	kind := EventSaved
	if created {
		kind = EventCreated
	}
	s.emit(ctx, kind, token, hashed, nil)
	return nil
}

// deleted runs after the session in sd was deleted from the store under
// token by Destroy (kind EventDestroyed) or RenewToken (EventRenewed): it
// takes the token out of its user's index and sends the event. After
// RenewToken the session keeps its user, so the next save indexes the new
// token.
func (s *SessionManager) deleted(ctx context.Context, sd *sessionData, kind EventKind, token string, hashed bool) error {
	sd.mu.Lock()
	user, _ := sd.values[userKey].(string)
	sd.mu.Unlock()
	if err := s.unindex(ctx, user, s.storeKey(token, hashed)); err != nil {
		return err
	}
	s.emit(ctx, kind, token, hashed, nil)
	return nil
}

// merged runs after MergeSession copied values, the other session's, into
// sd, whose user was ownUser, and deleted the other session token: it takes
// the token out of its user's index and, when the copy changed sd's user,
// takes sd's stored token out of its former user's index, as SetUser does.
func (s *SessionManager) merged(ctx context.Context, sd *sessionData, ownUser any, values map[string]interface{}, token string) error {
	user, _ := values[userKey].(string)
	if err := s.unindex(ctx, user, s.storeKey(token, false)); err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	sd.mu.Lock()
	was, _ := ownUser.(string)
	now, _ := sd.values[userKey].(string)
	own, hashed, stored := sd.token, sd.hashed, sd.token != "" && !sd.fresh
	sd.mu.Unlock()
	if was != "" && was != now && stored {
		if err := s.unindex(ctx, was, s.storeKey(own, hashed)); err != nil {
			return fmt.Errorf("scs: merge session: %w", err)
		}
	}
	return nil
}

// unindex removes the store keys from user's index, when there is a user
// and the store keeps an index.
func (s *SessionManager) unindex(ctx context.Context, user string, keys ...string) error {
	ix, ok := s.Store.(UserIndexStore)
	if !ok || user == "" || len(keys) == 0 {
		return nil
	}
	if err := ix.RemoveUserSessions(ctx, user, keys); err != nil {
		var key string
		if len(keys) == 1 {
			key = keys[0]
		}
		s.storeFailed(ctx, key, err)
		return fmt.Errorf("scs: remove from the index of user sessions: %w", err)
	}
	return nil
}

// storeFailed sends EventStoreError for an error of a store operation on
// the store key (or on no one session, key ""), and returns err as it is.
func (s *SessionManager) storeFailed(ctx context.Context, key string, err error) error {
	if err != nil {
		s.emit(ctx, EventStoreError, key, s.HashTokenInStore, err)
	}
	return err
}

// defaultErrorFunc is the ErrorFunc that New sets: it logs err through
// log/slog's default logger, at level Error, with the attribute "session"
// set to the session's Event.ID (the session in the request's context, or
// else the one the request's cookie names; "" when neither), and answers
// 500 Internal Server Error.
func (s *SessionManager) defaultErrorFunc(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	var id string
	if sd, ok := ctx.Value(s.contextKey).(*sessionData); ok {
		sd.mu.Lock()
		id = tokenID(sd.token, sd.hashed)
		sd.mu.Unlock()
	} else if token := cookieValue(r, s.Cookie.Name, s.cookieLimit()); s.acceptToken(token) {
		id = tokenID(token, false)
	}
	slog.ErrorContext(ctx, "scs: session error", "err", err, "session", id)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
