// Package echoscs is middleware that loads and saves scs sessions in an Echo
// v4 application.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on
// c.Request().Context(). The middleware wraps the writer under Echo's
// Response (Response.Writer), so that the session is saved, and its cookie
// written, just before the status line leaves: whether the handler writes
// the response itself, streams or flushes it, or returns an error that
// Echo's HTTPErrorHandler turns into a response.
package echoscs

import (
	"bufio"
	"net"
	"net/http"

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
// can no longer be sent.
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
			ctx, err := sm.Load(r.Context(), sm.RequestToken(r, header))
			if err != nil {
				sm.ErrorFunc(resp, r, err)
				return nil
			}
			if ctx == r.Context() {
				return next(c) // an outer LoadAndSave of sm saves it
			}
			r = r.WithContext(ctx)
			c.SetRequest(r)
			w := &writer{ResponseWriter: resp.Writer, sm: sm, r: r, header: header}
			resp.Writer = w
			err = next(c)
			if !resp.Committed {
				// The handler wrote nothing (Echo's HTTPErrorHandler answers
				// a returned error next): the header map still goes out.
				w.save()
				if w.failed {
					resp.Committed = true // ErrorFunc has answered
				}
			}
			return err
		}
	}
}

// writer is the http.ResponseWriter the middleware puts under Echo's
// Response: Echo's Response.WriteHeader, Write, Flush and Hijack reach it,
// and it saves the session once, before the status line leaves.
type writer struct {
	http.ResponseWriter
	sm     *scs.SessionManager
	r      *http.Request // carries the session loaded for this request
	header string        // the token travels in this header, not in a cookie
	done   bool          // the session was saved (or that was tried)
	failed bool          // saving failed and sm.ErrorFunc answered
}

// save commits a modified session and adds its cookie (or token header) to
// the response with sm.CommitAndWriteToken, as the core's LoadAndSave does;
// a destroyed session gets an expired cookie. When the store
// fails, sm.ErrorFunc answers the request, and the handler's status and
// body are dropped.
func (w *writer) save() {
	if w.done {
		return
	}
	w.done = true
	if !w.sm.CommitAndWriteToken(w.ResponseWriter, w.r, w.header) {
		w.failed = true
	}
}

// WriteHeader saves the session, then sends the status line.
func (w *writer) WriteHeader(code int) {
	w.save()
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write saves the session, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	w.save()
	if w.failed {
		return 0, scs.ErrCommitFailed
	}
	return w.ResponseWriter.Write(b)
}

// FlushError saves the session, then flushes what was written; it is what
// Echo's Response.Flush reaches through http.NewResponseController.
func (w *writer) FlushError() error {
	w.save()
	if w.failed {
		return scs.ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush is FlushError for callers that type-assert http.Flusher.
func (w *writer) Flush() { w.FlushError() }

// Hijack saves the session, then takes over the connection; the cookie can
// only reach the client in a response the caller writes itself.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.save()
	if w.failed {
		return nil, nil, scs.ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the writer underneath, for http.NewResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
