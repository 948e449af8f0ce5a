package bench

import (
	"bytes"
	"context"
	"encoding/gob"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	scsv2 "github.com/alexedwards/scs/v2"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/seed3bbca6c1/scs"
)

func init() {
	gob.Register(time.Time{}) // SCS v2 and gorilla need it for time values
}

// The values every scenario stores and reads.
var (
	msg   = "Hello from a session!"
	when  = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	blob  = bytes.Repeat([]byte{0xab}, 64)
	sink  any // keeps read values alive so the compiler cannot drop them
	noop  = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	okRes = []byte("ok")
)

// manager is the API ours and SCS v2 share.
type manager interface {
	LoadAndSave(http.Handler) http.Handler
	Put(ctx context.Context, key string, val interface{})
	GetString(ctx context.Context, key string) string
	GetInt(ctx context.Context, key string) int
	GetBool(ctx context.Context, key string) bool
	GetTime(ctx context.Context, key string) time.Time
	GetBytes(ctx context.Context, key string) []byte
}

// read is what a read handler saw, for the check outside the timer.
type read struct {
	s  string
	i  int
	ok bool
	t  time.Time
	b  []byte
}

func (r read) valid() bool {
	return r.s == msg && r.i >= 1 && r.ok && r.t.Equal(when) && bytes.Equal(r.b, blob)
}

// lib is one library under test: handlers for each scenario.
type lib struct {
	name                 string
	put, seed, get, incr http.Handler
	last                 *read
	payload              func(c *http.Cookie) int // bytes stored per session
}

func scsLike(name string, m manager, payload func(token string) int) lib {
	l := lib{name: name, last: &read{}}
	l.put = m.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m.Put(ctx, "message", msg)
		m.Put(ctx, "count", 1)
		m.Put(ctx, "when", when)
		w.Write(okRes)
	}))
	l.seed = m.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m.Put(ctx, "message", msg)
		m.Put(ctx, "count", 1)
		m.Put(ctx, "admin", true)
		m.Put(ctx, "when", when)
		m.Put(ctx, "blob", blob)
	}))
	l.get = m.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		*l.last = read{m.GetString(ctx, "message"), m.GetInt(ctx, "count"), m.GetBool(ctx, "admin"), m.GetTime(ctx, "when"), m.GetBytes(ctx, "blob")}
		w.Write(okRes)
	}))
	l.incr = m.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m.Put(ctx, "count", m.GetInt(ctx, "count")+1)
		w.Write(okRes)
	}))
	l.payload = func(c *http.Cookie) int { return payload(c.Value) }
	return l
}

func ours() lib {
	m := scs.New()
	return scsLike("ours", m, func(tok string) int { b, _, _ := m.Store.Find(tok); return len(b) })
}

func scsV2() lib {
	m := scsv2.New()
	return scsLike("scs", m, func(tok string) int { b, _, _ := m.Store.Find(tok); return len(b) })
}

func gorilla(name string, store sessions.Store) lib {
	l := lib{name: name, last: &read{}}
	get := func(r *http.Request) *sessions.Session {
		s, err := store.Get(r, "session")
		if err != nil {
			panic(err)
		}
		return s
	}
	save := func(w http.ResponseWriter, r *http.Request, s *sessions.Session) {
		if err := s.Save(r, w); err != nil {
			panic(err)
		}
	}
	l.put = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(r)
		s.Values["message"], s.Values["count"], s.Values["when"] = msg, 1, when
		save(w, r, s)
		w.Write(okRes)
	})
	l.seed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(r)
		s.Values["message"], s.Values["count"], s.Values["admin"], s.Values["when"], s.Values["blob"] = msg, 1, true, when, blob
		save(w, r, s)
	})
	l.get = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(r)
		var rd read
		rd.s, _ = s.Values["message"].(string)
		rd.i, _ = s.Values["count"].(int)
		rd.ok, _ = s.Values["admin"].(bool)
		rd.t, _ = s.Values["when"].(time.Time)
		rd.b, _ = s.Values["blob"].([]byte)
		*l.last = rd
		w.Write(okRes)
	})
	l.incr = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(r)
		n, _ := s.Values["count"].(int)
		s.Values["count"] = n + 1
		save(w, r, s)
		w.Write(okRes)
	})
	l.payload = func(c *http.Cookie) int { return len(c.Value) }
	return l
}

