package scs

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"
)

// storeAdapter is a manager's view of its Store (or [Sealer]): the optional
// capabilities, found once with [StoreAs] when the manager first uses a store
// rather than on every call, so that a request makes no type assertion on
// the store. This file also holds what every store call shares: the key a
// token is stored under, the StoreTimeout bound, and the store-error event.
type storeAdapter struct {
	store  Store  // SessionManager.Store when resolved
	sealer Sealer // SessionManager.Sealer when resolved
	fixed  bool   // store and sealer can be compared: a change is seen

	ctx     CtxStore
	iter    IterableStore
	iterCtx IterableCtxStore
	expiry  ExpiryStore
	update  UpdateStore
	index   UserIndexStore
}

// resolvedStore holds a manager's storeAdapter; copies of the manager share
// it, and a manager not made by New has none (it resolves on every call).
type resolvedStore struct {
	adapter atomic.Pointer[storeAdapter]
	warned  atomic.Bool // EventWeakStore was sent
}

// store returns the adapter for the manager's current Store and [Sealer],
// resolving it when they changed since the last call.
func (s *SessionManager) store(ctx context.Context) *storeAdapter {
	if s.resolved != nil {
		if a := s.resolved.adapter.Load(); a != nil && a.fixed && a.store == s.Store && a.sealer == s.Sealer {
			return a
		}
	}
	a := s.resolve()
	if s.resolved != nil {
		s.resolved.adapter.Store(a)
		if a.update == nil && a.sealer == nil && !s.resolved.warned.Swap(true) {
			s.warnWeak(ctx, a)
		}
	}
	return a
}

// resolve finds the capabilities of the manager's Store and [Sealer].
func (s *SessionManager) resolve() *storeAdapter {
	a := &storeAdapter{store: s.Store, sealer: s.Sealer}
	a.fixed = canCompare(s.Store) && canCompare(s.Sealer)
	if s.Sealer != nil || s.Store == nil {
		return a
	}
	a.ctx, _ = StoreAs[CtxStore](s.Store)
	a.iter, _ = StoreAs[IterableStore](s.Store)
	a.iterCtx, _ = StoreAs[IterableCtxStore](s.Store)
	a.expiry, _ = StoreAs[ExpiryStore](s.Store)
	a.update, _ = StoreAs[UpdateStore](s.Store)
	a.index, _ = StoreAs[UserIndexStore](s.Store)
	return a
}

// canCompare reports whether v can be compared with == without a panic.
func canCompare(v any) bool {
	return v == nil || reflect.TypeOf(v).Comparable()
}

// warnWeak says, once per manager, that its store cannot make a logout
// stick: through OnEvent ([EventWeakStore]) and the log.
func (s *SessionManager) warnWeak(ctx context.Context, a *storeAdapter) {
	err := fmt.Errorf("%w: %T implements no UpdateStore (nor does a store it wraps, see StoreAs): a request in flight can write a destroyed session back, as in SCS v2, and MergeConcurrent is not atomic across processes; a wrapper keeps its store's capabilities with WrapStore or an Unwrap method", ErrWeakStore, a.store)
	s.emit(ctx, EventWeakStore, "", err)
	slog.WarnContext(ctx, "scs: the store cannot make a logout stick", "err", err)
}

// sealing reports whether the manager keeps session data in the token.
func (s *SessionManager) sealing() bool {
	return s.Sealer != nil
}

// keyOf returns the key under which the store holds token: the token
// itself, or its hash with HashTokenInStore. A session knows its key
// (sessionData.key), so only a token from a client goes through keyOf.
func (s *SessionManager) keyOf(token string) string {
	if s.HashTokenInStore && token != "" && !s.sealing() {
		return hashToken(token)
	}
	return token
}

// storeContext returns ctx bounded by StoreTimeout, for one store call, and
// the function that releases it.
func (s *SessionManager) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.StoreTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.StoreTimeout)
}

// storeFailed sends [EventStoreError] for an error of a store operation on
// the store key (or on no one session, key ""), and returns err as it is.
func (s *SessionManager) storeFailed(ctx context.Context, key string, err error) error {
	if err != nil {
		s.emit(ctx, EventStoreError, key, err)
	}
	return err
}

func (s *SessionManager) storeFind(ctx context.Context, key string) ([]byte, bool, error) {
	a := s.store(ctx)
	var b []byte
	var found bool
	var err error
	if a.ctx != nil {
		sctx, cancel := s.storeContext(ctx)
		b, found, err = a.ctx.FindCtx(sctx, key)
		cancel()
	} else {
		b, found, err = a.store.Find(key)
	}
	return b, found, s.storeFailed(ctx, key, err)
}

