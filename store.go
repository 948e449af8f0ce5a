package scs

import (
	"context"
	"time"

	"github.com/seed3bbca6c1/scs/internal/userindex"
)

// Store is the interface for session stores. Tokens given to a store are
// either the session token itself (43 base64url characters) or, with
// [SessionManager.HashTokenInStore], its SHA-256 hash in the same alphabet.
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

// [IterableStore] is a Store that can list its live sessions.
type IterableStore interface {
	// All returns the data of every session that has not expired, keyed by
	// token. With no live sessions it returns an empty, non-nil map.
	All() (map[string][]byte, error)
}

// [CtxStore] is a Store whose methods also take a context.Context. The
// SessionManager prefers these methods and passes the request's context, so a
// cancelled request stops its store I/O.
type CtxStore interface {
	Store

	// DeleteCtx is [Store.Delete] with a context.
	DeleteCtx(ctx context.Context, token string) (err error)

	// FindCtx is [Store.Find] with a context.
	FindCtx(ctx context.Context, token string) (b []byte, found bool, err error)

	// CommitCtx is [Store.Commit] with a context.
	CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) (err error)
}

// [IterableCtxStore] is an [IterableStore] whose All also takes a context.
type IterableCtxStore interface {
	// AllCtx is [IterableStore.All] with a context.
	AllCtx(ctx context.Context) (map[string][]byte, error)
}

// [ExpiryStore] is a Store that can return a session's stored expiry along
// with its data. With [SessionManager.IdleRefreshInterval] set, the manager
// uses it to skip saving sessions that a request did not change and whose
// idle expiry is still recent, so that an idle timeout does not cost a store
// write on every request.
type ExpiryStore interface {
	// FindExpiry is [Store.Find] that also returns the expiry the session was
	// committed with. found is false, and err nil, for a missing or expired
	// session. err is for system errors, including an ended ctx.
	FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error)
}

// [UserIndexStore] is a Store that keeps, beside its sessions, an index from
// user IDs to the sessions of each user, so that SessionManager's
// UserSessions, DestroyUser and the device calls (ListUserSessions,
// DestroyUserSession, DestroyOtherSessions) cost in proportion to one
// user's sessions rather than to the whole store. The index lives in its
// own keys or table, never in the sessions' data, so the sessions stay
// readable by SCS v2. Tokens given to and returned by its methods are store
// keys, as for Store.
//
// The SessionManager adds an entry when it saves a session that has a user
// (see SetUser), with the session's expiry, the time it got its user, the
// time of the save and its label, and removes it when it destroys the
// session, renews its token or merges it into another.
type UserIndexStore interface {
	// AddUserSession records entry, for the session entry.Token of
	// userID, replacing the entry of that token if there is one.
	AddUserSession(ctx context.Context, userID string, entry UserIndexEntry) error

	// RemoveUserSessions removes tokens from userID's index. Tokens that
	// are not in it are ignored.
	RemoveUserSessions(ctx context.Context, userID string, tokens []string) error

	// UserSessions returns the entries in userID's index whose expiry has
	// not passed, in no particular order; none (nil or empty) for an
	// unknown user. It may delete the entries that have expired.
	UserSessions(ctx context.Context, userID string) ([]UserIndexEntry, error)
}

// [UserIndexEntry] is one session in a [UserIndexStore]'s index of a user's
// sessions: its store key (Token), its Expiry, when it got its user
// (Created, the login), when it was last saved (LastActive: its last
// request, to within [SessionManager.IdleRefreshInterval]) and the
// application's Label for it (SetUserLabel; "" for none). A store keeps the
// times to the millisecond at least, and the label as given (at most
// [MaxUserLabel] bytes, any bytes). It is defined in an internal package so
// that memstore, which this package imports, can use it too.
type UserIndexEntry = userindex.Entry

// [MaxUserLabel] is the longest label SetUserLabel keeps, in bytes.
const MaxUserLabel = 200

// [UpdateStore] is a Store with conditional writes: a write that happens only
// while the session exists (Update), and one that happens only while the
// session is unchanged (CompareAndSwap).
//
// The SessionManager saves every session it read from the store through
// Update, so that once Destroy, DestroyUser or RenewToken has deleted a
// token, no other request that read the session earlier can write it back,
// and it moves a session to a new token (RenewToken, MergeSession) only
// after Update has confirmed that no logout deleted the old one: a logout
// sticks. New sessions are still inserted with Commit. With
// [SessionManager.MergeConcurrent] set, it merges concurrent changes with
// CompareAndSwap, atomically across processes.
//
// With a store that lacks [UpdateStore], as every store written for SCS v2
// does, sessions are saved with Commit, which recreates a deleted token, as
// in SCS v2; the manager says so once, at first use ([EventWeakStore]). A
// store that wraps another keeps the capability with [WrapStore] or an
// Unwrap method (see [StoreAs]).
//
// Each method must cost no more than Commit: one operation of the engine (a
// conditional UPDATE, SET ... XX, a transaction), never a read and a write
// that another client can come between.
type UpdateStore interface {
	// Update replaces the data and expiry of the session token with b and
	// expiry, like Commit, if and only if the store holds token and it has
	// not expired, and reports whether it did. It never creates token: a
	// missing or expired session gives found false and a nil error, and
	// stays missing. err is for system errors, including an ended ctx.
	Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error)

	// CompareAndSwap commits b for token until expiry, like Commit, if and
	// only if the store holds exactly old for token (and it has not
	// expired). It reports whether it did; a missing token is not swapped.
	CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error)
}
