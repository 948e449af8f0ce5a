package echoscs

import (
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
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

// router is an Echo application serving h at every GET path, behind
// middleware.Recover (whose log is dropped) when recovery is true, then mw
// when it is not nil.
func router(h http.Handler, recovery bool, mw echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	if recovery {
		e.Use(echomw.Recover())
	}
	if mw != nil {
		e.Use(mw)
	}
	e.GET("/*", echo.WrapHandler(h))
	return e
}

// TestGuaranteesOfTheCore runs the checks every adapter shares: bad cookie
// settings are refused when the middleware is built, a nil manager builds,
// and a panicking handler saves nothing and gets Echo's own 500.
func TestGuaranteesOfTheCore(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{
		Name:  "echoscs",
		Build: func(sm *scs.SessionManager, header string) { build(sm, header) },
		Router: func(sm *scs.SessionManager, header string, h http.Handler, recovery bool) http.Handler {
			return router(h, recovery, build(sm, header))
		},
		Plain: func(h http.Handler) http.Handler { return router(h, true, nil) },
	})
}
