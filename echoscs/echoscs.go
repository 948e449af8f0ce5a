// Package echoscs is middleware that loads and saves scs sessions in an Echo
// v4 application (github.com/labstack/echo/v4). For Echo v5
// (github.com/labstack/echo/v5), whose Context is a struct, use the
// echov5scs module instead, which gives the same guarantees.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on
// c.Request().Context(). The middleware puts the core's writer
// (scs.CommitWriter, the one LoadAndSave uses) under Echo's Response
// (Response.Writer), so that the session is saved, and its cookie written,
// just before the status line leaves: whether the handler writes the
// response itself, streams or flushes it, or returns an error that Echo's
// HTTPErrorHandler turns into a response.
//
// It gives the guarantees of scs's LoadAndSave. Building it with cookie
// settings that browsers would drop (see scs.SessionCookie.Valid) panics,
// with the core's message; building it with a nil manager does not, and a
// request that reaches it then panics with a message that says so. A
// handler that panics (http.ErrAbortHandler included) saves nothing: the
// middleware puts Echo's writer and request back and lets the panic go on
// to the recovery middleware further out (middleware.Recover), whose 500
// carries no session cookie or token.
package echoscs

import (
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
// Like sm.LoadAndSave, it panics, with the same message, when sm's cookie
// settings are ones that browsers would drop (see scs.SessionCookie.Valid);
// a nil sm builds, and a request that reaches the middleware then panics.
// A handler that panics saves nothing.
//
// Changes made after the response was committed are not saved: the cookie
// can no longer be sent.
func LoadAndSave(sm *scs.SessionManager) echo.MiddlewareFunc {
	return middleware(sm, "")
}

// LoadAndSaveHeader is LoadAndSave for clients that carry the session token
// in the request header called name instead of a cookie, as
// sm.LoadAndSaveHeader does: the saved session's token is sent back in the
// response header of that name, empty after Destroy. As there, sm's cookie
// settings are not checked, since no cookie is sent.
func LoadAndSaveHeader(sm *scs.SessionManager, name string) echo.MiddlewareFunc {
	return middleware(sm, http.CanonicalHeaderKey(name))
}

// middleware is LoadAndSave (header == "") or LoadAndSaveHeader for the
// response header called header, in canonical form.
func middleware(sm *scs.SessionManager, header string) echo.MiddlewareFunc {
	if sm != nil && header == "" {
		if err := sm.Cookie.Valid(); err != nil {
			panic(err.Error())
		}
	}
	vary := "Cookie"
	if header != "" {
		vary = header
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if sm == nil {
				panic("scs: a request reached echoscs middleware of a nil *SessionManager; create the manager with scs.New before serving")
			}
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
			sr := r.WithContext(ctx)
			c.SetRequest(sr)
			ew := resp.Writer
			w := sm.NewCommitWriter(ew, sr, header)
			resp.Writer = w
			returned := false
			defer func() {
				if !returned {
					// The handler panicked: save nothing, and leave the
					// answer to the recovery further out, on Echo's own
					// writer, so that the cookie cannot go out with it.
					w.Abandon()
					resp.Writer = ew
					c.SetRequest(r)
				}
			}()
			err = next(c)
			returned = true
			if !resp.Committed && !w.Commit() {
				// The handler wrote nothing (Echo's HTTPErrorHandler
				// answers a returned error next), and the save failed:
				// ErrorFunc has answered.
				resp.Committed = true
			}
			return err
		}
	}
}
