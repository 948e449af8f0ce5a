// Package scs manages HTTP sessions: it loads and saves session data through
// middleware, keeps the data in a pluggable store, and sends the session token
// to the client in a cookie.
//
// It is a drop-in replacement for github.com/alexedwards/scs/v2: the same API,
// defaults, payload encoding and store layouts, so an application switches by
// changing its import paths and keeps its users' sessions.
package scs

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// Session is an alias of SessionManager, kept for SCS v1 style code.
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
	// after its last use. It needs a store that implements ExpiryStore or
	// ExpiryCtxStore (memstore does); with other stores, and with the
	// default of zero, every request saves the session, as in SCS v2.
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
	// CompareAndSwapStore (memstore and every store module of this
	// repository do) makes each merge atomic: a save that lost to another
	// process merges again after a short, jittered backoff, until
	// MergeTimeout has passed or the request's context ends; only then does
	// Commit return ErrConflict. With a store that lacks CompareAndSwapStore
	// a window of one read and write remains. When the re-read finds the
	// session gone (destroyed or renewed by another request) and the store
	// implements UpdateStore, the save is refused with ErrSessionGone, as
	// without MergeConcurrent; see Commit.
	MergeConcurrent bool

	// MergeTimeout bounds how long a save with MergeConcurrent keeps
	// retrying, including its wait for other requests of the same session
	// in this manager, before Commit returns ErrConflict. The request's
	// context bounds it too. The default is 5 seconds; zero or less makes
	// one attempt, without waiting.
	MergeTimeout time.Duration

	// Store holds the session data. The default is an in-memory
	// memstore.MemStore with a cleanup goroutine every minute.
	Store Store

	// Cookie configures the session cookie.
	Cookie SessionCookie

	// Codec encodes session data for the store. The default is GobCodec.
	Codec Codec

	// ErrorFunc is called by LoadAndSave when loading or saving fails. The
	// default logs the error and answers 500 Internal Server Error.
	ErrorFunc func(http.ResponseWriter, *http.Request, error)

	// OnEvent, when set, is called with every lifecycle event of every
	// session: created, loaded, saved, renewed, destroyed, refused tokens,
	// undecodable data, store errors, merge conflicts and refused saves.
	// The default, nil, sends none and costs nothing. It is called on the
	// request's goroutine with the request's context, so it must be quick
	// and safe for concurrent use; it never sees a raw token (see Event.ID).
	OnEvent func(ctx context.Context, e Event)

	// HashTokenInStore makes the store key the SHA-256 hash of the token
	// (base64url, no padding) rather than the token itself, so that a leak
	// of the store does not leak usable tokens. The default is false.
	HashTokenInStore bool

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

// SessionCookie configures the session cookie. The zero value is a
// non-persistent cookie with no attributes; New sets the defaults listed on
// each field.
type SessionCookie struct {
	// Name is the cookie's name. The default is "session". It must be a
	// valid cookie name and differ between managers serving one request.
	Name string

	// Domain is the cookie's Domain attribute. The default is empty: the
	// cookie is sent only to the host that set it.
	Domain string

	// HttpOnly sets the HttpOnly attribute. The default is true.
	HttpOnly bool

	// Path is the cookie's Path attribute. The default is "/".
	Path string

	// SameSite is the cookie's SameSite attribute. The default is
	// http.SameSiteLaxMode.
	SameSite http.SameSite

	// Secure sets the Secure attribute (send over HTTPS only). The default
	// is false.
	Secure bool

	// Partitioned sets the Partitioned attribute (CHIPS). The default is
	// false.
	Partitioned bool

	// Persist makes the cookie outlive the browser session, with Expires
	// and Max-Age set to the session's expiry. The default is true. When
	// false the cookie persists only after RememberMe(ctx, true).
	Persist bool
}

