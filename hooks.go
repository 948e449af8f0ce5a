package scs

import (
	"context"
	"log/slog"
	"net/http"
)

// This file holds what the lifecycle does beside its store write once that
// write succeeded: it sends the event (see events.go) and keeps the user
// index (see user.go) in step with the session.

// saved runs after a session was saved under the store key key and, where
// it has a user, indexed: it deletes the undecodable entry the session replaced, if
// any, and sends EventCreated (created: the token was not in the store
// before) or EventSaved.
func (s *SessionManager) saved(ctx context.Context, sd *sessionData, created bool, key string) {
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
	s.emit(ctx, kind, key, nil)
}

// deleted runs after a session was deleted from the store under key by
// Destroy (kind EventDestroyed) or RenewToken (EventRenewed): it takes the
// key out of the index of user, the user the stored data named, and sends
// the event.
func (s *SessionManager) deleted(ctx context.Context, kind EventKind, user, key string) error {
	if err := s.unindex(ctx, user, key); err != nil {
		return err
	}
	s.emit(ctx, kind, key, nil)
	return nil
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
		id = s.eventID(sd.key)
		sd.mu.Unlock()
	} else if token := cookieValue(r, s.Cookie.Name, s.cookieLimit()); s.acceptToken(token) {
		id = tokenID(token)
	}
	slog.ErrorContext(ctx, "scs: session error", "err", err, "session", id)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
