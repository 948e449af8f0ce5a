package scs

import (
	"context"
	"fmt"
	"time"
)

// Load returns a copy of ctx that carries the session for token, read from
// the store, or a new empty session when token is empty, malformed, unknown
// or expired, or when its stored data cannot be decoded (see
// EventUndecodable). When ctx already carries this manager's session it is
// returned as it is. Errors come from the store.
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
	if !s.acceptToken(token) {
		if token != "" {
			s.emit(ctx, EventInvalidToken, "", nil)
		}
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
		return s.loadUndecodable(ctx, s.keyOf(token), err), nil
	}
	if !s.live(deadline) {
		// Past its deadline: a tombstone (see move.go), or data that the
		// store keeps a little longer than it should.
		l := s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", nil)
		l.sd.stale = s.keyOf(token)
		return l, nil
	}
	l := s.newLoaded(ctx, deadline, token, values)
	s.emit(ctx, EventLoaded, l.sd.key, nil)
	if !s.sealing() {
		l.sd.changes.stored, l.sd.changes.user = l.sd.key, userOf(values)
	}
	if s.IdleTimeout > 0 && s.idleRefreshDue(deadline, stored) {
		l.sd.status = Modified // saving extends the idle expiry
	}
	return l, nil
}

// acceptToken reports whether token is worth a store look-up (see
// cookieToken), or, with a Sealer, worth opening: one no longer than a
// cookie.
func (s *SessionManager) acceptToken(token string) bool {
	if s.sealing() {
		return token != "" && len(token) <= maxSealedToken
	}
	return cookieToken(token)
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
//
// A new session (or one with a renewed token) is inserted with the store's
// Commit. A session read from the store is saved with UpdateStore.Update
// when the store has it, which never recreates a deleted token: when
// another request has destroyed the session or renewed its token since this
// one read it, Commit returns ErrSessionGone, drops this request's changes
// and leaves the session destroyed. Stores without UpdateStore are written
// with Commit, as in SCS v2, and bring such a token back. With
// MergeConcurrent, see the field's documentation.
func (s *SessionManager) Commit(ctx context.Context) (string, time.Time, error) {
	return s.commit(ctx, s.getSessionData(ctx))
}

// commit is Commit for session data already looked up. It picks the way
// to write: a merge (commitMerged), a seal, a conditional update of a
// session read from the store (commitExisting) or an insert (commitNew);
// then it finishes the save (finishSave).
func (s *SessionManager) commit(ctx context.Context, sd *sessionData) (string, time.Time, error) {
	sd.mu.Lock()
	created := sd.token == "" || sd.fresh
	if sd.token == "" {
		token, err := generateToken()
		if err != nil {
			sd.mu.Unlock()
			return "", time.Time{}, err
		}
		sd.token, sd.key = token, s.keyOf(token)
	}
	token, key, deadline := sd.token, sd.key, sd.deadline
	existing := sd.changes.stored != "" && sd.changes.stored == key
	if existing && s.MergeConcurrent {
		sd.mu.Unlock()
		return s.commitMerged(ctx, sd, token, key)
	}
	user, prev := userOf(sd.values), ""
	if existing {
		prev = sd.changes.user
	}
	b, err := s.Codec.Encode(deadline, sd.values)
	sd.mu.Unlock()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
	}

	expiry := s.storeExpiry(deadline)
	if s.sealing() {
		if token, err = s.storeSeal(b, expiry); err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}
		sd.mu.Lock()
		sd.token, sd.key = token, token
		sd.mu.Unlock()
		s.afterSave(ctx, sd, created, token)
		return token, expiry, nil
	}
	var up UpdateStore
	if existing {
		up = s.store(ctx).update
	}
	if up != nil {
		err = s.commitExisting(ctx, sd, up, key, b, expiry, user)
	} else {
		err = s.commitNew(ctx, key, b, expiry, user)
	}
	if err == nil {
		err = s.finishSave(ctx, sd, created, key, expiry, prev, user)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expiry, nil
}

// commitExisting saves a session read from the store under key with
// UpdateStore.Update, which never recreates a key that another request
// deleted: then the session is gone (ErrSessionGone). The user's index
// entry is written first, so that a failure there leaves the stored data
// as it was.
func (s *SessionManager) commitExisting(ctx context.Context, sd *sessionData, up UpdateStore, key string, b []byte, expiry time.Time, user string) error {
	if err := s.index(ctx, user, key, expiry); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	found, err := s.storeUpdate(ctx, up, key, b, expiry)
	if err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	if !found {
		_ = s.unindex(ctx, user, key) // best effort: the entry names a deleted key
		_, _, err := s.sessionGone(ctx, sd, key)
		return err
	}
	return nil
}

