package scs

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// This file holds the middleware: LoadAndSave and LoadAndSaveHeader, and
// their building blocks for other frameworks (RequestToken,
// CommitAndWriteToken) with the writing of the cookie or header.

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
