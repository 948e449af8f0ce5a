package ginscs

import (
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/adaptertest"
)

// build returns the middleware for sm: LoadAndSave when header is "",
// LoadAndSaveHeader otherwise.
func build(sm *scs.SessionManager, header string) gin.HandlerFunc {
	if header == "" {
		return LoadAndSave(sm)
	}
	return LoadAndSaveHeader(sm, header)
}

// router is a Gin engine serving h at every GET path, behind gin.Recovery
// (whose log is dropped) when recovery is true, then mw when it is not nil.
func router(h http.Handler, recovery bool, mw gin.HandlerFunc) *gin.Engine {
	e := gin.New()
	if recovery {
		e.Use(gin.RecoveryWithWriter(io.Discard))
	}
	if mw != nil {
		e.Use(mw)
	}
	e.GET("/*path", gin.WrapH(h))
	return e
}

// TestGuaranteesOfTheCore runs the checks every adapter shares: bad cookie
// settings are refused when the middleware is built, a nil manager builds,
// and a panicking handler saves nothing and gets Gin's own 500.
func TestGuaranteesOfTheCore(t *testing.T) {
	adaptertest.Run(t, adaptertest.Adapter{
		Name:  "ginscs",
		Build: func(sm *scs.SessionManager, header string) { build(sm, header) },
		Router: func(sm *scs.SessionManager, header string, h http.Handler, recovery bool) http.Handler {
			return router(h, recovery, build(sm, header))
		},
		Plain: func(h http.Handler) http.Handler { return router(h, true, nil) },
	})
}
