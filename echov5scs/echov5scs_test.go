package echov5scs

import (
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	echomw "github.com/labstack/echo/v5/middleware"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/adaptertest"
)

// build returns the middleware for sm: LoadAndSave when header is "",
// LoadAndSaveHeader otherwise.
func build(sm *scs.SessionManager, header string) echo.MiddlewareFunc {
	if header == "" {
		return LoadAndSave(sm)
	}
	return LoadAndSaveHeader(sm, header)
}

// quiet is a logger that drops everything: Echo logs a second WriteHeader,
// and the tests do that on purpose.
var quiet = slog.New(slog.DiscardHandler)

// router is an Echo application serving h at every GET path, behind
// middleware.Recover when recovery is true, then mw when it is not nil.
func router(h http.Handler, recovery bool, mw echo.MiddlewareFunc) *echo.Echo {
	e := echo.NewWithConfig(echo.Config{Logger: quiet})
	if recovery {
		e.Use(echomw.Recover())
	}
	if mw != nil {
		e.Use(mw)
	}
	e.GET("/*", echo.WrapHandler(h))
	return e
}

// TestGuaranteesOfTheCore runs the checks every adapter shares: sessions go
// round in a cookie and a header, bad cookie settings are refused when the
// middleware is built, a nil manager builds, and a panicking handler saves
// nothing and gets Echo's own 500.
func TestGuaranteesOfTheCore(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{
		Name:  "echov5scs",
		Build: func(sm *scs.SessionManager, header string) { build(sm, header) },
		Router: func(sm *scs.SessionManager, header string, h http.Handler, recovery bool) http.Handler {
			return router(h, recovery, build(sm, header))
		},
		Plain: func(h http.Handler) http.Handler { return router(h, true, nil) },
	})
}

// app is an Echo application behind middleware.Recover and LoadAndSave on a
// real HTTP server, with a client that keeps cookies.
type app struct {
	t      *testing.T
	sm     *scs.SessionManager
	e      *echo.Echo
	srv    *httptest.Server
	client *http.Client
}

// newApp builds the application; more middleware, when given, goes between
// middleware.Recover and LoadAndSave.
func newApp(t *testing.T, sm *scs.SessionManager, more ...echo.MiddlewareFunc) *app {
	t.Helper()
	return newAppWithConfig(t, sm, echo.Config{}, more...)
}

