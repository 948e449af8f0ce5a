package scs

import (
	"context"
	"errors"
	"fmt"
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

// ErrNotIterable is returned by Iterate when the store cannot list its
// sessions (it implements neither IterableStore nor IterableCtxStore).
var ErrNotIterable = errors.New("scs: the store cannot list its sessions")

// contextKey is the type of a manager's context key; each manager has its
// own pointer, so managers never see each other's data.
type contextKey struct{ _ byte }

// sessionData is one session's state during a request.
type sessionData struct {
	mu       sync.Mutex // guards the fields below
	deadline time.Time  // absolute expiry
	status   Status
	token    string // "" until committed or renewed
	hashed   bool   // token is already the store key (loaded by Iterate)
	values   map[string]interface{}

	// base is the token the data was loaded under when MergeConcurrent is
	// on ("" otherwise); changes, cleared and deadlineSet record what this
	// request changed, for commitMerged.
	base        string
	changes     map[string]struct{}
	cleared     bool
	deadlineSet bool

	// header holds the values of the response headers that LoadAndSave
	// sets (Vary, Set-Cookie, Cache-Control), so that each costs no
	// allocation of its own; see setHeader.
	header [3]string
}

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

func (s *SessionManager) newLoaded(parent context.Context, deadline time.Time, token string, values map[string]interface{}) *loaded {
	l := &loaded{}
	l.sd.deadline, l.sd.token, l.sd.values = deadline, token, values
	l.ctx = sessionCtx{Context: parent, key: s.contextKey, sd: &l.sd}
	return l
}

func (s *SessionManager) newContext(parent context.Context, deadline time.Time, token string, values map[string]interface{}) context.Context {
	return &s.newLoaded(parent, deadline, token, values).ctx
}

// Load returns a copy of ctx that carries the session for token, read from
// the store, or a new empty session when token is empty, malformed, unknown
// or expired. When ctx already carries this manager's session it is returned
// as it is. Errors come from the store and the codec.
func (s *SessionManager) Load(ctx context.Context, token string) (context.Context, error) {
	if _, ok := ctx.Value(s.contextKey).(*sessionData); ok {
		return ctx, nil
	}
	l, err := s.load(ctx, token)
	if err != nil {
		return nil, err
	}
	return &l.ctx, nil
}

// load reads the session for token, or starts a new one.
func (s *SessionManager) load(ctx context.Context, token string) (*loaded, error) {
	if !validToken(token) {
		return s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", nil), nil
	}
	b, stored, found, err := s.storeFindExpiry(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("scs: load session: %w", err)
	}
	if !found {
		return s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", nil), nil
	}
	deadline, values, err := s.Codec.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("scs: decode session: %w", err)
	}
	l := s.newLoaded(ctx, deadline, token, values)
	if s.MergeConcurrent {
		l.sd.base = token
	}
	if s.IdleTimeout > 0 && s.idleRefreshDue(deadline, stored) {
		l.sd.status = Modified // saving extends the idle expiry
	}
	return l, nil
}

// idleRefreshDue reports whether a session loaded with the given deadline
// and stored expiry must be saved to extend its idle expiry. Without
// IdleRefreshInterval, or when the store did not report the expiry (zero
// stored), it always must, as in SCS v2; with it, only when saving now would
// move the expiry by IdleRefreshInterval or more.
func (s *SessionManager) idleRefreshDue(deadline, stored time.Time) bool {
	if s.IdleRefreshInterval <= 0 || stored.IsZero() {
		return true
	}
	next := s.clock().Add(s.IdleTimeout)
	if deadline.Before(next) {
		next = deadline
	}
	return next.Sub(stored) >= s.IdleRefreshInterval
}

// Commit saves the session data in ctx to the store, generating a token for
// a new session, and returns the token and the expiry it was saved with: the
// deadline, or now+IdleTimeout if sooner. LoadAndSave calls it; custom
// middleware calls it before writing the session cookie. No lock is held
// during the store's I/O.
func (s *SessionManager) Commit(ctx context.Context) (string, time.Time, error) {
	return s.commit(ctx, s.getSessionData(ctx))
}