// storeFindExpiry is storeFind that also returns the stored expiry when the
// manager needs it (IdleRefreshInterval) and the store can tell it; the
// expiry is zero otherwise. A [Sealer]'s token is opened with Open, which
// always tells the expiry.
func (s *SessionManager) storeFindExpiry(ctx context.Context, token, key string) ([]byte, time.Time, bool, error) {
	a := s.store(ctx)
	if a.sealer != nil {
		b, expiry, found, err := a.sealer.Open(s.Cookie.Name, token)
		return b, expiry, found, s.storeFailed(ctx, token, err)
	}
	if a.expiry != nil && s.IdleTimeout > 0 && s.IdleRefreshInterval > 0 {
		sctx, cancel := s.storeContext(ctx)
		defer cancel()
		b, expiry, found, err := a.expiry.FindExpiry(sctx, key)
		return b, expiry, found, s.storeFailed(ctx, key, err)
	}
	b, found, err := s.storeFind(ctx, key)
	return b, time.Time{}, found, err
}

func (s *SessionManager) storeCommit(ctx context.Context, key string, b []byte, expiry time.Time) error {
	a := s.store(ctx)
	if a.ctx != nil {
		sctx, cancel := s.storeContext(ctx)
		defer cancel()
		return s.storeFailed(ctx, key, a.ctx.CommitCtx(sctx, key, b, expiry))
	}
	return s.storeFailed(ctx, key, a.store.Commit(key, b, expiry))
}

// storeSeal is commit for a [Sealer]: the token is the sealed data, bound to
// the cookie's name.
func (s *SessionManager) storeSeal(b []byte, expiry time.Time) (string, error) {
	return s.Sealer.Seal(s.Cookie.Name, b, expiry)
}

// storeUpdate is [UpdateStore.Update] for key, bounded by StoreTimeout.
func (s *SessionManager) storeUpdate(ctx context.Context, up UpdateStore, key string, b []byte, expiry time.Time) (bool, error) {
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	found, err := up.Update(sctx, key, b, expiry)
	return found, s.storeFailed(ctx, key, err)
}

// storeCompareAndSwap is [UpdateStore.CompareAndSwap] for key, bounded by
// StoreTimeout.
func (s *SessionManager) storeCompareAndSwap(ctx context.Context, up UpdateStore, key string, old, b []byte, expiry time.Time) (bool, error) {
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	swapped, err := up.CompareAndSwap(sctx, key, old, b, expiry)
	return swapped, s.storeFailed(ctx, key, err)
}

func (s *SessionManager) storeDelete(ctx context.Context, key string) error {
	a := s.store(ctx)
	if a.sealer != nil {
		return nil // nothing on the server to delete
	}
	if a.ctx != nil {
		sctx, cancel := s.storeContext(ctx)
		defer cancel()
		return s.storeFailed(ctx, key, a.ctx.DeleteCtx(sctx, key))
	}
	return s.storeFailed(ctx, key, a.store.Delete(key))
}

func (s *SessionManager) storeAll(ctx context.Context) (map[string][]byte, error) {
	a := s.store(ctx)
	var all map[string][]byte
	var err error
	switch {
	case a.iterCtx != nil:
		sctx, cancel := s.storeContext(ctx)
		all, err = a.iterCtx.AllCtx(sctx)
		cancel()
	case a.iter != nil:
		all, err = a.iter.All()
	default:
		return nil, fmt.Errorf("%w: %T implements neither IterableStore nor IterableCtxStore", ErrNotIterable, s.Store)
	}
	if err != nil {
		s.storeFailed(ctx, "", err)
		return nil, fmt.Errorf("scs: list sessions: %w", err)
	}
	return all, nil
}

// index records in the index of u's user that the store key belongs to
// the user until expiry, saved now, with u's start and label, when there is
// a user and the store keeps an index. The call is bounded by StoreTimeout.
func (s *SessionManager) index(ctx context.Context, u userMeta, key string, expiry time.Time) error {
	ix := s.store(ctx).index
	if ix == nil || u.id == "" {
		return nil
	}
	entry := UserIndexEntry{Token: key, Expiry: expiry, Created: u.created, LastActive: s.clock(), Label: u.label}
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	if err := s.storeFailed(ctx, key, ix.AddUserSession(sctx, u.id, entry)); err != nil {
		return fmt.Errorf("index its user: %w", err)
	}
	return nil
}

// unindex removes the store keys from user's index, when there is a user
// and the store keeps an index. The call is bounded by StoreTimeout.
func (s *SessionManager) unindex(ctx context.Context, user string, keys ...string) error {
	ix := s.store(ctx).index
	if ix == nil || user == "" || len(keys) == 0 {
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

// indexed returns the entries in user's index, bounded by StoreTimeout;
// ok is false when the store keeps no index.
func (s *SessionManager) indexed(ctx context.Context, user string) (entries []UserIndexEntry, ok bool, err error) {
	ix := s.store(ctx).index
	if ix == nil {
		return nil, false, nil
	}
	sctx, cancel := s.storeContext(ctx)
	defer cancel()
	entries, err = ix.UserSessions(sctx, user)
	if err != nil {
		s.storeFailed(ctx, "", err)
		return nil, true, fmt.Errorf("scs: list user sessions: %w", err)
	}
	return entries, true, nil
}
