// Package echoscs is middleware that loads and saves scs sessions in an Echo
// v4 application.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on
// c.Request().Context(). The session is saved, and its cookie written, in a
// Response.Before hook: just before Echo sends the status line, whether the
// handler writes the response itself, streams it, or returns an error that
// Echo's HTTPErrorHandler turns into a response.
package echoscs

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/seed3bbca6c1/scs"
)

// LoadAndSave returns Echo middleware that loads the session named by the
// request's session cookie (or starts a new one) into the request's context
// and saves it when the handler has changed it, writing Set-Cookie before
// the response's status line leaves. It is the Echo form of
// sm.LoadAndSave, and errors from the store go to sm.ErrorFunc, as there.
//
// Changes made after the response was committed are not saved: the cookie
// can no longer be sent. Call c.Response().WriteHeader (or write) before
// c.Response().Flush, as Echo's own Committed state needs anyway.
func LoadAndSave(sm *scs.SessionManager) echo.MiddlewareFunc {
	return middleware(sm, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in the request header called name instead of a cookie, as
// sm.LoadAndSaveHeader does: the saved session's token is sent back in the
// response header of that name, empty after Destroy.
func LoadAndSaveHeader(sm *scs.SessionManager, name string) echo.MiddlewareFunc {
	return middleware(sm, http.CanonicalHeaderKey(name))
}

func middleware(sm *scs.SessionManager, header string) echo.MiddlewareFunc {
	vary := "Cookie"
	if header != "" {
		vary = header
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			resp := c.Response()
			resp.Header().Add("Vary", vary)
			var token string
			if header == "" {
				token = cookieValue(r, sm.Cookie.Name)
			} else {
				token = r.Header.Get(header)
			}
			ctx, err := sm.Load(r.Context(), token)
			if err != nil {
				sm.ErrorFunc(resp, r, err)
				return nil
			}
			if ctx == r.Context() {
				return next(c) // an outer LoadAndSave of sm saves it
			}
			r = r.WithContext(ctx)
			c.SetRequest(r)
			s := &saver{sm: sm, c: c, r: r, header: header}
			resp.Before(s.beforeHeader)
			err = next(c)
			if !resp.Committed {
				// The handler wrote nothing (Echo's HTTPErrorHandler answers
				// a returned error next): the header map still goes out.
				s.save(false)
			}
			return err
		}
	}
}

// saver saves one request's session once.
type saver struct {
	sm     *scs.SessionManager
	c      echo.Context
	r      *http.Request // carries the session loaded for this request
	header string        // the token travels in this header, not in a cookie
	done   bool
}

// beforeHeader is the Response.Before hook.
func (s *saver) beforeHeader() { s.save(true) }

// save commits a modified session and adds its cookie (or token header) to
// the response; a destroyed session gets an expired cookie. When the store
// fails, sm.ErrorFunc answers the request instead; inHook says that Echo is
// about to send the handler's status line, which is then dropped, together
// with the handler's body.
func (s *saver) save(inHook bool) {
	if s.done {
		return
	}
	s.done = true
	ctx := s.r.Context()
	resp := s.c.Response()
	var token string
	var expiry time.Time
	switch s.sm.Status(ctx) {
	case scs.Modified:
		var err error
		if token, expiry, err = s.sm.Commit(ctx); err != nil {
			if inHook {
				w := resp.Writer
				resp.Writer = dropWriter{w}
				s.sm.ErrorFunc(w, s.r, err)
			} else {
				s.sm.ErrorFunc(resp, s.r, err)
			}
			return
		}
	case scs.Destroyed:
	default:
		return
	}
	if s.header != "" {
		resp.Header()[s.header] = []string{token}
		return
	}
	s.sm.WriteSessionCookie(ctx, resp, token, expiry)
}

// dropWriter stands in for the response writer after sm.ErrorFunc has
// answered the request: the handler's status and body are dropped, as
// sm.LoadAndSave drops them.
type dropWriter struct{ http.ResponseWriter }

func (dropWriter) WriteHeader(int) {}

func (dropWriter) Write([]byte) (int, error) { return 0, scs.ErrCommitFailed }

func (dropWriter) Flush() {}

func (w dropWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cookieValue returns the value of the first cookie called name, or "". It
// scans the Cookie headers in place, without r.Cookie's allocations; a
// token never needs unquoting, so quoted values are left as they are and
// fail the token check in Load.
func cookieValue(r *http.Request, name string) string {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && k == name {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}