func libs(b testing.TB) []lib {
	hashKey := bytes.Repeat([]byte("k"), 32)
	fs := sessions.NewFilesystemStore(b.TempDir(), hashKey)
	return []lib{ours(), scsV2(), gorilla("gorilla-cookie", sessions.NewCookieStore(hashKey)), gorilla("gorilla-fs", fs)}
}

// serve runs one request through h and returns the recorded response. Every
// scenario builds a new request per iteration, as a server does (and
// gorilla/sessions caches its session in the request it is given).
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func request(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

// seeded creates a session holding the five values and returns its cookie.
func seeded(b testing.TB, l lib) *http.Cookie {
	return seededWith(b, l.seed)
}

// seededWith runs the seed handler once and returns the session cookie it
// set.
func seededWith(b testing.TB, seed http.Handler) *http.Cookie {
	w := serve(seed, request(nil))
	for _, c := range w.Result().Cookies() {
		if c.Name == "session" {
			return c
		}
	}
	b.Fatal("seeding set no session cookie")
	return nil
}

func BenchmarkBaseline(b *testing.B) {
	for b.Loop() {
		serve(noop, request(nil))
	}
}

func BenchmarkNewSession(b *testing.B) {
	for _, l := range libs(b) {
		b.Run(l.name, func(b *testing.B) {
			cs := serve(l.put, request(nil)).Result().Cookies()
			if len(cs) != 1 {
				b.Fatal("NewSession wrote no cookie")
			}
			for b.Loop() {
				serve(l.put, request(nil))
			}
			b.ReportMetric(float64(l.payload(cs[0])), "B/session")
		})
	}
}

func BenchmarkReadSession(b *testing.B) {
	for _, l := range libs(b) {
		b.Run(l.name, func(b *testing.B) {
			c := seeded(b, l)
			serve(l.get, request(c))
			if !l.last.valid() {
				b.Fatalf("read back %+v", *l.last)
			}
			for b.Loop() {
				serve(l.get, request(c))
			}
			b.ReportMetric(float64(l.payload(c)), "B/session")
		})
	}
}

func BenchmarkUpdateSession(b *testing.B) {
	for _, l := range libs(b) {
		b.Run(l.name, func(b *testing.B) {
			c := seeded(b, l)
			for b.Loop() {
				serve(l.incr, request(c))
			}
		})
	}
}

func BenchmarkParallelRead(b *testing.B) {
	for _, l := range libs(b) {
		b.Run(l.name, func(b *testing.B) {
			c := seeded(b, l)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serve(l.get, request(c))
				}
			})
		})
	}
}

// codecPayload is the five-value payload, encoded by our codec.
func codecPayload() ([]byte, error) {
	return scs.GobCodec{}.Encode(when.Add(24*time.Hour), codecValues())
}

// codecValues is the five-value payload of the read scenario.
func codecValues() map[string]interface{} {
	return map[string]interface{}{"message": msg, "count": 1, "admin": true, "when": when, "blob": blob}
}

func BenchmarkCodec(b *testing.B) {
	deadline := when.Add(24 * time.Hour)
	codecs := []struct {
		name string
		c    interface {
			Encode(time.Time, map[string]interface{}) ([]byte, error)
			Decode([]byte) (time.Time, map[string]interface{}, error)
		}
	}{{"ours", scs.GobCodec{}}, {"scs", scsv2.GobCodec{}}}
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			p, err := c.c.Encode(deadline, codecValues())
			if err != nil {
				b.Fatal(err)
			}
			if d, v, err := c.c.Decode(p); err != nil || !d.Equal(deadline) || len(v) != 5 {
				b.Fatalf("round trip: %v %v %v", d, v, err)
			}
			vals := codecValues()
			for b.Loop() {
				p, _ := c.c.Encode(deadline, vals)
				_, v, _ := c.c.Decode(p)
				sink = v
			}
			b.ReportMetric(float64(len(p)), "B/session")
		})
	}
	b.Run("gorilla-cookie", func(b *testing.B) {
		sc := securecookie.New(bytes.Repeat([]byte("k"), 32), nil)
		vals := map[interface{}]interface{}{}
		for k, v := range codecValues() {
			vals[k] = v
		}
		p, err := sc.Encode("session", vals)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			p, _ := sc.Encode("session", vals)
			out := map[interface{}]interface{}{}
			sc.Decode("session", p, &out)
			sink = out
		}
		b.ReportMetric(float64(len(p)), "B/session")
	})
}
