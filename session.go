package scs

import (
	"context"
	"errors"
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

// [SessionCookie] configures the session cookie. The zero value is a
// non-persistent cookie with no attributes and no name, which LoadAndSave
// refuses; New sets the defaults listed on each field.
//
// LoadAndSave checks the settings when it is called (see [SessionCookie.Valid])
// and panics, with a message starting "scs: ", on any that browsers would
// silently drop: an
// invalid Name, Path or Domain, a __Host- name without Secure, with a Path
// other than "/" or with a Domain, a __Secure- name without Secure, and
// SameSite=None or Partitioned without Secure. It never changes them.
type SessionCookie struct {
	// Name is the cookie's name. The default is "session".
	//
	// It must be a valid cookie name: letters, digits and
	// !#$%&'*+-.^_`|~ only, with no spaces, separators such as ;,=" or
	// control characters. Managers that serve the same request need
	// different names. For a site served only over HTTPS, a name starting
	// with "__Host-" (such as "__Host-session") is the strongest choice:
	// browsers accept it only with Secure, Path "/" and no Domain, so a
	// sibling subdomain or an HTTP page cannot set or shadow it. "__Secure-"
	// asks for Secure only.
	Name string

	// Domain is the cookie's Domain attribute. The default is empty: the
	// cookie is sent only to the host that set it.
	//
	// Setting it (to "example.com", say) also sends the cookie to every
	// subdomain, which then sees the token; leave it empty unless those
	// subdomains must share the session.
	Domain string

	// HttpOnly sets the HttpOnly attribute. The default is true.
	//
	// It hides the cookie from JavaScript, so a cross-site scripting flaw
	// cannot read the token. Keep it unless scripts really need the token.
	HttpOnly bool

	// Path is the cookie's Path attribute. The default is "/": every path
	// of the site. A __Host- cookie requires "/".
	Path string

	// SameSite is the cookie's SameSite attribute. The default is
	// http.SameSiteLaxMode.
	//
	// Lax sends the cookie on same-site requests and on top-level
	// navigations from other sites, which blocks most cross-site request
	// forgery while links into the site keep the user logged in. Strict
	// sends it on same-site requests only: safer, but a user who follows a
	// link from elsewhere arrives logged out. None sends it on every
	// cross-site request (for embedded or cross-site use) and requires
	// Secure; protect state-changing requests against forgery yourself.
	// http.SameSiteDefaultMode writes no attribute, which browsers now
	// treat as Lax.
	SameSite http.SameSite

	// Secure sets the Secure attribute: the browser sends the cookie over
	// HTTPS only. The default is false, so that plain-HTTP development
	// servers work.
	//
	// Set it in production on any site served over HTTPS, so that the
	// token never travels in clear text. It is required with SameSite
	// None, Partitioned and the __Host- and __Secure- name prefixes.
	// Browsers treat http://localhost as secure, so it works in local
	// development there too.
	Secure bool

	// Partitioned sets the Partitioned attribute (CHIPS): in a third-party
	// context the browser keeps a separate cookie per top-level site. The
	// default is false. It requires Secure.
	Partitioned bool

	// Persist makes the cookie outlive the browser session, with Expires
	// and Max-Age set to the session's expiry. The default is true. When
	// false the cookie persists only after RememberMe(ctx, true).
	Persist bool
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

// LoadAndSave is middleware that loads the session named by the request's
// cookie (or starts a new one), passes it to next in the request's context,
// and saves it when the handler has changed it. The Set-Cookie header is
// written before the first byte or status of the response leaves, so the
// client's cookie and the store agree. A cookie value that cannot be a token
// starts a new session without a store look-up.
//
// LoadAndSave checks the Cookie settings once, when it is called, and
// panics with a message starting "scs: " when browsers or net/http would
// drop the cookie they describe (see [SessionCookie.Valid]), as
// http.ServeMux panics on a bad pattern: a mistake that would log every
// user out silently shows at start-up instead. It does not change the
// settings, and it reads nothing else of the manager until a request
// arrives, as in SCS v2: wrapping handlers with a nil manager, as tests
// that build a whole route table often do, does not panic; a request that
// reaches the wrapped handler then does, with a message that says so.
func (s *SessionManager) LoadAndSave(next http.Handler) http.Handler {
	if s != nil {
		if err := s.Cookie.Valid(); err != nil {
			panic(err.Error())
		}
	}
	return s.loadAndSave(next, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in a request header instead of a cookie, such as API and mobile clients.
// It reads the token from the request header called name, and when the
// session is saved it sets the response header of that name to the token:
// the client sends it back on its next request. After Destroy the response
// header is present and empty. No cookie is read or written, and Vary names
// the header. Every response that carries the header also carries
// Cache-Control: no-store, so that no cache keeps a token.
//
// Browsers let cross-origin JavaScript read a response header only when the
// response lists it in Access-Control-Expose-Headers: a CORS API whose
// clients run in a browser must add the header's name there (and to
// Access-Control-Allow-Headers for the requests that send it back).
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
		if s == nil {
			panic("scs: a request reached LoadAndSave of a nil *SessionManager; create the manager with scs.New before serving")
		}
		ctx := r.Context()
		if _, ok := ctx.Value(s.contextKey).(*sessionData); ok {
			w.Header().Add("Vary", vary)
			next.ServeHTTP(w, r) // an outer LoadAndSave of this manager saves it
			return
		}
		l, err := s.load(ctx, s.requestToken(r, header))
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

// RequestToken returns the session token that LoadAndSave (header == "") or
// LoadAndSaveHeader(header, ...) would read from r: the value of the session
// cookie, or "" when there is none or it is longer than any token (or, with
// a [Sealer], any sealed session); or, when header is not "", the first
// value of the request header of that name. Pass the result to Load.
//
// RequestToken and CommitAndWriteToken are the building blocks of
// middleware for other frameworks: such middleware reads the token with
// RequestToken, loads the session with Load into the request's context,
// and calls CommitAndWriteToken once, just before the response's status
// line leaves.
func (s *SessionManager) RequestToken(r *http.Request, header string) string {
	return s.requestToken(r, http.CanonicalHeaderKey(header))
}

// requestToken is RequestToken for a header name already in canonical form.
func (s *SessionManager) requestToken(r *http.Request, header string) string {
	if header == "" {
		return cookieValue(r, s.Cookie.Name, s.cookieLimit())
	}
	if v := r.Header[header]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// CommitAndWriteToken saves the session in r's context, if it was
// modified, and writes its token to w's headers as LoadAndSave does, for
// middleware written for other frameworks (see RequestToken). It must be
// called before the response's status line is written, and once per
// request.
//
// With header == "" it adds the session cookie (see WriteSessionCookie);
// otherwise it sets the response header called header to the token, as
// LoadAndSaveHeader does, with Cache-Control: no-store. After Destroy it
// writes an expired cookie, or an empty header. A session that another
// request destroyed or renewed since this one loaded it ([ErrSessionGone])
// is not saved, and nothing is written: clearing the cookie could delete
// the one that request has just sent. An unchanged session writes nothing.
//
// When the store fails, CommitAndWriteToken calls ErrorFunc with w and r,
// which answers the request, and returns false; the caller must then drop
// the handler's response. Otherwise it returns true. Like the data
// methods, it panics when r's context carries no session of this manager.
func (s *SessionManager) CommitAndWriteToken(w http.ResponseWriter, r *http.Request, header string) bool {
	return s.commitAndWriteToken(w, r, s.getSessionData(r.Context()), http.CanonicalHeaderKey(header), nil)
}

// commitAndWriteToken saves a modified session and sends its token to the
// client, in the session cookie or, when header is set, in that response
// header; for a destroyed session it sends an expired cookie or an empty
// header. A session whose save found it destroyed or renewed by another
// request ([ErrSessionGone]) gets no cookie or header at all: clearing the
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
		h := w.Header()
		h[header] = []string{token}
		hv.add(h, slotCacheControl, "Cache-Control", "no-store")
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
