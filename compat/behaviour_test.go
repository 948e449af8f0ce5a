package compat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	scsv2 "github.com/alexedwards/scs/v2"
	"github.com/seed3bbca6c1/scs"
)

// manager is the API both libraries share, method for method.
type manager interface {
	LoadAndSave(http.Handler) http.Handler
	Put(ctx context.Context, key string, val interface{})
	GetString(ctx context.Context, key string) string
	GetInt(ctx context.Context, key string) int
	PopString(ctx context.Context, key string) string
	Exists(ctx context.Context, key string) bool
	Keys(ctx context.Context) []string
	Remove(ctx context.Context, key string)
	Clear(ctx context.Context) error
	RenewToken(ctx context.Context) error
	Destroy(ctx context.Context) error
	RememberMe(ctx context.Context, val bool)
	Token(ctx context.Context) string
}

// config is what a scripted run sets on a new manager of either library.
type config struct {
	lifetime, idle time.Duration
	persist        bool
	cookieName     string
	secure         bool
	sameSite       http.SameSite
}

func newOurs(c config) manager {
	m := scs.New()
	m.Lifetime, m.IdleTimeout = c.lifetime, c.idle
	m.Cookie.Persist, m.Cookie.Secure, m.Cookie.SameSite = c.persist, c.secure, c.sameSite
	if c.cookieName != "" {
		m.Cookie.Name = c.cookieName
	}
	return m
}

func newSCS(c config) manager {
	m := scsv2.New()
	m.Lifetime, m.IdleTimeout = c.lifetime, c.idle
	m.Cookie.Persist, m.Cookie.Secure, m.Cookie.SameSite = c.persist, c.secure, c.sameSite
	if c.cookieName != "" {
		m.Cookie.Name = c.cookieName
	}
	return m
}

// routes is the application under test, written once against manager.
func routes(m manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), "message", "Hello from a session!")
		m.Put(r.Context(), "count", m.GetInt(r.Context(), "count")+1)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%d|%v", m.GetString(r.Context(), "message"), m.GetInt(r.Context(), "count"), m.Keys(r.Context()))
	})
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), "flash", "saved")
		w.WriteHeader(http.StatusSeeOther)
	})
	mux.HandleFunc("/pop", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "flash="+m.PopString(r.Context(), "flash"))
	})
	mux.HandleFunc("/remove", func(w http.ResponseWriter, r *http.Request) {
		m.Remove(r.Context(), "message")
		fmt.Fprint(w, m.Exists(r.Context(), "message"))
	})
	mux.HandleFunc("/clear", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Clear(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		m.Put(r.Context(), "userID", 42)
		io.WriteString(w, "logged in")
	})
	mux.HandleFunc("/remember", func(w http.ResponseWriter, r *http.Request) {
		m.RememberMe(r.Context(), true)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/destroy-put", func(w http.ResponseWriter, r *http.Request) {
		m.Destroy(r.Context())
		m.Put(r.Context(), "fresh", "yes")
		fmt.Fprint(w, m.Keys(r.Context()))
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		m.Put(r.Context(), "streamed", "1")
		io.WriteString(w, "part 1;")
		http.NewResponseController(w).Flush()
		io.WriteString(w, "part 2")
	})
	return m.LoadAndSave(mux)
}

// step is one request of a script, with the time to wait before it.
type step struct {
	path  string
	sleep time.Duration
}

// result is what a client sees of one response, tokens aside.
type result struct {
	code                      int
	body, cookie, cache, vary string
}

var tokenRE = regexp.MustCompile(`=[A-Za-z0-9_-]{43}`)

// run plays steps against the application built on m, carrying the cookie
// like a browser.
func run(t *testing.T, m manager, name string, steps []step) []result {
	t.Helper()
	h := routes(m)
	var jar *http.Cookie
	var out []result
	for _, s := range steps {
		time.Sleep(s.sleep)
		r := httptest.NewRequest("GET", s.path, nil)
		if jar != nil {
			r.AddCookie(jar)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		resp := w.Result()
		for _, c := range resp.Cookies() {
			if c.Name != name {
				continue
			}
			if c.MaxAge < 0 {
				jar = nil
			} else {
				jar = &http.Cookie{Name: c.Name, Value: c.Value}
			}
		}
		out = append(out, result{
			code:   resp.StatusCode,
			body:   tokenRE.ReplaceAllString(w.Body.String(), "=TOKEN"),
			cookie: normaliseCookie(resp.Header.Get("Set-Cookie")),
			cache:  resp.Header.Get("Cache-Control"),
			vary:   resp.Header.Get("Vary"),
		})
	}
	return out
}

var expiresRE = regexp.MustCompile(`Expires=[^;]+`)
var maxAgeRE = regexp.MustCompile(`Max-Age=(\d+)`)

// normaliseCookie hides what differs between two runs by design: the token,
// and the clock seconds in Expires and Max-Age (rounded to the minute).
func normaliseCookie(c string) string {
	c = tokenRE.ReplaceAllString(c, "=TOKEN")
	if strings.Contains(c, "Expires=Thu, 01 Jan 1970 00:00:01 GMT") {
		return c
	}
	c = expiresRE.ReplaceAllString(c, "Expires=WHEN")
	return maxAgeRE.ReplaceAllStringFunc(c, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "Max-Age="))
		return fmt.Sprintf("Max-Age=~%dm", (n+30)/60)
	})
}

func TestSameBehaviourAsSCS(t *testing.T) {
	scripts := []struct {
		name  string
		cfg   config
		steps []step
	}{
		{"put get pop", config{lifetime: 24 * time.Hour, persist: true},
			[]step{{path: "/get"}, {path: "/put"}, {path: "/get"}, {path: "/put"}, {path: "/get"},
				{path: "/flash"}, {path: "/pop"}, {path: "/pop"}, {path: "/remove"}, {path: "/get"}, {path: "/clear"}, {path: "/get"}}},
		{"renew and destroy", config{lifetime: time.Hour, persist: true, cookieName: "sid", secure: true, sameSite: http.SameSiteStrictMode},
			[]step{{path: "/put"}, {path: "/login"}, {path: "/get"}, {path: "/logout"}, {path: "/get"},
				{path: "/put"}, {path: "/destroy-put"}, {path: "/get"}, {path: "/stream"}, {path: "/get"}}},
		{"remember me", config{lifetime: 2 * time.Hour, persist: false},
			[]step{{path: "/put"}, {path: "/get"}, {path: "/remember"}, {path: "/put"}, {path: "/get"}, {path: "/logout"}}},
		// Generous margins: each library is timed under -race on a busy machine.
		{"idle timeout", config{lifetime: time.Hour, idle: 1500 * time.Millisecond, persist: true},
			[]step{{path: "/put"}, {path: "/get", sleep: 400 * time.Millisecond}, {path: "/get", sleep: 400 * time.Millisecond},
				{path: "/get", sleep: 1800 * time.Millisecond}, {path: "/put"}}},
		{"absolute lifetime", config{lifetime: 500 * time.Millisecond, persist: true},
			[]step{{path: "/put"}, {path: "/put", sleep: 100 * time.Millisecond}, {path: "/get", sleep: 600 * time.Millisecond}}},
	}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			name := sc.cfg.cookieName
			if name == "" {
				name = "session"
			}
			want := run(t, newSCS(sc.cfg), name, sc.steps)
			got := run(t, newOurs(sc.cfg), name, sc.steps)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("step %d %s:\n ours %+v\n scs  %+v", i, sc.steps[i].path, got[i], want[i])
				}
			}
		})
	}
}
