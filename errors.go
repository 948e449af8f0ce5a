package scs

import (
	"errors"
	"log/slog"
	"net/http"
)

// [ErrNotIterable] is returned by Iterate when the store cannot list its
// sessions: it implements neither [IterableStore] nor [IterableCtxStore].
var ErrNotIterable = errors.New("scs: the store cannot list its sessions")

// [ErrConflict] is returned by Commit when MergeConcurrent is on and a save
// could not be merged within [SessionManager.MergeTimeout]: other processes
// kept changing the session between each re-read and compare-and-swap, or
// other requests of this manager held its saves up that long.
var ErrConflict = errors.New("scs: the session kept changing under concurrent requests")

// [ErrCommitFailed] is returned by the response writer that LoadAndSave passes
// on, from writes that follow a failed save of the session: ErrorFunc has
// answered the request by then, and the handler's output is dropped so that
// it is not appended to the error response.
var ErrCommitFailed = errors.New("scs: the session could not be saved; the response was answered by ErrorFunc")

// [ErrSessionGone] is returned by Commit when the session was loaded from the
// store but, before this request saved it, another request destroyed it or
// renewed its token (a logout or a login elsewhere). The save is refused so
// that the old token cannot come back; this request's changes are dropped,
// and LoadAndSave sends no cookie for it.
var ErrSessionGone = errors.New("scs: the session was destroyed or renewed by another request")

// [ErrWeakStore] is wrapped by the error of [EventWeakStore], which the manager
// sends once when it first uses a store that implements no [UpdateStore]:
// with it, a request in flight can write a destroyed session back, as in
// SCS v2.
var ErrWeakStore = errors.New("scs: the store cannot make a logout stick")

// [ErrPayloadTooLarge] is returned, wrapped, by the stores of this repository
// when a session's encoded data is larger than the store can hold (a MySQL
// BLOB column, Consul's value size limit, a Firestore document, an etcd
// request). They check before writing, so the session stored before stays as
// it was; the error says what the limit is and how to raise it.
var ErrPayloadTooLarge = errors.New("scs: the session data is too large for the store")

// defaultErrorFunc is the ErrorFunc that New sets: it logs err through
// log/slog's default logger, at level Error, with the attribute "session"
// set to the session's [Event.ID] (the session in the request's context, or
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
