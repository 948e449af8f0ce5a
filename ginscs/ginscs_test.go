package ginscs

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/seed3bbca6c1/scs"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// app is a Gin application behind LoadAndSave on a real HTTP server, with a
// client that keeps cookies.
type app struct {
	t      *testing.T
	sm     *scs.SessionManager
	g      *gin.Engine
	srv    *httptest.Server
	client *http.Client
}

func newApp(t *testing.T, sm *scs.SessionManager, outer ...gin.HandlerFunc) *app {
	t.Helper()
	g := gin.New()
	g.Use(outer...)
	g.Use(LoadAndSave(sm))
	g.GET("/put", func(c *gin.Context) {
		sm.Put(c.Request.Context(), "msg", c.Query("v"))
		c.String(http.StatusOK, "ok")
	})
	g.GET("/get", func(c *gin.Context) {
		c.String(http.StatusOK, sm.GetString(c.Request.Context(), "msg"))
	})
	g.GET("/renew", func(c *gin.Context) {
		if err := sm.RenewToken(c.Request.Context()); err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	g.GET("/destroy", func(c *gin.Context) {
		if err := sm.Destroy(c.Request.Context()); err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &app{t: t, sm: sm, g: g, srv: srv, client: &http.Client{Jar: jar}}
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

// TestHandlerErrorResponseCarriesTheCookie checks both of Gin's error
// styles: AbortWithError in the handler, and c.Error left for an error
// middleware further out, which renders after LoadAndSave has returned.
func TestHandlerErrorResponseCarriesTheCookie(t *testing.T) {
	renderErrors := func(c *gin.Context) {
		c.Next()
		if len(c.Errors) > 0 && !c.Writer.Written() {
			c.JSON(http.StatusBadGateway, gin.H{"error": c.Errors.Last().Error()})
		}
	}
	for _, tc := range []struct {
		name    string
		handler gin.HandlerFunc
		code    int
	}{
		{"AbortWithError", func(c *gin.Context) {
			c.AbortWithError(http.StatusTeapot, errors.New("no coffee"))
		}, http.StatusTeapot},
		{"c.Error and an outer middleware", func(c *gin.Context) {
			c.Error(errors.New("upstream down"))
		}, http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sm := scs.New()
			a := newApp(t, sm, renderErrors)
			a.g.GET("/fail", func(c *gin.Context) {
				sm.Put(c.Request.Context(), "msg", "despite the error")
				tc.handler(c)
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

// TestCookieIsSetBeforeGinWrites checks Gin's Written state against the
// cookie: once Written is true the cookie is in the sent headers, and a
// change after that is not saved, since its cookie could not be sent.
func TestCookieIsSetBeforeGinWrites(t *testing.T) {
	sm := scs.New()
	a := newApp(t, sm)
	var before, after bool
	var cookieAtWrite string
	a.g.GET("/commit", func(c *gin.Context) {
		ctx := c.Request.Context()
		sm.Put(ctx, "msg", "first")
		before = c.Writer.Written()
		c.String(http.StatusCreated, "done")
		after = c.Writer.Written()
		cookieAtWrite = c.Writer.Header().Get("Set-Cookie")
		sm.Put(ctx, "msg", "too late")
	})
	resp, body := a.get("/commit")
	if before || !after {
		t.Errorf("Written before/after writing = %v/%v, want false/true", before, after)
	}
	if resp.StatusCode != http.StatusCreated || body != "done" {
		t.Errorf("response %d %q", resp.StatusCode, body)
	}
	if !sessionCookie.MatchString(cookieAtWrite) || resp.Header.Get("Set-Cookie") != cookieAtWrite {
		t.Errorf("Set-Cookie at write %q, received %q", cookieAtWrite, resp.Header.Get("Set-Cookie"))
	}
	if _, body := a.get("/get"); body != "first" {
		t.Errorf("/get = %q, want the value saved at write", body)
	}
}
