// Package ginscs is middleware that loads and saves scs sessions in a Gin
// application.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on c.Request.Context().
// The middleware wraps c.Writer so that the session is saved, and its
// cookie written, just before Gin sends the status line: whether the handler
// renders, streams (c.Stream, Flush), aborts with an error, or leaves the
// response to a middleware further out.
package ginscs

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/seed3bbca6c1/scs"
)

// LoadAndSave returns Gin middleware that loads the session named by the
// request's session cookie (or starts a new one) into the request's context
// and saves it when the handler has changed it, writing Set-Cookie before
// the response's status line leaves. It is the Gin form of sm.LoadAndSave,
// and errors from the store go to sm.ErrorFunc, as there.
//
// Changes made after the response was written (c.Writer.Written()) are not
// saved: the cookie can no longer be sent.
func LoadAndSave(sm *scs.SessionManager) gin.HandlerFunc {
	return middleware(sm, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in the request header called name instead of a cookie, as
// sm.LoadAndSaveHeader does: the saved session's token is sent back in the
// response header of that name, empty after Destroy.
func LoadAndSaveHeader(sm *scs.SessionManager, name string) gin.HandlerFunc {
	return middleware(sm, http.CanonicalHeaderKey(name))
}

func middleware(sm *scs.SessionManager, header string) gin.HandlerFunc {
	vary := "Cookie"
	if header != "" {
		vary = header
	}
	return func(c *gin.Context) {
		r := c.Request
		c.Writer.Header().Add("Vary", vary)
		ctx, err := sm.Load(r.Context(), sm.RequestToken(r, header))
		if err != nil {
			sm.ErrorFunc(c.Writer, r, err)
			c.Abort()
			return
		}
		if ctx == r.Context() {
			c.Next() // an outer LoadAndSave of sm saves it
			return
		}
		r = r.WithContext(ctx)
		c.Request = r
		w := &writer{ResponseWriter: c.Writer, sm: sm, c: c, r: r, header: header}
		c.Writer = w
		c.Next()
		// Gin writes an untouched response's status after the middleware
		// returns, on its own writer: save first.
		w.save()
	}
}

// writer is the gin.ResponseWriter the middleware puts in c.Writer. It saves
// the session once, before the status line leaves.
type writer struct {
	gin.ResponseWriter
	sm     *scs.SessionManager
	c      *gin.Context
	r      *http.Request // carries the session loaded for this request
	header string        // the token travels in this header, not in a cookie
	done   bool          // the session was saved (or that was tried)
	failed bool          // saving failed and sm.ErrorFunc answered
}

// save commits a modified session and adds its cookie (or token header) to
// the response with sm.CommitAndWriteToken, as the core's LoadAndSave does;
// a destroyed session gets an expired cookie. When the store
// fails, sm.ErrorFunc answers the request, the handler chain is aborted and
// the handler's later output is dropped.
func (w *writer) save() {
	if w.done {
		return
	}
	w.done = true
	if !w.sm.CommitAndWriteToken(w.ResponseWriter, w.r, w.header) {
		w.failed = true
		w.c.Abort()
	}
}

// WriteHeader records the status, as Gin's writer does; it is dropped after
// a failed save.
func (w *writer) WriteHeader(code int) {
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// WriteHeaderNow saves the session, then sends the status line.
func (w *writer) WriteHeaderNow() {
	w.save()
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Write saves the session, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	w.save()
	if w.failed {
		return 0, scs.ErrCommitFailed
	}
	return w.ResponseWriter.Write(b)
}

// WriteString saves the session, then writes s.
func (w *writer) WriteString(s string) (int, error) {
	w.save()
	if w.failed {
		return 0, scs.ErrCommitFailed
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush saves the session, then flushes what was written.
func (w *writer) Flush() {
	w.save()
	if w.failed {
		return
	}
	w.ResponseWriter.Flush()
}

// Hijack saves the session, then takes over the connection; the cookie can
// only reach the client in a response the caller writes itself.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.save()
	if w.failed {
		return nil, nil, scs.ErrCommitFailed
	}
	return w.ResponseWriter.Hijack()
}

// Unwrap returns Gin's writer, for http.NewResponseController.
func (w *writer) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
