// Package echov5scs is middleware that loads and saves scs sessions in an
// Echo v5 application (github.com/labstack/echo/v5). For Echo v4
// (github.com/labstack/echo/v4), whose Context is an interface rather than
// v5's *echo.Context, use the echoscs module instead, which gives the same
// guarantees.
//
// The session travels in the request's context, as with scs's own
// LoadAndSave, so every SessionManager method works on
// c.Request().Context(). The middleware wraps the context's response
// writer (c.SetResponse), as Echo v5's own gzip and body-dump middleware
// do, in the core's writer (scs.CommitWriter, the one LoadAndSave uses),
// whose Unwrap leads to Echo's *echo.Response, so echo.UnwrapResponse keeps
// working. The session is saved, and its cookie written, just before the
// status line leaves: whether the handler writes the response itself,
// streams or flushes it, or returns an error that Echo's HTTPErrorHandler
// turns into a response.
//
// It gives the guarantees of scs's LoadAndSave. Building it with cookie
// settings that browsers would drop (see scs.SessionCookie.Valid) panics,
// with the core's message; building it with a nil manager does not, and a
// request that reaches it then panics with a message that says so. A
// handler that panics (http.ErrAbortHandler included) saves nothing: the
// middleware puts Echo's writer and request back and lets the panic go on
// to the recovery middleware further out (middleware.Recover), whose 500
// carries no session cookie or token.
package echov5scs

import (
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/seed3bbca6c1/scs"
)

// LoadAndSave returns Echo v5 middleware that loads the session named by
// the request's session cookie (or starts a new one) into the request's
// context and saves it when the handler has changed it, writing Set-Cookie
// before the response's status line leaves. It is the Echo form of
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
		return func(c *echo.Context) error {
			if sm == nil {
				panic("scs: a request reached echov5scs middleware of a nil *SessionManager; create the manager with scs.New before serving")
			}
			r := c.Request()
			ew := c.Response()
			ew.Header().Add(echo.HeaderVary, vary)
			ctx, err := sm.Load(r.Context(), sm.RequestToken(r, header))
			if err != nil {
				sm.ErrorFunc(ew, r, err)
				return nil
			}
			if ctx == r.Context() {
				return next(c) // an outer LoadAndSave of sm saves it
			}
			sr := r.WithContext(ctx)
			w := sm.NewCommitWriter(ew, sr, header)
			c.SetRequest(sr)
			c.SetResponse(w)
			returned := false
			defer func() {
				// Echo's HTTPErrorHandler, and the middleware further out,
				// write to Echo's writer again: the session is saved by
				// then, and its cookie is in the headers they send.
				c.SetResponse(ew)
				if !returned {
					// The handler panicked: save nothing, and leave the
					// answer to the recovery further out, so that the
					// cookie cannot go out with it.
					w.Abandon()
					c.SetRequest(r)
				}
			}()
			err = next(c)
			returned = true
			if !w.Commit() {
				// The save failed and ErrorFunc has answered: nothing may
				// follow its answer, not even the error page of Echo's
				// HTTPErrorHandler for an error the handler returned.
				if resp, uerr := echo.UnwrapResponse(ew); uerr == nil {
					resp.Committed = true
				}
			}
			return err
		}
	}
}
