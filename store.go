package scs

import (
	"context"
	"fmt"
	"time"
)

// Store is the interface for session stores. Tokens given to a store are
// either the session token itself (43 base64url characters) or, with
// SessionManager.HashTokenInStore, its SHA-256 hash in the same alphabet.
//
// A Store must be safe for concurrent use by multiple goroutines.
type Store interface {
	// Delete removes the session token and its data from the store. If the
	// token does not exist Delete is a no-op and returns nil.
	Delete(token string) (err error)

	// Find returns the data for a session token. If the token is not found
	// or has expired, found is false and err is nil. Tampered or malformed
	// tokens also give found=false and a nil error: err is for system
	// errors only.
	Find(token string) (b []byte, found bool, err error)

	// Commit adds the session token and data to the store with the given
	// expiry time, overwriting the data and expiry of an existing token.
	Commit(token string, b []byte, expiry time.Time) (err error)
}

// IterableStore is a Store that can list its live sessions.
type IterableStore interface {
	// All returns the data of every session that has not expired, keyed by
	// token. With no live sessions it returns an empty, non-nil map.
	All() (map[string][]byte, error)
}

// CtxStore is a Store whose methods also take a context.Context. The
// SessionManager prefers these methods and passes the request's context, so a
// cancelled request stops its store I/O.
type CtxStore interface {
	Store

	// DeleteCtx is Store.Delete with a context.
	DeleteCtx(ctx context.Context, token string) (err error)

	// FindCtx is Store.Find with a context.
	FindCtx(ctx context.Context, token string) (b []byte, found bool, err error)

	// CommitCtx is Store.Commit with a context.
	CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) (err error)
}

// IterableCtxStore is an IterableStore whose All also takes a context.
type IterableCtxStore interface {
	// AllCtx is IterableStore.All with a context.
	AllCtx(ctx context.Context) (map[string][]byte, error)
}

// ExpiryStore is a Store that can return a session's stored expiry along
// with its data. With SessionManager.IdleRefreshInterval set, the manager
// uses it to skip saving sessions that a request did not change and whose
// idle expiry is still recent, so that an idle timeout does not cost a store
// write on every request.
type ExpiryStore interface {
	// FindExpiry is Store.Find that also returns the expiry the session was
	// committed with. found is false, and err nil, for a missing or expired
	// session.
	FindExpiry(token string) (b []byte, expiry time.Time, found bool, err error)
}

// ExpiryCtxStore is an ExpiryStore whose FindExpiry also takes a context.
type ExpiryCtxStore interface {
	// FindExpiryCtx is ExpiryStore.FindExpiry with a context.
	FindExpiryCtx(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error)
}

// CompareAndSwapStore is a Store that can replace a session's data only if
// it is still what the caller read. With SessionManager.MergeConcurrent set,
// the manager uses it to make its merge of concurrent changes atomic.
type CompareAndSwapStore interface {
	// CompareAndSwap commits b for token until expiry, like Commit, if and
	// only if the store holds exactly old for token (and it has not
	// expired). It reports whether it did; a missing token is not swapped.
	CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error)
}

// UpdateStore is a Store that can overwrite a session only while it exists.
// The SessionManager saves every session it read from the store through
// Update, so that once Destroy or RenewToken has deleted a token, no other
// request that read the session earlier can write it back: a logout (or
// the old token of a login) sticks. New sessions and renewed tokens are
// still inserted with Commit. With a store that lacks UpdateStore, as every
// store written for SCS v2 does, sessions are saved with Commit, which
// recreates a deleted token, as in SCS v2.
//
// Update must cost no more than Commit: one operation of the engine (a
// conditional UPDATE, SET ... XX, a transaction), never a read and a write
// that another client can come between.
type UpdateStore interface {
	// Update replaces the data and expiry of the session token with b and
	// expiry, like Commit, if and only if the store holds token and it has
	// not expired, and reports whether it did. It never creates token: a
	// missing or expired session gives found false and a nil error, and
	// stays missing. err is for system errors, including an ended ctx.
	Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error)
}

// storeKey returns the key under which the store holds token: the token
// itself, or its hash with HashTokenInStore. hashed says token is already a
// store key (sessions loaded by Iterate).
func (s *SessionManager) storeKey(token string, hashed bool) string {
	if s.HashTokenInStore && !hashed {
		return hashToken(token)
	}
	return token
}

func (s *SessionManager) storeFind(ctx context.Context, token string, hashed bool) ([]byte, bool, error) {
	key := s.storeKey(token, hashed)
	if cs, ok := s.Store.(CtxStore); ok {
		return cs.FindCtx(ctx, key)
	}
	return s.Store.Find(key)
}

// storeFindExpiry is storeFind that also returns the stored expiry when the
// manager needs it (IdleRefreshInterval) and the store can tell it; the
// expiry is zero otherwise.
func (s *SessionManager) storeFindExpiry(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	if s.IdleTimeout > 0 && s.IdleRefreshInterval > 0 {
		key := s.storeKey(token, false)
		switch st := s.Store.(type) {
		case ExpiryCtxStore:
			return st.FindExpiryCtx(ctx, key)
		case ExpiryStore:
			return st.FindExpiry(key)
		}
	}
	b, found, err := s.storeFind(ctx, token, false)
	return b, time.Time{}, found, err
}

func (s *SessionManager) storeCommit(ctx context.Context, token string, hashed bool, b []byte, expiry time.Time) error {
	key := s.storeKey(token, hashed)
	if cs, ok := s.Store.(CtxStore); ok {
		return cs.CommitCtx(ctx, key, b, expiry)
	}
	return s.Store.Commit(key, b, expiry)
}

func (s *SessionManager) storeDelete(ctx context.Context, token string, hashed bool) error {
	key := s.storeKey(token, hashed)
	if cs, ok := s.Store.(CtxStore); ok {
		return cs.DeleteCtx(ctx, key)
	}
	return s.Store.Delete(key)
}

func (s *SessionManager) storeAll(ctx context.Context) (map[string][]byte, error) {
	var all map[string][]byte
	var err error
	switch st := s.Store.(type) {
	case IterableCtxStore:
		all, err = st.AllCtx(ctx)
	case IterableStore:
		all, err = st.All()
	default:
		return nil, fmt.Errorf("%w: %T implements neither IterableStore nor IterableCtxStore", ErrNotIterable, s.Store)
	}
	if err != nil {
		return nil, fmt.Errorf("scs: list sessions: %w", err)
	}
	return all, nil
}
