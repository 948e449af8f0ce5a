// Package ginscs is middleware that loads and saves scs sessions in a Gin
// application.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on c.Request.Context().
// The middleware wraps c.Writer around the core's writer (scs.CommitWriter,
// the one LoadAndSave uses), so that the session is saved, and its cookie
// written, just before Gin sends the status line: whether the handler
// renders, streams (c.Stream, Flush), aborts with an error, or leaves the
// response to a middleware further out.
//
// It gives the guarantees of scs's LoadAndSave. Building it with cookie
// settings that browsers would drop (see scs.SessionCookie.Valid) panics,
// with the core's message; building it with a nil manager does not, and a
// request that reaches it then panics with a message that says so. A
// handler that panics (http.ErrAbortHandler included) saves nothing: the
// middleware puts Gin's writer and request back and lets the panic go on to
// the recovery middleware further out (gin.Recovery), whose 500 carries no
// session cookie or token.
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
// Like sm.LoadAndSave, it panics, with the same message, when sm's cookie
// settings are ones that browsers would drop (see scs.SessionCookie.Valid);
// a nil sm builds, and a request that reaches the middleware then panics.
// A handler that panics saves nothing.
//
// Changes made after the response was written (c.Writer.Written()) are not
// saved: the cookie can no longer be sent.
func LoadAndSave(sm *scs.SessionManager) gin.HandlerFunc {
	return middleware(sm, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in the request header called name instead of a cookie, as
// sm.LoadAndSaveHeader does: the saved session's token is sent back in the
// response header of that name, empty after Destroy. As there, sm's cookie
// settings are not checked, since no cookie is sent.
func LoadAndSaveHeader(sm *scs.SessionManager, name string) gin.HandlerFunc {
	return middleware(sm, http.CanonicalHeaderKey(name))
}

// middleware is LoadAndSave (header == "") or LoadAndSaveHeader for the
// response header called header, in canonical form.
func middleware(sm *scs.SessionManager, header string) gin.HandlerFunc {
	if sm != nil && header == "" {
		if err := sm.Cookie.Valid(); err != nil {
			panic(err.Error())
		}
	}
	vary := "Cookie"
	if header != "" {
		vary = header
	}
	return func(c *gin.Context) {
		if sm == nil {
			panic("scs: a request reached ginscs middleware of a nil *SessionManager; create the manager with scs.New before serving")
		}
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
		sr := r.WithContext(ctx)
		c.Request = sr
		gw := c.Writer
		w := &writer{ResponseWriter: gw, cw: sm.NewCommitWriter(gw, sr, header), c: c}
		c.Writer = w
		returned := false
		defer func() {
			if !returned {
				// The handler panicked: save nothing, and leave the answer
				// to the recovery further out, on Gin's own writer, so
				// that the cookie cannot go out with it.
				w.cw.Abandon()
				c.Writer = gw
				c.Request = r
			}
		}()
		c.Next()
		returned = true
		// Gin writes an untouched response's status after the middleware
		// returns, on its own writer: save first.
		w.save()
	}
}

// writer is the gin.ResponseWriter the middleware puts in c.Writer. Saving
// is the core's scs.CommitWriter, over Gin's writer: the session is saved
// once, before the status line leaves. Gin's WriteHeader only records the
// status, which Gin sends later (WriteHeaderNow, or the first write), so
// the session is saved then.
type writer struct {
	gin.ResponseWriter                   // Gin's writer
	cw                 *scs.CommitWriter // saves the session, over Gin's writer
	c                  *gin.Context
	failed             bool // saving failed and sm.ErrorFunc answered
}

// save saves the session, unless that was done, with the core's writer.
// When the store fails, sm.ErrorFunc answers the request, the handler chain
// is aborted and the handler's later output is dropped; save then reports
// false.
func (w *writer) save() bool {
	if !w.failed && !w.cw.Commit() {
		w.failed = true
		w.c.Abort()
	}
	return !w.failed
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
	if w.save() {
		w.ResponseWriter.WriteHeaderNow()
	}
}

// Write saves the session, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	if !w.save() {
		return 0, scs.ErrCommitFailed
	}
	return w.cw.Write(b)
}

// WriteString saves the session, then writes s.
func (w *writer) WriteString(s string) (int, error) {
	if !w.save() {
		return 0, scs.ErrCommitFailed
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush saves the session, then flushes what was written.
func (w *writer) Flush() {
	if w.save() {
		w.cw.Flush()
	}
}

// Hijack saves the session, then takes over the connection; the cookie can
// only reach the client in a response the caller writes itself.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.save() {
		return nil, nil, scs.ErrCommitFailed
	}
	return w.cw.Hijack()
}

// Unwrap returns Gin's writer, for http.NewResponseController.
func (w *writer) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
