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

// saved runs after a session was saved under token and, where it has a
// user, indexed: it deletes the undecodable entry the session replaced, if
// any, and sends EventCreated (created: the token was not in the store
// before) or EventSaved.
func (s *SessionManager) saved(ctx context.Context, sd *sessionData, created bool, token string, hashed bool) {
	sd.mu.Lock()
	sd.fresh = false
	bad := sd.undecodable
	sd.undecodable = ""
	sd.mu.Unlock()
	if bad != "" {
		s.deleteUndecodable(ctx, bad)
	}
	kind := EventSaved
	if created {
		kind = EventCreated
	}
	s.emit(ctx, kind, token, hashed, nil)
}

// deleted runs after a session was deleted from the store under token by
// Destroy (kind EventDestroyed) or RenewToken (EventRenewed): it takes the
// token out of the index of user, the user the stored data named, and
// sends the event.
func (s *SessionManager) deleted(ctx context.Context, kind EventKind, user, token string, hashed bool) error {
	if err := s.unindex(ctx, user, s.storeKey(token, hashed)); err != nil {
		return err
	}
	s.emit(ctx, kind, token, hashed, nil)
	return nil
}

// index records in user's index that the store key belongs to user until
// expiry, when there is a user and the store keeps an index. The call is
// bounded by StoreTimeout.
func (s *SessionManager) index(ctx context.Context, user, key string, expiry time.Time) error {
	ix, ok := s.Store.(UserIndexStore)
	if !ok || user == "" {
		return nil
	}
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	if err := s.storeFailed(ctx, key, ix.AddUserSession(sctx, user, key, expiry)); err != nil {
		return fmt.Errorf("index its user: %w", err)
	}
	return nil
}

// unindex removes the store keys from user's index, when there is a user
// and the store keeps an index. The call is bounded by StoreTimeout.
func (s *SessionManager) unindex(ctx context.Context, user string, keys ...string) error {
	ix, ok := s.Store.(UserIndexStore)
	if !ok || user == "" || len(keys) == 0 {
		return nil
	}
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	if err := ix.RemoveUserSessions(sctx, user, keys); err != nil {
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