// commitNew saves a new session (or one with a renewed token) under key
// with the store's Commit, as SCS v2 saves every session, then indexes it
// under its user. When the index write fails, the session is deleted
// again: no live session is missing from its user's index.
func (s *SessionManager) commitNew(ctx context.Context, key string, b []byte, expiry time.Time, user string) error {
	if err := s.storeCommit(ctx, key, b, expiry); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	if err := s.index(ctx, user, key, expiry); err != nil {
		_ = s.storeDelete(ctx, key)
		return fmt.Errorf("scs: commit session: %w", err)
	}
	return nil
}

// finishSave runs after a session was written under key until expiry,
// with user as its user where the store held prev's before: it takes the
// key out of prev's index, confirms the moves into the session (see
// move.go), records the save and sends its event.
func (s *SessionManager) finishSave(ctx context.Context, sd *sessionData, created bool, key string, expiry time.Time, prev, user string) error {
	if prev != "" && prev != user {
		if err := s.unindex(ctx, prev, key); err != nil {
			return fmt.Errorf("scs: commit session: %w", err)
		}
	}
	if err := s.confirmMoves(ctx, sd, key, expiry); err != nil {
		return err
	}
	sd.mu.Lock()
	if sd.key == key {
		sd.changes.recordSave(key, user)
	}
	sd.mu.Unlock()
	s.afterSave(ctx, sd, created, key)
	return nil
}

// afterSave runs after a session was saved under the store key key and, where
// it has a user, indexed: it deletes the undecodable entry the session replaced, if
// any, and sends EventCreated (created: the token was not in the store
// before) or EventSaved.
func (s *SessionManager) afterSave(ctx context.Context, sd *sessionData, created bool, key string) {
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

// sessionGone handles a save that found the session's key deleted from
// the store by another request: the session counts as destroyed, this
// request's changes are dropped, OnEvent hears of it, and the save returns
// ErrSessionGone.
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

// storeExpiry is the expiry a session is saved with: its deadline, or
// now+IdleTimeout if sooner.
func (s *SessionManager) storeExpiry(deadline time.Time) time.Time {
	if s.IdleTimeout > 0 {
		if ie := s.clock().Add(s.IdleTimeout).UTC(); ie.Before(deadline) {
			return ie
		}
	}
	return deadline
}

// Destroy deletes the session from the store and empties it. Later calls in
// the same request work on a new session with a new token and lifetime;
// LoadAndSave sends the client an expired cookie unless the new session is
// modified. Once the token is deleted, other requests that read the session
// earlier cannot write it back when the store implements UpdateStore: their
// saves are refused with ErrSessionGone, their RenewToken and MergeSession
// move nothing (see RenewToken), so a logout sticks.
func (s *SessionManager) Destroy(ctx context.Context) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	key, user := sd.key, sd.changes.user
	if sd.changes.stored != key {
		user = userOf(sd.values) // not stored: nothing is indexed under it
	}
	sd.mu.Unlock()
	if key != "" {
		if err := s.storeDelete(ctx, key); err != nil {
			return fmt.Errorf("scs: destroy session: %w", err)
		}
		if err := s.afterDelete(ctx, EventDestroyed, user, key); err != nil {
			return fmt.Errorf("scs: destroy session: %w", err)
		}
	}
	if err := s.dropMoves(ctx, sd); err != nil {
		return fmt.Errorf("scs: destroy session: %w", err)
	}
	if err := s.dropStale(ctx, sd); err != nil {
		return fmt.Errorf("scs: destroy session: %w", err)
	}
	s.dropUndecodable(ctx, sd)

	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.status = Destroyed
	sd.token, sd.key = "", ""
	sd.changes.forget()
	sd.deadline = s.clock().Add(s.Lifetime).UTC()
	clear(sd.values)
	return nil
}

// afterDelete runs after a session was deleted from the store under key by
// Destroy (kind EventDestroyed) or RenewToken (EventRenewed): it takes the
// key out of the index of user, the user the stored data named, and sends
// the event.
func (s *SessionManager) afterDelete(ctx context.Context, kind EventKind, user, key string) error {
	if err := s.unindex(ctx, user, key); err != nil {
		return err
	}
	s.emit(ctx, kind, key, nil)
	return nil
}