// newAppWithConfig is newApp for an Echo built with conf (its Logger is
// replaced by one that drops everything).
func newAppWithConfig(t *testing.T, sm *scs.SessionManager, conf echo.Config, more ...echo.MiddlewareFunc) *app {
	t.Helper()
	conf.Logger = quiet
	e := echo.NewWithConfig(conf)
	e.Use(echomw.Recover())
	e.Use(more...)
	e.Use(LoadAndSave(sm))
	e.GET("/put", func(c *echo.Context) error {
		sm.Put(c.Request().Context(), "msg", c.QueryParam("v"))
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/get", func(c *echo.Context) error {
		return c.String(http.StatusOK, sm.GetString(c.Request().Context(), "msg"))
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &app{t: t, sm: sm, e: e, srv: srv, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// get requests path and returns the response with its body read.
func (a *app) get(path string) (*http.Response, string) {
	a.t.Helper()
	return a.do("GET", path)
}

// do sends a request with method to path and returns the response with
// its body read.
func (a *app) do(method, path string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, string(b)
}

var sessionCookie = regexp.MustCompile(`^session=[A-Za-z0-9_-]{43}; Path=/; Expires=[^;]+; Max-Age=86400; HttpOnly; SameSite=Lax$`)

// committed reports whether Echo's Response under c.Response() has sent
// its status line.
func committed(t *testing.T, c *echo.Context) bool {
	t.Helper()
	resp, err := echo.UnwrapResponse(c.Response())
	if err != nil {
		t.Fatalf("echo.UnwrapResponse(%T): %v", c.Response(), err)
	}
	return resp.Committed
}

// TestHandlerErrorResponseCarriesTheCookie checks that a session changed by a
// handler that then returns an error is saved, and that the response written
// by Echo's HTTPErrorHandler carries its cookie.
func TestHandlerErrorResponseCarriesTheCookie(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"HTTPError", echo.NewHTTPError(http.StatusTeapot, "no coffee"), http.StatusTeapot},
		{"plain error", errors.New("boom"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sm := scs.New()
			a := newApp(t, sm)
			a.e.GET("/fail", func(c *echo.Context) error {
				sm.Put(c.Request().Context(), "msg", "despite the error")
				return tc.err
			})
			resp, body := a.get("/fail")
			if resp.StatusCode != tc.code || !strings.Contains(body, `"message"`) {
				t.Errorf("response %d %q, want %d and Echo's error page", resp.StatusCode, body, tc.code)
			}
			if sc := resp.Header.Get("Set-Cookie"); !sessionCookie.MatchString(sc) {
				t.Errorf("Set-Cookie = %q", sc)
			}
			if _, body := a.get("/get"); body != "despite the error" {
				t.Errorf("/get = %q", body)
			}
		})
	}
}

// TestCookieIsSetBeforeEchoCommits checks Echo's Committed state (on the
// Response that echo.UnwrapResponse finds under the middleware's writer)
// against the cookie: once Committed is true the cookie is in the sent
// headers, and a change after that is not saved, since its cookie could not
// be sent.
func TestCookieIsSetBeforeEchoCommits(t *testing.T) {
	sm := scs.New()
	a := newApp(t, sm)
	var before, after bool
	var cookieAtCommit string
	a.e.GET("/commit", func(c *echo.Context) error {
		ctx := c.Request().Context()
		sm.Put(ctx, "msg", "first")
		before = committed(t, c)
		if err := c.String(http.StatusCreated, "done"); err != nil {
			return err
		}
		after = committed(t, c)
		cookieAtCommit = c.Response().Header().Get("Set-Cookie")
		sm.Put(ctx, "msg", "too late")
		return nil
	})
	resp, body := a.get("/commit")
	if before || !after {
		t.Errorf("Committed before/after writing = %v/%v, want false/true", before, after)
	}
	if resp.StatusCode != http.StatusCreated || body != "done" {
		t.Errorf("response %d %q", resp.StatusCode, body)
	}
	if !sessionCookie.MatchString(cookieAtCommit) || resp.Header.Get("Set-Cookie") != cookieAtCommit {
		t.Errorf("Set-Cookie at commit %q, received %q", cookieAtCommit, resp.Header.Get("Set-Cookie"))
	}
	if _, body := a.get("/get"); body != "first" {
		t.Errorf("/get = %q, want the value saved at commit", body)
	}
}

// TestBeforeHooksRunAfterTheSave checks the order the README gives: a
// Response.Before hook runs after the session is saved, so it sees
// Set-Cookie, and a session change it makes is not saved.
func TestBeforeHooksRunAfterTheSave(t *testing.T) {
	sm := scs.New()
	a := newApp(t, sm)
	var seen string
	a.e.GET("/hook", func(c *echo.Context) error {
		ctx := c.Request().Context()
		sm.Put(ctx, "msg", "handler")
		resp, err := echo.UnwrapResponse(c.Response())
		if err != nil {
			return err
		}
		resp.Before(func() {
			seen = resp.Header().Get("Set-Cookie")
			sm.Put(ctx, "msg", "hook")
		})
		return c.String(http.StatusOK, "ok")
	})
	resp, _ := a.get("/hook")
	if !sessionCookie.MatchString(seen) || resp.Header.Get("Set-Cookie") != seen {
		t.Errorf("Set-Cookie seen by the hook %q, received %q", seen, resp.Header.Get("Set-Cookie"))
	}
	if _, body := a.get("/get"); body != "handler" {
		t.Errorf("/get = %q, want the value saved before the hook", body)
	}
}

// TestHeadRequestCarriesTheCookie checks Echo v5's automatic HEAD handling
// of GET routes (RouterConfig.AutoHandleHEAD), which holds the status line
// back until the handler returns: the HEAD response carries the cookie, and
// the session is saved.
func TestHeadRequestCarriesTheCookie(t *testing.T) {
	sm := scs.New()
	a := newAppWithConfig(t, sm, echo.Config{Router: echo.NewRouter(echo.RouterConfig{AutoHandleHEAD: true})})
	resp, body := a.do("HEAD", "/put?v=head")
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD /put: %d %q", resp.StatusCode, body)
	}
	if sc := resp.Header.Get("Set-Cookie"); !sessionCookie.MatchString(sc) {
		t.Errorf("Set-Cookie = %q", sc)
	}
	if _, body := a.get("/get"); body != "head" {
		t.Errorf("/get = %q", body)
	}
}

// TestUnderEchoGzip checks the middleware inside Echo's gzip middleware,
// which wraps the response writer too: the compressed response carries the
// cookie, and so does a short one that gzip leaves uncompressed.
func TestUnderEchoGzip(t *testing.T) {
	sm := scs.New()
	a := newApp(t, sm, echomw.GzipWithConfig(echomw.GzipConfig{MinLength: 64}))
	long := strings.Repeat("session ", 64)
	a.e.GET("/long", func(c *echo.Context) error {
		sm.Put(c.Request().Context(), "msg", "long")
		return c.String(http.StatusOK, long)
	})
	for _, tc := range []struct{ path, encoding, body, saved string }{
		{"/long", "gzip", long, "long"},
		{"/put?v=short", "", "ok", "short"},
	} {
		req, err := http.NewRequest("GET", a.srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := a.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = resp.Body
		if tc.encoding == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, err := io.ReadAll(r)
		resp.Body.Close()
		if err != nil || resp.Header.Get("Content-Encoding") != tc.encoding || string(b) != tc.body {
			t.Errorf("%s: Content-Encoding %q, body %q, error %v", tc.path, resp.Header.Get("Content-Encoding"), b, err)
		}
		if sc := resp.Header.Get("Set-Cookie"); !sessionCookie.MatchString(sc) {
			t.Errorf("%s: Set-Cookie = %q", tc.path, sc)
		}
		if _, body := a.get("/get"); body != tc.saved {
			t.Errorf("%s: /get = %q", tc.path, body)
		}
	}
}
