package scs

import (
	"context"
	"fmt"
	"time"
)

// Load returns a copy of ctx that carries the session for token, read from
// the store, or a new empty session when token is empty, malformed, unknown
// or expired, or when its stored data cannot be decoded (see
// [EventUndecodable]). When ctx already carries this manager's session it is
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
		return s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", "", nil), nil
	}
	key := s.keyOf(token) // hashed once per request, with HashTokenInStore
	b, stored, found, err := s.storeFindExpiry(ctx, token, key)
	if err != nil {
		return nil, fmt.Errorf("scs: load session: %w", err)
	}
	if !found {
		return s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", "", nil), nil
	}
	deadline, values, err := s.Codec.Decode(b)
	if err != nil {
		return s.loadUndecodable(ctx, key, err), nil
	}
	if !s.live(deadline) {
		// Past its deadline: a tombstone (see move.go), or data that the
		// store keeps a little longer than it should.
		l := s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", "", nil)
		l.sd.stale = key
		return l, nil
	}
	l := s.newLoaded(ctx, deadline, token, key, values)
	s.emit(ctx, EventLoaded, key, nil)
	if !s.sealing() {
		l.sd.changes.stored, l.sd.changes.user = l.sd.key, userOf(values)
	}
	if s.IdleTimeout > 0 && s.idleRefreshDue(deadline, stored) {
		l.sd.status = Modified // saving extends the idle expiry
	}
	return l, nil
}

// acceptToken reports whether token is worth a store look-up (see
// cookieToken), or, with a [Sealer], worth opening: one no longer than a
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
// Commit. A session read from the store is saved with [UpdateStore.Update]
// when the store has it, which never recreates a deleted token: when
// another request has destroyed the session or renewed its token since this
// one read it, Commit returns [ErrSessionGone], drops this request's changes
// and leaves the session destroyed. Stores without [UpdateStore] are written
// with Commit, as in SCS v2, and bring such a token back. With
// MergeConcurrent, see the field's documentation.
func (s *SessionManager) Commit(ctx context.Context) (string, time.Time, error) {
	return s.commit(ctx, s.getSessionData(ctx))
}

// Destroy deletes the session from the store and empties it. Later calls in
// the same request work on a new session with a new token and lifetime;
// LoadAndSave sends the client an expired cookie unless the new session is
// modified. Once the token is deleted, other requests that read the session
// earlier cannot write it back when the store implements [UpdateStore]: their
// saves are refused with [ErrSessionGone], their RenewToken and MergeSession
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
// Destroy (kind [EventDestroyed]) or RenewToken ([EventRenewed]): it takes the
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
// With a store that implements [UpdateStore], the data moves to the new token
// only if no logout deletes the old one first (see Destroy and
// DestroyUser): RenewToken replaces the old token's data with an expired,
// empty session at once, and the session's next save deletes the old token
// after checking that it was not deleted meanwhile. If it was, by the time
// RenewToken runs or by the time of the save, the session is gone as after
// a refused save (see [ErrSessionGone]): its data is dropped, RenewToken or
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
// [EventUndecodable] and left in the store).
//
// With a store that implements [UpdateStore], the other session's data moves
// as RenewToken moves a session's: if a logout deletes the other session
// before this session's next save, the save deletes this session too and
// is refused with [ErrSessionGone], so logged-out data never survives in it.
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
// [ErrNotIterable] when the store cannot list its sessions. With
// HashTokenInStore, Token returns the store key in fn; Destroy and Commit
// still reach the right session. Sessions whose data cannot be decoded are
// skipped and reported as [EventUndecodable].
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
		sctx := s.newContext(ctx, deadline, key, key, values)
		sd := s.getSessionData(sctx)
		sd.changes.stored, sd.changes.user = key, userOf(values)
		if err := fn(sctx); err != nil {
			return err
		}
	}
	return nil
}
