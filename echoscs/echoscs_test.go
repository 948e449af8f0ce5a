package echoscs

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/seed3bbca6c1/scs"
)

// app is an Echo application behind LoadAndSave on a real HTTP server, with
// a client that keeps cookies.
type app struct {
	t      *testing.T
	sm     *scs.SessionManager
	e      *echo.Echo
	srv    *httptest.Server
	client *http.Client
}

func newApp(t *testing.T, sm *scs.SessionManager) *app {
	t.Helper()
	e := echo.New()
	e.HideBanner = true
	e.Use(LoadAndSave(sm))
	e.GET("/put", func(c echo.Context) error {
		sm.Put(c.Request().Context(), "msg", c.QueryParam("v"))
		return c.String(http.StatusOK, "ok")
	})
	e.GET("/get", func(c echo.Context) error {
		return c.String(http.StatusOK, sm.GetString(c.Request().Context(), "msg"))
	})
	e.GET("/renew", func(c echo.Context) error {
		if err := sm.RenewToken(c.Request().Context()); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	e.GET("/destroy", func(c echo.Context) error {
		if err := sm.Destroy(c.Request().Context()); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &app{t: t, sm: sm, e: e, srv: srv, client: &http.Client{Jar: jar}}
}

// get requests path and returns the response with its body read.
func (a *app) get(path string) (*http.Response, string) {
	a.t.Helper()
	resp, err := a.client.Get(a.srv.URL + path)
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
			a.e.GET("/fail", func(c echo.Context) error {
				sm.Put(c.Request().Context(), "msg", "despite the error")
				return tc.err
			})
			resp, _ := a.get("/fail")
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
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

// TestCookieIsSetBeforeEchoCommits checks Echo's Committed state against
// the cookie: once Committed is true the cookie is in the sent headers, and
// a change after that is not saved, since its cookie could not be sent.
func TestCookieIsSetBeforeEchoCommits(t *testing.T) {
	sm := scs.New()
	a := newApp(t, sm)
	var before, after bool
	var cookieAtCommit string
	a.e.GET("/commit", func(c echo.Context) error {
		ctx := c.Request().Context()
		sm.Put(ctx, "msg", "first")
		before = c.Response().Committed
		if err := c.String(http.StatusCreated, "done"); err != nil {
			return err
		}
		after = c.Response().Committed
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
