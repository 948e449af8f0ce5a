package scs

import (
	"context"
	"time"
)

// changeSet is what a request knows about its session's place in the store
// (the key it is stored under, and whose user) and, with MergeConcurrent,
// the set of changes it made since it read the session.
// sessionData holds one, guarded by sessionData.mu; Put, Pop, Remove, Clear,
// SetDeadline, MergeSession, Destroy, RenewToken and Commit record through
// its methods.
type changeSet struct {
	// stored is the store key that the session was read from the store
	// under, or last saved under, in this request;
	// "" for a new session and after Destroy or RenewToken. A session
	// with a stored token exists in the store: it is saved with
	// [UpdateStore.Update], which never brings it back once another request
	// has deleted it.
	stored string

	// user is the user ID that the data held under stored names (see
	// SetUser), and so the user whose index lists stored; "" for none.
	user string

	// gone is set when a save found that another request had deleted the
	// stored token: the session counts as destroyed, and no cookie is sent
	// for it.
	gone bool

	// merge says that changes are recorded (MergeConcurrent). keys,
	// cleared and deadline are what this request changed since the
	// session was read or last saved: the keys it put, popped or removed,
	// a Clear, a new deadline.
	merge    bool
	keys     map[string]struct{}
	cleared  bool
	deadline bool
}

// recording reports whether changes are recorded: with MergeConcurrent, for
// a session that exists in the store.
func (c *changeSet) recording() bool {
	return c.merge && c.stored != ""
}

// put records that the value of key changed (put, popped or removed).
func (c *changeSet) put(key string) {
	if !c.recording() {
		return
	}
	if c.keys == nil {
		c.keys = make(map[string]struct{})
	}
	c.keys[key] = struct{}{}
}

// clear records a Clear: the stored values are replaced, not merged.
func (c *changeSet) clear() {
	c.cleared, c.keys = c.recording(), nil
}

// setDeadline records a new deadline.
func (c *changeSet) setDeadline() {
	c.deadline = c.recording()
}

// forget records that the session no longer has a token in the store
// (Destroy, RenewToken, or a save that found it gone).
func (c *changeSet) forget() {
	*c = changeSet{merge: c.merge}
}

// recordSave records that the session was saved under key, with user as
// its user: later changes are recorded from here.
func (c *changeSet) recordSave(key, user string) {
	*c = changeSet{merge: c.merge, stored: key, user: user}
}

// apply applies the recorded changes, with values and deadline as this
// request holds them, to the values and deadline that the store holds now,
// and returns the result. stored is not shared with anyone else (it was
// just decoded).
func (c *changeSet) apply(values map[string]interface{}, deadline time.Time, stored map[string]interface{}, storedDeadline time.Time) (map[string]interface{}, time.Time) {
	if c.cleared || stored == nil {
		stored = make(map[string]interface{}, len(values))
	}
	if c.cleared {
		for k, v := range values {
			stored[k] = v
		}
	}
	for k := range c.keys {
		if v, ok := values[k]; ok {
			stored[k] = v
		} else {
			delete(stored, k)
		}
	}
	if c.deadline {
		storedDeadline = deadline
	}
	return stored, storedDeadline
}

// sessionGone handles a save that found the session's key deleted from
// the store by another request: the session counts as destroyed, this
// request's changes are dropped, OnEvent hears of it, and the save returns
// [ErrSessionGone].
func (s *SessionManager) sessionGone(ctx context.Context, sd *sessionData, key string) (string, time.Time, error) {
	sd.mu.Lock()
	if sd.key == key {
		sd.status = Destroyed
		sd.token, sd.key = "", ""
		sd.deadline = s.clock().Add(s.Lifetime).UTC()
		clear(sd.values)
		sd.changes.forget()
		sd.changes.gone = true
	}
	sd.mu.Unlock()
	s.emit(ctx, EventSaveRefused, key, ErrSessionGone)
	return "", time.Time{}, ErrSessionGone
}
