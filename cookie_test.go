package scs

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCookieAttributes(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	expiry := now.Add(3 * time.Hour)
	cases := []struct {
		name   string
		cookie SessionCookie
		want   string
	}{
		{"defaults", New().Cookie,
			"session=TOKEN; Path=/; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; HttpOnly; SameSite=Lax"},
		{"all set", SessionCookie{Name: "sid", Domain: "example.com", Path: "/example/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, Partitioned: true, Persist: true},
			"sid=TOKEN; Path=/example/; Domain=example.com; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; HttpOnly; Secure; SameSite=Strict; Partitioned"},
		{"none", SessionCookie{Name: "s", SameSite: http.SameSiteNoneMode, Secure: true, Persist: true},
			"s=TOKEN; Expires=Fri, 27 Nov 2026 13:00:01 GMT; Max-Age=10801; Secure; SameSite=None"},
		{"default samesite, not persistent", SessionCookie{Name: "s", Path: "/", SameSite: http.SameSiteDefaultMode},
			"s=TOKEN; Path=/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, _ := generateToken()
			got := tc.cookie.setCookie(tok, expiry, tc.cookie.Persist, now)
			if want := strings.Replace(tc.want, "TOKEN", tok, 1); got != want {
				t.Errorf("Set-Cookie\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestSetCookieMatchesNetHTTP checks the fast formatter against net/http's
// Cookie.String over combinations of every attribute.
func TestSetCookieMatchesNetHTTP(t *testing.T) {
	log.SetOutput(io.Discard) // net/http logs every invalid attribute it drops
	defer log.SetOutput(os.Stderr)
	now := time.Now()
	tok, _ := generateToken()
	for _, path := range []string{"", "/", "/a b/", "/x;y"} {
		for _, domain := range []string{"", "example.com", ".example.com", "bad domain"} {
			for mask := 0; mask < 16; mask++ {
				for _, ss := range []http.SameSite{0, http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode} {
					c := SessionCookie{Name: "session", Path: path, Domain: domain, SameSite: ss,
						HttpOnly: mask&1 != 0, Secure: mask&2 != 0, Partitioned: mask&4 != 0, Persist: mask&8 != 0}
					for _, expiry := range []time.Time{{}, now.Add(time.Hour)} {
						hc := http.Cookie{Name: c.Name, Value: tok, Path: path, Domain: domain, SameSite: ss,
							HttpOnly: c.HttpOnly, Secure: c.Secure, Partitioned: c.Partitioned}
						if expiry.IsZero() {
							hc.Value, hc.Expires, hc.MaxAge = "", time.Unix(1, 0), -1
						} else if c.Persist {
							hc.Expires, hc.MaxAge = time.Unix(expiry.Unix()+1, 0), int(expiry.Sub(now).Seconds()+1)
						}
						got := c.setCookie(hc.Value, expiry, c.Persist, now)
						if want := hc.String(); got != want {
							t.Fatalf("%+v expiry %v:\n got %s\nwant %s", c, expiry, got, want)
						}
					}
				}
			}
		}
	}
}

func TestPersistFalseAndRememberMe(t *testing.T) {
	s := newManager(t)
	s.Cookie.Persist = false
	w := do(t, s, put(s, "k", "v"), "")
	c := sessionCookie(w, "session")
	if c == nil || c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Fatalf("non-persistent cookie = %+v, want no Expires or Max-Age", c)
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) { s.RememberMe(r.Context(), true) }, c.Value)
	c2 := sessionCookie(w, "session")
	if c2 == nil || c2.MaxAge <= 0 || c2.Expires.IsZero() {
		t.Fatalf("cookie after RememberMe(true) = %+v, want Expires and Max-Age", c2)
	}
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		if !s.GetBool(r.Context(), "__rememberMe") {
			t.Error("__rememberMe not kept in the session")
		}
		s.RememberMe(r.Context(), false)
	}, c.Value)
	if c3 := sessionCookie(w, "session"); c3 == nil || c3.MaxAge != 0 {
		t.Fatalf("cookie after RememberMe(false) = %+v, want a session cookie", c3)
	}
}

func TestCookieValue(t *testing.T) {
	cases := []struct {
		headers []string
		want    string
	}{
		{nil, ""},
		{[]string{"session=abc"}, "abc"},
		{[]string{"a=1; session=abc; b=2"}, "abc"},
		{[]string{"a=1;session=abc"}, "abc"},
		{[]string{`session="abc"`}, "abc"},
		{[]string{"sessionx=1; xsession=2"}, ""},
		{[]string{"a=1", "session=second-header"}, "second-header"},
		{[]string{"session=first; session=second"}, "first"},
		{[]string{"session=" + strings.Repeat("a", maxCookieValue+1)}, ""},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		for _, h := range tc.headers {
			r.Header.Add("Cookie", h)
		}
		if got := cookieValue(r, "session", maxCookieValue); got != tc.want {
			t.Errorf("cookieValue(%.40q) = %q, want %q", tc.headers, got, tc.want)
		}
	}
}

func TestSessionCookieValid(t *testing.T) {
	good := New().Cookie
	if err := good.Valid(); err != nil {
		t.Fatalf("New's cookie settings: %v", err)
	}
	for _, c := range []struct {
		name string
		set  func(c *SessionCookie)
	}{
		{"SameSite=None without Secure", func(c *SessionCookie) { c.SameSite = http.SameSiteNoneMode }},
		{"__Host- without Secure", func(c *SessionCookie) { c.Name = "__Host-s" }},
		{"invalid name", func(c *SessionCookie) { c.Name = "a b" }},
	} {
		bad := good
		c.set(&bad)
		if err := bad.Valid(); err == nil || !strings.HasPrefix(err.Error(), "scs: ") {
			t.Errorf("%s: Valid() = %v, want an error starting scs:", c.name, err)
		}
	}
}
