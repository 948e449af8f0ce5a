//go:build unix

package bench

import (
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/echoscs"
	"github.com/seed3bbca6c1/scs/ginscs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// The adapter benchmarks measure what echoscs and ginscs add to a request
// through Echo and Gin, next to what LoadAndSave adds to net/http: each
// framework runs bare (the handler writes "ok"), then with sessions (the
// handler also reads, or for New also writes, one session value). The
// difference between a framework's two rows is its adapter's overhead;
// compare it with net/http's.
//
//	go test -run '^$' -bench 'Adapter' -benchmem -count 6 .
//
// Besides ns/op (wall time) each reports cpu-ns/op, the process's CPU time
// (user and system, all threads, so the garbage collector's share too) per
// request: on a machine shared with other work, wall time measures the
// neighbours as much as the code. The file is for Unix (getrusage).

// adapterStack is one router, bare and with sessions.
type adapterStack struct {
	name       string
	bare, read http.Handler
	put        http.Handler
}

// adapterStacks builds the three stacks over one manager with a memstore
// that never runs its cleanup.
func adapterStacks(sm *scs.SessionManager) []adapterStack {
	// Every handler writes the same "ok"; a read that finds the wrong value
	// panics, which the check before the timer would report.
	readValue := func(r *http.Request) {
		if sm.GetString(r.Context(), "message") != msg {
			panic("bench: the session lost its value")
		}
	}
	putValue := func(r *http.Request) { sm.Put(r.Context(), "message", msg) }

	netHTTP := adapterStack{name: "net-http",
		bare: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okRes) }),
		read: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			readValue(r)
			w.Write(okRes)
		})),
		put: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			putValue(r)
			w.Write(okRes)
		})),
	}

	echoBare, echoRead, echoPut := echo.New(), echo.New(), echo.New()
	echoRead.Use(echoscs.LoadAndSave(sm))
	echoPut.Use(echoscs.LoadAndSave(sm))
	echoBare.GET("/", func(c echo.Context) error { return c.Blob(http.StatusOK, "text/plain", okRes) })
	echoRead.GET("/", func(c echo.Context) error {
		readValue(c.Request())
		return c.Blob(http.StatusOK, "text/plain", okRes)
	})
	echoPut.GET("/", func(c echo.Context) error {
		putValue(c.Request())
		return c.Blob(http.StatusOK, "text/plain", okRes)
	})

	gin.SetMode(gin.ReleaseMode)
	ginBare, ginRead, ginPut := gin.New(), gin.New(), gin.New()
	ginRead.Use(ginscs.LoadAndSave(sm))
	ginPut.Use(ginscs.LoadAndSave(sm))
	ginBare.GET("/", func(c *gin.Context) { c.Data(http.StatusOK, "text/plain", okRes) })
	ginRead.GET("/", func(c *gin.Context) {
		readValue(c.Request)
		c.Data(http.StatusOK, "text/plain", okRes)
	})
	ginPut.GET("/", func(c *gin.Context) {
		putValue(c.Request)
		c.Data(http.StatusOK, "text/plain", okRes)
	})

	return []adapterStack{
		netHTTP,
		{name: "echo", bare: echoBare, read: echoRead, put: echoPut},
		{name: "gin", bare: ginBare, read: ginRead, put: ginPut},
	}
}

func adapterManager() *scs.SessionManager {
	sm := scs.New()
	sm.Store = memstore.NewWithCleanupInterval(0)
	return sm
}

// adapterRequest is a new GET / per iteration, as a server makes one, with
// the session cookie when c is not nil.
func adapterRequest(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

// BenchmarkAdapterRead: a request with a session cookie whose handler reads
// one value (bare: writes "ok" and reads nothing).
func BenchmarkAdapterRead(b *testing.B) {
	sm := adapterManager()
	for _, s := range adapterStacks(sm) {
		w := httptest.NewRecorder()
		s.put.ServeHTTP(w, adapterRequest(nil))
		cs := w.Result().Cookies()
		if len(cs) != 1 {
			b.Fatalf("%s: no session cookie", s.name)
		}
		w = httptest.NewRecorder()
		s.read.ServeHTTP(w, adapterRequest(cs[0])) // panics if the value is lost
		if w.Body.String() != "ok" {
			b.Fatalf("%s: read answered %q", s.name, w.Body.String())
		}
		b.Run(s.name+"-bare", func(b *testing.B) { adapterLoop(b, s.bare, cs[0]) })
		b.Run(s.name+"-scs", func(b *testing.B) { adapterLoop(b, s.read, cs[0]) })
	}
}

// BenchmarkAdapterNew: a request without a cookie whose handler starts a
// session with one value, which is saved and its cookie written (bare:
// writes "ok" only).
func BenchmarkAdapterNew(b *testing.B) {
	sm := adapterManager()
	for _, s := range adapterStacks(sm) {
		w := httptest.NewRecorder()
		s.put.ServeHTTP(w, adapterRequest(nil))
		if len(w.Result().Cookies()) != 1 {
			b.Fatalf("%s: no session cookie", s.name)
		}
		b.Run(s.name+"-bare", func(b *testing.B) { adapterLoop(b, s.bare, nil) })
		b.Run(s.name+"-scs", func(b *testing.B) { adapterLoop(b, s.put, nil) })
	}
}

// adapterLoop serves a new request with cookie c (or none) per iteration
// and reports the CPU time per request as cpu-ns/op.
func adapterLoop(b *testing.B, h http.Handler, c *http.Cookie) {
	start := adapterCPU(b)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), adapterRequest(c))
	}
	b.ReportMetric(float64(adapterCPU(b)-start)/float64(b.N), "cpu-ns/op")
}

// adapterCPU is the CPU time the process has used, in nanoseconds.
func adapterCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