// commit is Commit for session data already looked up.
func (s *SessionManager) commit(ctx context.Context, sd *sessionData) (string, time.Time, error) {
	sd.mu.Lock()
	if sd.token == "" {
		token, err := generateToken()
		if err != nil {
			sd.mu.Unlock()
			return "", time.Time{}, err
		}
		sd.token, sd.hashed = token, false
	}
	if sd.base != "" && sd.base == sd.token {
		sd.mu.Unlock()
		return s.commitMerged(ctx, sd)
	}
	token, hashed, deadline := sd.token, sd.hashed, sd.deadline
	b, err := s.Codec.Encode(deadline, sd.values)
	sd.mu.Unlock()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
	}

	expiry := s.storeExpiry(deadline)
	if err := s.storeCommit(ctx, token, hashed, b, expiry); err != nil {
		return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
	}
	return token, expiry, nil
}

// Destroy deletes the session from the store and empties it. Later calls in
// the same request work on a new session with a new token and lifetime;
// LoadAndSave sends the client an expired cookie unless the new session is
// modified.
func (s *SessionManager) Destroy(ctx context.Context) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	token, hashed := sd.token, sd.hashed
	sd.mu.Unlock()
	if token != "" {
		if err := s.storeDelete(ctx, token, hashed); err != nil {
			return fmt.Errorf("scs: destroy session: %w", err)
		}
	}

	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.status = Destroyed
	sd.token, sd.hashed, sd.base = "", false, ""
	sd.deadline = s.clock().Add(s.Lifetime).UTC()
	clear(sd.values)
	return nil
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
	sd.note(key)
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
	sd.note(key)
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
	sd.note(key)
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
	sd.cleared, sd.changes = sd.base != "", nil
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

// RenewToken gives the session a new token and a new lifetime, keeping its
// data, and deletes the old token from the store. Call it after any change
// of privilege, such as login and logout, to prevent session fixation.
func (s *SessionManager) RenewToken(ctx context.Context) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	old, hashed := sd.token, sd.hashed
	sd.mu.Unlock()
	if old != "" {
		if err := s.storeDelete(ctx, old, hashed); err != nil {
			return fmt.Errorf("scs: renew token: %w", err)
		}
	}
	token, err := generateToken()
	if err != nil {
		return err
	}

	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.token, sd.hashed, sd.base = token, false, ""
	sd.deadline = s.clock().Add(s.Lifetime).UTC()
	sd.status = Modified
	return nil
}

// MergeSession copies the data of the session with the given token into the
// session in ctx, keeps the later of the two deadlines, and deletes the other
// session from the store. Values in the other session win on equal keys. A
// token that is unknown, malformed or the session's own is ignored.
func (s *SessionManager) MergeSession(ctx context.Context, token string) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	own := sd.token
	sd.mu.Unlock()
	if token == own || !validToken(token) {
		return nil
	}
	b, found, err := s.storeFind(ctx, token, false)
	if err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	if !found {
		return nil
	}
	deadline, values, err := s.Codec.Decode(b)
	if err != nil {
		return fmt.Errorf("scs: merge session: decode: %w", err)
	}

	sd.mu.Lock()
	if deadline.After(sd.deadline) {
		sd.deadline = deadline
	}
	if sd.values == nil {
		sd.values = make(map[string]interface{}, len(values))
	}
	for k, v := range values {
		sd.values[k] = v
		sd.note(k)
	}
	sd.status = Modified
	sd.mu.Unlock()

	if err := s.storeDelete(ctx, token, false); err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	return nil
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

