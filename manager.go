package scs

import (
	"context"
	"net/http"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// Session is an alias of SessionManager, kept for SCS v1 style code.
//
// Deprecated: use SessionManager.
type Session = SessionManager

// SessionManager holds the configuration of a session and its store. Create
// one with New, which writes every default out, then change the exported
// fields before serving requests. A SessionManager is safe for concurrent use;
// its fields must not change while it serves requests.
type SessionManager struct {
	// IdleTimeout is how long a session may go unused before it expires.
	// Every request that loads the session extends it. Zero (the default)
	// means no idle timeout.
	IdleTimeout time.Duration

	// IdleRefreshInterval, with IdleTimeout, lets a request that does not
	// change the session skip saving it while its stored expiry is less
	// than IdleRefreshInterval behind what saving would set: a session is
	// then written at most once per IdleRefreshInterval just to stay alive,
	// and may expire up to IdleRefreshInterval earlier than IdleTimeout
	// after its last use. It needs a store that implements [ExpiryStore]
	// (memstore and every store module of this repository do), or a [Sealer]
	// (cookiestore), whose Open tells the expiry;
	// with other stores, and with the default of zero, every request saves
	// the session, as in SCS v2.
	//
	// About a tenth of IdleTimeout is a good value (a minute for a
	// 10-minute idle timeout, 3 minutes for 30): an active user's session
	// is then written at most once per interval instead of on every
	// request, while a session can expire at most 10% before the idle
	// timeout it was given. Much larger values save few more writes and
	// cut visibly into the idle timeout.
	IdleRefreshInterval time.Duration

	// Lifetime is the absolute maximum length of a session, however active.
	// The default is 24 hours.
	Lifetime time.Duration

	// MergeConcurrent makes concurrent requests of one session keep each
	// other's changes. Without it (the default, as in SCS v2) each request
	// saves the whole session as it loaded and changed it, so the last one
	// to finish overwrites what the others changed meanwhile; with an idle
	// timeout even a request that only reads does so. With it, saving
	// re-reads the session and applies only this request's changes (the
	// keys it put, popped or removed, a Clear, a new deadline) to what the
	// store holds now. That costs one more store read per save of an
	// existing session.
	//
	// Within one SessionManager the saves of one session take turns (a
	// lock per session, held only across that session's re-read and
	// write). Across processes sharing a store, a store that implements
	// [UpdateStore] (memstore and every store module of this repository do)
	// makes each merge atomic with its CompareAndSwap: a save that lost to
	// another process merges again after a short, jittered backoff, until
	// MergeTimeout has passed or the request's context ends; only then does
	// Commit return [ErrConflict]. With a store that lacks [UpdateStore] a
	// window of one read and write remains. When the re-read finds the
	// session gone (destroyed or renewed by another request) and the store
	// implements [UpdateStore], the save is refused with [ErrSessionGone], as
	// without MergeConcurrent; see Commit.
	MergeConcurrent bool

	// MaxUserSessions caps the sessions of one user (see SetUser): when a
	// session is saved with a new user (a login), that user's oldest
	// sessions beyond MaxUserSessions end, as with DestroyUserSession. The
	// default, zero, sets no cap. It needs a store that implements
	// [UserIndexStore], or one that can list its sessions (then every login
	// reads the whole store).
	MaxUserSessions int

	// MergeTimeout bounds how long a save with MergeConcurrent keeps
	// retrying, including its wait for other requests of the same session
	// in this manager, before Commit returns [ErrConflict]. The request's
	// context bounds it too. The default is 5 seconds; zero or less makes
	// one attempt, without waiting.
	MergeTimeout time.Duration

	// Store holds the session data. The default is an in-memory
	// memstore.MemStore with a cleanup goroutine every minute.
	//
	// The manager finds the store's optional capabilities ([CtxStore],
	// [IterableStore], [IterableCtxStore], [ExpiryStore], [UpdateStore],
	// [UserIndexStore]) with [StoreAs] when it first uses it, and again only
	// when Store changes. A store without [UpdateStore] cannot make a logout
	// stick; the manager says so once, at first use ([EventWeakStore]).
	Store Store

	// [Sealer], when set, keeps each session's data in its token instead of
	// the Store, which is then not used: see [Sealer] and the cookiestore
	// package. The default, nil, uses the Store.
	Sealer Sealer

	// StoreTimeout bounds each call to the store: the context passed to a
	// context-aware store method ([CtxStore], [IterableCtxStore], [ExpiryStore],
	// [UpdateStore], [UserIndexStore]) gets a deadline StoreTimeout
	// away, or the request's own if sooner. Zero (the default) adds none,
	// as in SCS v2. Store methods without a context cannot be bounded.
	//
	// Without it, a store that stops answering (a frozen server, a full
	// connection pool) holds every request until the request or the
	// driver's own timeouts give up; with it, such requests fail after
	// StoreTimeout and answer through ErrorFunc (500 by default). Set it a
	// little above the slowest store call you expect, such as a second for
	// Redis or a few seconds for SQL, and set the driver's own dial and read
	// timeouts too (see the README).
	StoreTimeout time.Duration

	// Cookie configures the session cookie.
	Cookie SessionCookie

	// Codec encodes session data for the store. The default is [GobCodec].
	Codec Codec

	// ErrorFunc is called by LoadAndSave when loading or saving fails. The
	// default logs the error through log/slog's default logger, with the
	// session's [Event.ID] as the attribute "session" (never its token), and
	// answers 500 Internal Server Error.
	ErrorFunc func(http.ResponseWriter, *http.Request, error)

	// OnEvent, when set, is called with every lifecycle event of every
	// session: created, loaded, saved, renewed, destroyed, refused tokens,
	// undecodable data, store errors, merge conflicts and refused saves.
	// The default, nil, sends none and costs nothing. It is called on the
	// request's goroutine with the request's context, so it must be quick
	// and safe for concurrent use; it never sees a raw token (see [Event.ID]).
	OnEvent func(ctx context.Context, e Event)

	// HashTokenInStore makes the store key the SHA-256 hash of the token
	// (base64url, no padding) rather than the token itself, so that a leak
	// of the store does not leak usable tokens. The default is false.
	HashTokenInStore bool

	// resolved holds the store's capabilities, found at first use (see
	// adapter.go); copies of the manager share it. nil, in a manager not
	// made by New, finds them on every call.
	resolved *resolvedStore

	// contextKey is this manager's key for its session data in a request's
	// context; copies of the manager share it.
	contextKey *contextKey

	// locks serialises the merged saves of each session within this
	// manager (MergeConcurrent); copies of the manager share it. nil, in a
	// manager not made by New, serialises nothing.
	locks *sessionLocks

	// now is the clock; nil means time.Now. Tests set it.
	now func() time.Time
}

// New returns a SessionManager with the defaults: Lifetime 24h, no idle
// timeout, a memstore store, [GobCodec], and a persistent, HttpOnly, SameSite=Lax
// cookie named "session" with Path "/".
func New() *SessionManager {
	s := &SessionManager{
		IdleTimeout:         0,
		IdleRefreshInterval: 0,
		MergeConcurrent:     false,
		MergeTimeout:        5 * time.Second,
		Lifetime:            24 * time.Hour,
		Store:               memstore.New(),
		StoreTimeout:        0,
		Codec:               GobCodec{},
		contextKey:          new(contextKey),
		locks:               new(sessionLocks),
		resolved:            new(resolvedStore),
		Cookie: SessionCookie{
			Name:        "session",
			Domain:      "",
			HttpOnly:    true,
			Path:        "/",
			SameSite:    http.SameSiteLaxMode,
			Secure:      false,
			Partitioned: false,
			Persist:     true,
		},
	}
	s.ErrorFunc = s.defaultErrorFunc
	return s
}

// NewSession returns New().
//
// Deprecated: use New.
func NewSession() *SessionManager {
	return New()
}
