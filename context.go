package scs

import (
	"context"
	"time"
)

// contextKey is the type of a manager's context key; each manager has its
// own pointer, so managers never see each other's data.
type contextKey struct{ _ byte }

// sessionCtx is the context that carries a manager's session data. It is
// context.WithValue for one key, made as its own type so that LoadAndSave
// can allocate it together with the session data.
type sessionCtx struct {
	context.Context
	key *contextKey
	sd  *sessionData
}

// Value returns the session data for the manager's key, and defers to the
// parent context for every other key.
func (c *sessionCtx) Value(key any) any {
	if k, ok := key.(*contextKey); ok && k == c.key {
		return c.sd
	}
	return c.Context.Value(key)
}

// loaded is what LoadAndSave allocates per request, in one piece: the
// session data, the context that carries it, and the response writer.
type loaded struct {
	ctx sessionCtx
	sd  sessionData
	w   responseWriter
}

// newLoaded allocates the state of a request whose session is stored under
// key (token's store key; "" with no token).
func (s *SessionManager) newLoaded(parent context.Context, deadline time.Time, token, key string, values map[string]interface{}) *loaded {
	l := &loaded{}
	l.sd.deadline, l.sd.token, l.sd.key, l.sd.values = deadline, token, key, values
	l.sd.changes.merge = s.MergeConcurrent
	l.ctx = sessionCtx{Context: parent, key: s.contextKey, sd: &l.sd}
	return l
}

func (s *SessionManager) newContext(parent context.Context, deadline time.Time, token, key string, values map[string]interface{}) context.Context {
	return &s.newLoaded(parent, deadline, token, key, values).ctx
}

// getSessionData returns the manager's session data in ctx. It panics when
// ctx carries none: a data method was called outside LoadAndSave (or Load).
func (s *SessionManager) getSessionData(ctx context.Context) *sessionData {
	sd, ok := ctx.Value(s.contextKey).(*sessionData)
	if !ok {
		panic("scs: no session data in context")
	}
	return sd
}