// RenewToken gives the session a new token and a new lifetime, keeping its
// data, and takes the old token out of use. Call it after any change of
// privilege, such as login and logout, to prevent session fixation.
//
// With a store that implements UpdateStore, the data moves to the new token
// only if no logout deletes the old one first (see Destroy and
// DestroyUser): RenewToken replaces the old token's data with an expired,
// empty session at once, and the session's next save deletes the old token
// after checking that it was not deleted meanwhile. If it was, by the time
// RenewToken runs or by the time of the save, the session is gone as after
// a refused save (see ErrSessionGone): its data is dropped, RenewToken or
// the save returns no error for it and sends no cookie, and a later Put
// starts a new session. With other stores the old token is deleted at once
// and the data always moves, as in SCS v2.
func (s *SessionManager) RenewToken(ctx context.Context) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	old, user := sd.key, sd.changes.user
	stored := old != "" && sd.changes.stored == old
	deadline := sd.deadline
	sd.mu.Unlock()
	up := s.store(ctx).update
	switch {
	case stored && up != nil && !s.sealing():
		found, err := s.vacate(ctx, up, old, user, s.storeExpiry(deadline))
		if err != nil {
			return fmt.Errorf("scs: renew token: %w", err)
		}
		if !found {
			s.sessionGone(ctx, sd, old)
			return nil
		}
		sd.mu.Lock()
		sd.moved = append(sd.moved, movedFrom{key: old, user: user, renewed: true})
		sd.mu.Unlock()
	case old != "":
		if !stored {
			user = ""
		}
		if err := s.storeDelete(ctx, old); err != nil {
			return fmt.Errorf("scs: renew token: %w", err)
		}
		if err := s.afterDelete(ctx, EventRenewed, user, old); err != nil {
			return fmt.Errorf("scs: renew token: %w", err)
		}
	}
	token, err := generateToken()
	if err != nil {
		return err
	}

	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.token, sd.key, sd.fresh = token, s.keyOf(token), true
	sd.changes.forget()
	sd.deadline = s.clock().Add(s.Lifetime).UTC()
	sd.status = Modified
	return nil
}

// MergeSession copies the data of the session with the given token into the
// session in ctx, keeps the later of the two deadlines, and deletes the other
// session from the store. Values in the other session win on equal keys. A
// token that is unknown, malformed or the session's own is ignored, and so is
// one whose stored data cannot be decoded (it is reported as
// EventUndecodable and left in the store).
//
// With a store that implements UpdateStore, the other session's data moves
// as RenewToken moves a session's: if a logout deletes the other session
// before this session's next save, the save deletes this session too and
// is refused with ErrSessionGone, so logged-out data never survives in it.
func (s *SessionManager) MergeSession(ctx context.Context, token string) error {
	sd := s.getSessionData(ctx)

	sd.mu.Lock()
	own := sd.token
	sd.mu.Unlock()
	if token == own || !cookieToken(token) {
		return nil
	}
	key := s.keyOf(token)
	b, found, err := s.storeFind(ctx, key)
	if err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	if !found {
		return nil
	}
	deadline, values, ok := s.decodeOrReport(ctx, key, b)
	if !ok || !s.live(deadline) {
		return nil
	}
	user := userOf(values)
	up := s.store(ctx).update
	if up != nil && !s.sealing() {
		found, err := s.vacate(ctx, up, key, user, s.storeExpiry(deadline))
		if err != nil {
			return fmt.Errorf("scs: merge session: %w", err)
		}
		if !found {
			return nil // logged out since the read: nothing to merge
		}
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
		sd.changes.put(k)
	}
	sd.status = Modified
	if up != nil {
		sd.moved = append(sd.moved, movedFrom{key: key, user: user})
	}
	sd.mu.Unlock()
	if up != nil {
		return nil
	}

	if err := s.storeDelete(ctx, key); err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	if err := s.unindex(ctx, user, key); err != nil {
		return fmt.Errorf("scs: merge session: %w", err)
	}
	return nil
}

// Iterate calls fn for every live session in the store, with a context that
// carries that session, so fn can read it with Get, change it and Commit, or
// Destroy it. It stops at the first error from fn and returns it. It returns
// ErrNotIterable when the store cannot list its sessions. With
// HashTokenInStore, Token returns the store key in fn; Destroy and Commit
// still reach the right session. Sessions whose data cannot be decoded are
// skipped and reported as EventUndecodable.
func (s *SessionManager) Iterate(ctx context.Context, fn func(context.Context) error) error {
	all, err := s.storeAll(ctx)
	if err != nil {
		return err
	}
	for key, b := range all {
		deadline, values, ok := s.decodeOrReport(ctx, key, b)
		if !ok || !s.live(deadline) {
			continue
		}
		sctx := s.newContext(ctx, deadline, key, values)
		sd := s.getSessionData(sctx)
		sd.key, sd.changes.stored, sd.changes.user = key, key, userOf(values)
		if err := fn(sctx); err != nil {
			return err
		}
	}
	return nil
}