// New returns a SessionManager with the defaults: Lifetime 24h, no idle
// timeout, a memstore store, GobCodec, and a persistent, HttpOnly, SameSite=Lax
// cookie named "session" with Path "/".
func New() *SessionManager {
	return &SessionManager{
		IdleTimeout:         0,
		IdleRefreshInterval: 0,
		MergeConcurrent:     false,
		MergeTimeout:        5 * time.Second,
		Lifetime:            24 * time.Hour,
		Store:               memstore.New(),
		Codec:               GobCodec{},
		ErrorFunc:           defaultErrorFunc,
		contextKey:          new(contextKey),
		locks:               new(sessionLocks),
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
}

// NewSession returns New().
//
// Deprecated: use New.
func NewSession() *SessionManager {
	return New()
}

// LoadAndSave is middleware that loads the session named by the request's
// cookie (or starts a new one), passes it to next in the request's context,
// and saves it when the handler has changed it. The Set-Cookie header is
// written before the first byte or status of the response leaves, so the
// client's cookie and the store agree. A cookie value that cannot be a token
// starts a new session without a store look-up.
func (s *SessionManager) LoadAndSave(next http.Handler) http.Handler {
	return s.loadAndSave(next, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in a request header instead of a cookie, such as API and mobile clients.
// It reads the token from the request header called name, and when the
// session is saved it sets the response header of that name to the token:
// the client sends it back on its next request. After Destroy the response
// header is present and empty. No cookie is read or written, and Vary names
// the header.
func (s *SessionManager) LoadAndSaveHeader(name string, next http.Handler) http.Handler {
	return s.loadAndSave(next, http.CanonicalHeaderKey(name))
}

// loadAndSave is LoadAndSave with the token in a cookie (header == "") or in
// the named header.
func (s *SessionManager) loadAndSave(next http.Handler, header string) http.Handler {
	vary := "Cookie"
	if header != "" {
		vary = header
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, ok := ctx.Value(s.contextKey).(*sessionData); ok {
			w.Header().Add("Vary", vary)
			next.ServeHTTP(w, r) // an outer LoadAndSave of this manager saves it
			return
		}
		var token string
		if header == "" {
			token = cookieValue(r, s.Cookie.Name)
		} else if v := r.Header[header]; len(v) > 0 {
			token = v[0]
		}
		l, err := s.load(ctx, token)
		if err != nil {
			w.Header().Add("Vary", vary)
			s.ErrorFunc(w, r, err)
			return
		}
		sr := r.WithContext(&l.ctx)
		l.w = responseWriter{ResponseWriter: w, request: sr, manager: s, sd: &l.sd, header: header}
		l.w.values.add(w.Header(), slotVary, "Vary", vary)
		next.ServeHTTP(&l.w, sr)
		l.w.commit()
	})
}

// commitAndWriteToken saves a modified session and sends its token to the
// client, in the session cookie or, when header is set, in that response
// header; for a destroyed session it sends an expired cookie or an empty
// header. A session whose save found it destroyed or renewed by another
// request (ErrSessionGone) gets no cookie or header at all: clearing the
// cookie could delete the one that request has just sent. It reports
// whether it succeeded; on failure it has called ErrorFunc.
func (s *SessionManager) commitAndWriteToken(w http.ResponseWriter, r *http.Request, sd *sessionData, header string, hv *headerValues) bool {
	sd.mu.Lock()
	status, gone := sd.status, sd.changes.gone
	sd.mu.Unlock()
	var token string
	var expiry time.Time
	switch status {
	case Modified:
		var err error
		if token, expiry, err = s.commit(r.Context(), sd); errors.Is(err, ErrSessionGone) {
			return true
		} else if err != nil {
			s.ErrorFunc(w, r, err)
			return false
		}
	case Destroyed:
		if gone {
			return true
		}
	default:
		return true
	}
	if header != "" {
		w.Header()[header] = []string{token}
		return true
	}
	s.writeCookie(sd, w, token, expiry, hv)
	return true
}

// WriteSessionCookie adds the session cookie for token to w's headers, with
// Cache-Control: no-cache="Set-Cookie" so that caches do not store it. A
// zero expiry writes an expired cookie, which deletes the client's copy. The
// cookie carries Expires and Max-Age when Cookie.Persist is set or the
// session asked for RememberMe.
func (s *SessionManager) WriteSessionCookie(ctx context.Context, w http.ResponseWriter, token string, expiry time.Time) {
	sd, _ := ctx.Value(s.contextKey).(*sessionData)
	s.writeCookie(sd, w, token, expiry, nil)
}

// writeCookie is WriteSessionCookie for session data already looked up;
// sd and hv may be nil.
func (s *SessionManager) writeCookie(sd *sessionData, w http.ResponseWriter, token string, expiry time.Time, hv *headerValues) {
	persist := s.Cookie.Persist
	if !persist && !expiry.IsZero() && sd != nil {
		sd.mu.Lock()
		persist, _ = sd.values[rememberMeKey].(bool)
		sd.mu.Unlock()
	}
	h := w.Header()
	hv.add(h, slotSetCookie, "Set-Cookie", s.Cookie.setCookie(token, expiry, persist, s.clock()))
	hv.add(h, slotCacheControl, "Cache-Control", `no-cache="Set-Cookie"`)
}

func (s *SessionManager) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

func defaultErrorFunc(w http.ResponseWriter, r *http.Request, err error) {
	log.Output(2, err.Error())
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
