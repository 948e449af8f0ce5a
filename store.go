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

// SealingStore is a Store that keeps a session's data in its token rather
// than on the server: the client carries it, as in a cookie-based session
// (cookiestore.CookieStore). With such a store every save makes a new token
// with Seal, and Load opens a token with Open instead of calling Find; Find
// and Commit are not called, and Delete (by Destroy and RenewToken) may do
// nothing. A token is not limited to 43 characters, and HashTokenInStore,
// MergeConcurrent, MergeSession and Iterate do not apply.
//
// The manager passes Seal and Open its Cookie.Name as name, whether the
// token travels in the cookie (LoadAndSave), in a header (LoadAndSaveHeader)
// or through Load and Commit, so that a store can bind a token to the
// cookie it was made for: a token sealed for one name must not open under
// another.
type SealingStore interface {
	Store

	// Seal returns a token that carries b until expiry, for the cookie
	// called name. Open(name, token) must return b and expiry until then.
	Seal(name string, b []byte, expiry time.Time) (token string, err error)

	// Open returns the data and expiry that Seal(name, ...) sealed in
	// token. found is false, and err nil, for an expired token, and for
	// any token that Seal did not make for name.
	Open(name, token string) (b []byte, expiry time.Time, found bool, err error)
}

// maxSealedToken bounds the tokens a SealingStore is asked to open: what a
// browser keeps in one cookie.
const maxSealedToken = 4096

// UserIndexStore is a Store that keeps, beside its sessions, an index from
// user IDs to the sessions of each user, so that SessionManager.UserSessions
// and DestroyUser cost in proportion to one user's sessions rather than to
// the whole store. The index lives in its own keys or table, never in the
// sessions' data, so the sessions stay readable by SCS v2. Tokens given to
// and returned by its methods are store keys, as for Store.
//
// The SessionManager adds an entry when it saves a session that has a user
// (see SetUser), with the session's expiry, and removes it when it destroys
// the session, renews its token or merges it into another.
type UserIndexStore interface {
	// AddUserSession records that the session token belongs to userID
	// until expiry, replacing the expiry of an entry already there.
	AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error

	// RemoveUserSessions removes tokens from userID's index. Tokens that
	// are not in it are ignored.
	RemoveUserSessions(ctx context.Context, userID string, tokens []string) error

	// UserSessions returns the tokens in userID's index whose expiry has
	// not passed, in no particular order; none (nil or empty) for an
	// unknown user. It may delete the entries that have expired.
	UserSessions(ctx context.Context, userID string) ([]string, error)
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
	if s.HashTokenInStore && !hashed && !s.sealing() {
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

func (s *SessionManager) storeFind(ctx context.Context, token string, hashed bool) ([]byte, bool, error) {
	key := s.storeKey(token, hashed)
	var b []byte
	var found bool
	var err error
	if cs, ok := s.Store.(CtxStore); ok {
		ctx, cancel := s.storeContext(ctx)
		defer cancel()
		b, found, err = cs.FindCtx(ctx, key)
	} else {
		b, found, err = s.Store.Find(key)
	}
	return b, found, s.storeFailed(ctx, key, err)
}

// storeFindExpiry is storeFind that also returns the stored expiry when the
// manager needs it (IdleRefreshInterval) and the store can tell it; the
// expiry is zero otherwise. A SealingStore's token is opened with Open
// (storeOpen), which always tells the expiry.
func (s *SessionManager) storeFindExpiry(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	if s.sealing() {
		return s.storeOpen(ctx, token)
	}
	if s.IdleTimeout > 0 && s.IdleRefreshInterval > 0 {
		key := s.storeKey(token, false)
		switch st := s.Store.(type) {
		case ExpiryCtxStore:
			ctx, cancel := s.storeContext(ctx)
			defer cancel()
			b, expiry, found, err := st.FindExpiryCtx(ctx, key)
			return b, expiry, found, s.storeFailed(ctx, key, err)
		case ExpiryStore:
			b, expiry, found, err := st.FindExpiry(key)
			return b, expiry, found, s.storeFailed(ctx, key, err)
		}
	}
	b, found, err := s.storeFind(ctx, token, false)
	return b, time.Time{}, found, err
}

func (s *SessionManager) storeCommit(ctx context.Context, token string, hashed bool, b []byte, expiry time.Time) error {
	key := s.storeKey(token, hashed)
	if cs, ok := s.Store.(CtxStore); ok {
		ctx, cancel := s.storeContext(ctx)
		defer cancel()
		return s.storeFailed(ctx, key, cs.CommitCtx(ctx, key, b, expiry))
	}
	return s.storeFailed(ctx, key, s.Store.Commit(key, b, expiry))
}

// storeCompareAndSwap is CompareAndSwapStore.CompareAndSwap for token,
// bounded by StoreTimeout.
func (s *SessionManager) storeCompareAndSwap(ctx context.Context, cas CompareAndSwapStore, token string, hashed bool, old, b []byte, expiry time.Time) (bool, error) {
	key := s.storeKey(token, hashed)
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	swapped, err := cas.CompareAndSwap(ctx, key, old, b, expiry)
	return swapped, s.storeFailed(ctx, key, err)
}

func (s *SessionManager) storeDelete(ctx context.Context, token string, hashed bool) error {
	key := s.storeKey(token, hashed)
	if cs, ok := s.Store.(CtxStore); ok {
		ctx, cancel := s.storeContext(ctx)
		defer cancel()
		return s.storeFailed(ctx, key, cs.DeleteCtx(ctx, key))
	}
	return s.storeFailed(ctx, key, s.Store.Delete(key))
}

func (s *SessionManager) storeAll(ctx context.Context) (map[string][]byte, error) {
	var all map[string][]byte
	var err error
	switch st := s.Store.(type) {
	case IterableCtxStore:
		ctx, cancel := s.storeContext(ctx)
		all, err = st.AllCtx(ctx)
		cancel()
	case IterableStore:
		all, err = st.All()
	default:
		return nil, fmt.Errorf("%w: %T implements neither IterableStore nor IterableCtxStore", ErrNotIterable, s.Store)
	}
	if err != nil {
		s.storeFailed(ctx, "", err)
		return nil, fmt.Errorf("scs: list sessions: %w", err)
	}
	return all, nil
}

// sealing reports whether the store keeps session data in the token.
func (s *SessionManager) sealing() bool {
	_, ok := s.Store.(SealingStore)
	return ok
}

// storeSeal is commit for a SealingStore: the token is the sealed data,
// bound to the cookie's name.
func (s *SessionManager) storeSeal(b []byte, expiry time.Time) (string, error) {
	return s.Store.(SealingStore).Seal(s.Cookie.Name, b, expiry)
}

// storeOpen is storeFindExpiry for a SealingStore: it opens token for the
// cookie's name and returns the data and expiry sealed in it.
func (s *SessionManager) storeOpen(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	b, expiry, found, err := s.Store.(SealingStore).Open(s.Cookie.Name, token)
	return b, expiry, found, s.storeFailed(ctx, token, err)
}

// storeUpdate is UpdateStore.Update for token, bounded by StoreTimeout.
func (s *SessionManager) storeUpdate(ctx context.Context, up UpdateStore, token string, hashed bool, b []byte, expiry time.Time) (bool, error) {
	key := s.storeKey(token, hashed)
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	found, err := up.Update(ctx, key, b, expiry)
	return found, s.storeFailed(ctx, key, err)
}
