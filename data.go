package scs

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Status is the state of a session's data in the current request.
type Status int

const (
	// Unmodified means the session data has not changed since it was
	// loaded.
	Unmodified Status = iota

	// Modified means the session data has changed and will be saved.
	Modified

	// Destroyed means the session was destroyed.
	Destroyed
)

// rememberMeKey is the session key under which RememberMe keeps its choice.
const rememberMeKey = "__rememberMe"

// sessionData is one session's state during a request.
type sessionData struct {
	mu       sync.Mutex // guards the fields below
	deadline time.Time  // absolute expiry
	status   Status
	token    string // "" until committed or renewed
	key      string // token's store key: token, or its hash with HashTokenInStore
	fresh    bool   // token is not in the store yet (set by RenewToken)
	values   map[string]interface{}

	// undecodable is the token whose stored data could not be decoded and
	// which this session replaces; it is deleted when this session is
	// saved or destroyed ("" for none).
	undecodable string

	// moved are the keys whose data this session took over in this
	// request (RenewToken, MergeSession) and which hold tombstones until
	// its next save confirms the moves (see move.go).
	moved []movedFrom

	// stale is the token this session was loaded for whose stored data had
	// passed its deadline: a tombstone (see move.go) or an expired entry.
	// Destroy deletes it, so that a logout also ends a move in flight from
	// it ("" for none).
	stale string

	// changes knows whether the session exists in the store and, with
	// MergeConcurrent, what this request changed (see changeSet).
	changes changeSet
}

// Put adds key and val to the session data, replacing any value under key,
// and marks the session modified. Custom types must be registered with
// gob.Register for the default codec.
func (s *SessionManager) Put(ctx context.Context, key string, val interface{}) {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	if sd.values == nil {
		sd.values = make(map[string]interface{})
	}
	sd.values[key] = val
	sd.status = Modified
	sd.changes.put(key)
	sd.mu.Unlock()
}

// Get returns the value for key, or nil when there is none. Use a type
// assertion, or a typed getter such as GetString, to use the value.
func (s *SessionManager) Get(ctx context.Context, key string) interface{} {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.values[key]
}

// Pop returns the value for key and deletes it from the session data, like a
// one-time Get: the way to keep "flash" messages. It returns nil, and leaves
// the session unmodified, when key is absent.
func (s *SessionManager) Pop(ctx context.Context, key string) interface{} {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	val, ok := sd.values[key]
	if !ok {
		return nil
	}
	delete(sd.values, key)
	sd.status = Modified
	sd.changes.put(key)
	return val
}

// Remove deletes key and its value from the session data. The session is
// marked modified only if the key was present.
func (s *SessionManager) Remove(ctx context.Context, key string) {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	if _, ok := sd.values[key]; !ok {
		return
	}
	delete(sd.values, key)
	sd.status = Modified
	sd.changes.put(key)
}

// Clear deletes all the session data but keeps the token and lifetime. The
// session is marked modified only if it held data. It always returns nil.
func (s *SessionManager) Clear(ctx context.Context) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	if len(sd.values) == 0 {
		return nil
	}
	clear(sd.values)
	sd.status = Modified
	sd.changes.clear()
	return nil
}

// Exists reports whether key is in the session data.
func (s *SessionManager) Exists(ctx context.Context, key string) bool {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	_, ok := sd.values[key]
	return ok
}

// Keys returns the keys of the session data, sorted. It returns an empty,
// non-nil slice when there are none.
func (s *SessionManager) Keys(ctx context.Context) []string {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	keys := make([]string, 0, len(sd.values))
	for k := range sd.values {
		keys = append(keys, k)
	}
	sd.mu.Unlock()
	slices.Sort(keys)
	return keys
}

// Status returns the state of the session data in ctx.
func (s *SessionManager) Status(ctx context.Context) Status {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.status
}

// RememberMe sets whether the session cookie persists after the browser
// closes. It matters only when Cookie.Persist is false, and is kept in the
// session data under the key "__rememberMe".
func (s *SessionManager) RememberMe(ctx context.Context, val bool) {
	s.Put(ctx, rememberMeKey, val)
}

// Deadline returns the absolute expiry of the session: after it the session
// expires however active it is.
func (s *SessionManager) Deadline(ctx context.Context) time.Time {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.deadline
}

// SetDeadline sets the absolute expiry of the session and marks it
// modified. An idle timeout still applies.
func (s *SessionManager) SetDeadline(ctx context.Context, expire time.Time) {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.deadline = expire
	sd.status = Modified
	sd.changes.setDeadline()
}

// Token returns the session token, or "" for a new session that has not
// been committed yet.
func (s *SessionManager) Token(ctx context.Context) string {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.token
}