// Iterate calls fn for every live session in the store, with a context that
// carries that session, so fn can read it with Get, change it and Commit, or
// Destroy it. It stops at the first error from fn and returns it. It returns
// ErrNotIterable when the store cannot list its sessions. With
// HashTokenInStore, Token returns the store key in fn; Destroy and Commit
// still reach the right session.
func (s *SessionManager) Iterate(ctx context.Context, fn func(context.Context) error) error {
	all, err := s.storeAll(ctx)
	if err != nil {
		return err
	}
	for key, b := range all {
		deadline, values, err := s.Codec.Decode(b)
		if err != nil {
			return fmt.Errorf("scs: iterate: decode session: %w", err)
		}
		sctx := s.newContext(ctx, deadline, key, values)
		s.getSessionData(sctx).hashed = s.HashTokenInStore
		if err := fn(sctx); err != nil {
			return err
		}
	}
	return nil
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
	sd.deadlineSet = true
}

// Token returns the session token, or "" for a new session that has not
// been committed yet.
func (s *SessionManager) Token(ctx context.Context) string {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.token
}

// GetString returns the string value for key, or "" when it is missing or
// not a string.
func (s *SessionManager) GetString(ctx context.Context, key string) string {
	v, _ := s.Get(ctx, key).(string)
	return v
}

// GetBool returns the bool value for key, or false when it is missing or not
// a bool.
func (s *SessionManager) GetBool(ctx context.Context, key string) bool {
	v, _ := s.Get(ctx, key).(bool)
	return v
}

// GetInt returns the int value for key, or 0 when it is missing or not an
// int.
func (s *SessionManager) GetInt(ctx context.Context, key string) int {
	v, _ := s.Get(ctx, key).(int)
	return v
}

// GetInt64 returns the int64 value for key, or 0 when it is missing or not
// an int64.
func (s *SessionManager) GetInt64(ctx context.Context, key string) int64 {
	v, _ := s.Get(ctx, key).(int64)
	return v
}

// GetInt32 returns the int32 value for key, or 0 when it is missing or not
// an int32.
func (s *SessionManager) GetInt32(ctx context.Context, key string) int32 {
	v, _ := s.Get(ctx, key).(int32)
	return v
}

// GetFloat returns the float64 value for key, or 0 when it is missing or not
// a float64.
func (s *SessionManager) GetFloat(ctx context.Context, key string) float64 {
	v, _ := s.Get(ctx, key).(float64)
	return v
}

// GetBytes returns the []byte value for key, or nil when it is missing or
// not a []byte.
func (s *SessionManager) GetBytes(ctx context.Context, key string) []byte {
	v, _ := s.Get(ctx, key).([]byte)
	return v
}

// GetTime returns the time.Time value for key, or the zero time when it is
// missing or not a time.Time.
func (s *SessionManager) GetTime(ctx context.Context, key string) time.Time {
	v, _ := s.Get(ctx, key).(time.Time)
	return v
}

// PopString is Pop for a string value: "" when missing or of another type.
func (s *SessionManager) PopString(ctx context.Context, key string) string {
	v, _ := s.Pop(ctx, key).(string)
	return v
}

// PopBool is Pop for a bool value: false when missing or of another type.
func (s *SessionManager) PopBool(ctx context.Context, key string) bool {
	v, _ := s.Pop(ctx, key).(bool)
	return v
}

// PopInt is Pop for an int value: 0 when missing or of another type.
func (s *SessionManager) PopInt(ctx context.Context, key string) int {
	v, _ := s.Pop(ctx, key).(int)
	return v
}

// PopFloat is Pop for a float64 value: 0 when missing or of another type.
func (s *SessionManager) PopFloat(ctx context.Context, key string) float64 {
	v, _ := s.Pop(ctx, key).(float64)
	return v
}

// PopBytes is Pop for a []byte value: nil when missing or of another type.
func (s *SessionManager) PopBytes(ctx context.Context, key string) []byte {
	v, _ := s.Pop(ctx, key).([]byte)
	return v
}

// PopTime is Pop for a time.Time value: the zero time when missing or of
// another type.
func (s *SessionManager) PopTime(ctx context.Context, key string) time.Time {
	v, _ := s.Pop(ctx, key).(time.Time)
	return v
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
