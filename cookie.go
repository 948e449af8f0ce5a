package scs

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// [SessionCookie] configures the session cookie. The zero value is a
// non-persistent cookie with no attributes and no name, which LoadAndSave
// refuses; New sets the defaults listed on each field.
//
// LoadAndSave checks the settings when it is called (see [SessionCookie.Valid])
// and panics, with a message starting "scs: ", on any that browsers would
// silently drop: an
// invalid Name, Path or Domain, a __Host- name without Secure, with a Path
// other than "/" or with a Domain, a __Secure- name without Secure, and
// SameSite=None or Partitioned without Secure. It never changes them.
type SessionCookie struct {
	// Name is the cookie's name. The default is "session".
	//
	// It must be a valid cookie name: letters, digits and
	// !#$%&'*+-.^_`|~ only, with no spaces, separators such as ;,=" or
	// control characters. Managers that serve the same request need
	// different names. For a site served only over HTTPS, a name starting
	// with "__Host-" (such as "__Host-session") is the strongest choice:
	// browsers accept it only with Secure, Path "/" and no Domain, so a
	// sibling subdomain or an HTTP page cannot set or shadow it. "__Secure-"
	// asks for Secure only.
	Name string

	// Domain is the cookie's Domain attribute. The default is empty: the
	// cookie is sent only to the host that set it.
	//
	// Setting it (to "example.com", say) also sends the cookie to every
	// subdomain, which then sees the token; leave it empty unless those
	// subdomains must share the session.
	Domain string

	// HttpOnly sets the HttpOnly attribute. The default is true.
	//
	// It hides the cookie from JavaScript, so a cross-site scripting flaw
	// cannot read the token. Keep it unless scripts really need the token.
	HttpOnly bool

	// Path is the cookie's Path attribute. The default is "/": every path
	// of the site. A __Host- cookie requires "/".
	Path string

	// SameSite is the cookie's SameSite attribute. The default is
	// http.SameSiteLaxMode.
	//
	// Lax sends the cookie on same-site requests and on top-level
	// navigations from other sites, which blocks most cross-site request
	// forgery while links into the site keep the user logged in. Strict
	// sends it on same-site requests only: safer, but a user who follows a
	// link from elsewhere arrives logged out. None sends it on every
	// cross-site request (for embedded or cross-site use) and requires
	// Secure; protect state-changing requests against forgery yourself.
	// http.SameSiteDefaultMode writes no attribute, which browsers now
	// treat as Lax.
	SameSite http.SameSite

	// Secure sets the Secure attribute: the browser sends the cookie over
	// HTTPS only. The default is false, so that plain-HTTP development
	// servers work.
	//
	// Set it in production on any site served over HTTPS, so that the
	// token never travels in clear text. It is required with SameSite
	// None, Partitioned and the __Host- and __Secure- name prefixes.
	// Browsers treat http://localhost as secure, so it works in local
	// development there too.
	Secure bool

	// Partitioned sets the Partitioned attribute (CHIPS): in a third-party
	// context the browser keeps a separate cookie per top-level site. The
	// default is false. It requires Secure.
	Partitioned bool

	// Persist makes the cookie outlive the browser session, with Expires
	// and Max-Age set to the session's expiry. The default is true. When
	// false the cookie persists only after RememberMe(ctx, true).
	Persist bool
}

// maxCookieValue bounds the length of a session cookie value that
// cookieValue returns: a token is 43 characters, so a longer value cannot be
// one and is treated as no cookie. The rest of the Cookie header is not
// bounded here: the scan allocates nothing, and net/http's
// Server.MaxHeaderBytes bounds the header as a whole.
const maxCookieValue = 256

// cookieValue returns the value of the first cookie called name in r, or ""
// when there is none or its value is longer than limit (maxCookieValue, or
// maxSealedToken for a [Sealer]). Unlike
// r.Cookie it allocates nothing: it scans the Cookie headers in place, however
// many other cookies they carry. Quotes around the value are removed.
func cookieValue(r *http.Request, name string, limit int) string {
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimLeft(part, " \t")
			k, v, ok := strings.Cut(part, "=")
			if !ok || k != name {
				continue
			}
			v = strings.TrimRight(v, " \t")
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if len(v) > limit {
				return ""
			}
			return v
		}
	}
	return ""
}

// Valid reports why browsers, or net/http, would drop a cookie written
// with c's settings, or returns nil: a name that is not a valid cookie name
// (net/http would write an empty Set-Cookie header), an invalid Path or
// Domain, the __Host- prefix without Secure, with a Path other than "/" or
// with a Domain, the __Secure- prefix without Secure, and SameSite=None or
// Partitioned without Secure. Browsers match the prefixes without regard to
// case, and so does Valid. The error's message starts with "scs: ".
//
// [SessionManager.LoadAndSave] panics with this error, and middleware for
// other frameworks should refuse such settings the same way when it is
// built.
func (c SessionCookie) Valid() error {
	hc := http.Cookie{Name: c.Name, Value: "x", Path: c.Path, Domain: c.Domain, Secure: c.Secure, Partitioned: c.Partitioned}
	if err := hc.Valid(); err != nil {
		return fmt.Errorf("scs: invalid session cookie settings (Name %q, Path %q, Domain %q): %w", c.Name, c.Path, c.Domain, err)
	}
	hasPrefix := func(p string) bool { return len(c.Name) >= len(p) && strings.EqualFold(c.Name[:len(p)], p) }
	var problem string
	switch {
	case hasPrefix("__Host-") && !c.Secure:
		problem = "a cookie named __Host-... must set Secure"
	case hasPrefix("__Host-") && c.Path != "/":
		problem = fmt.Sprintf("a cookie named __Host-... must have Path \"/\", not %q", c.Path)
	case hasPrefix("__Host-") && c.Domain != "":
		problem = fmt.Sprintf("a cookie named __Host-... must have no Domain, not %q", c.Domain)
	case hasPrefix("__Secure-") && !c.Secure:
		problem = "a cookie named __Secure-... must set Secure"
	case c.SameSite == http.SameSiteNoneMode && !c.Secure:
		problem = "SameSite=None needs Secure"
	}
	if problem != "" {
		return fmt.Errorf("scs: invalid session cookie settings (Name %q): %s, or browsers drop the cookie", c.Name, problem)
	}
	return nil
}

// setCookie returns the Set-Cookie header value for token, formatted exactly
// as net/http's Cookie.String formats it. A zero expiry gives an expired
// cookie; persist adds Expires and Max-Age for a live one.
func (c SessionCookie) setCookie(token string, expiry time.Time, persist bool, now time.Time) string {
	hc := http.Cookie{
		Name:        c.Name,
		Value:       token,
		Path:        c.Path,
		Domain:      c.Domain,
		HttpOnly:    c.HttpOnly,
		Secure:      c.Secure,
		SameSite:    c.SameSite,
		Partitioned: c.Partitioned,
	}
	switch {
	case expiry.IsZero():
		hc.Expires = time.Unix(1, 0)
		hc.MaxAge = -1
	case persist:
		hc.Expires = time.Unix(expiry.Unix()+1, 0)     // rounded up to the second
		hc.MaxAge = int(expiry.Sub(now).Seconds() + 1) // likewise
	}
	if c.Domain != "" || !plainCookiePath(c.Path) || !plainToken(c.Name) || !plainToken(token) {
		return hc.String()
	}
	return appendCookie(make([]byte, 0, 160), &hc)
}

// appendCookie formats a cookie whose name, value and path need no checks or
// escaping and which has no Domain, as Cookie.String would.
func appendCookie(b []byte, c *http.Cookie) string {
	b = append(b, c.Name...)
	b = append(b, '=')
	b = append(b, c.Value...)
	if c.Path != "" {
		b = append(b, "; Path="...)
		b = append(b, c.Path...)
	}
	if !c.Expires.IsZero() {
		b = append(b, "; Expires="...)
		b = c.Expires.UTC().AppendFormat(b, http.TimeFormat)
	}
	if c.MaxAge > 0 {
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, int64(c.MaxAge), 10)
	} else if c.MaxAge < 0 {
		b = append(b, "; Max-Age=0"...)
	}
	if c.HttpOnly {
		b = append(b, "; HttpOnly"...)
	}
	if c.Secure {
		b = append(b, "; Secure"...)
	}
	switch c.SameSite {
	case http.SameSiteNoneMode:
		b = append(b, "; SameSite=None"...)
	case http.SameSiteLaxMode:
		b = append(b, "; SameSite=Lax"...)
	case http.SameSiteStrictMode:
		b = append(b, "; SameSite=Strict"...)
	}
	if c.Partitioned {
		b = append(b, "; Partitioned"...)
	}
	return string(b)
}

// plainToken reports whether s is non-empty and made of letters, digits, '-'
// and '_' only: safe as a cookie name or value as it is.
func plainToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return false
		}
	}
	return s != ""
}

// plainCookiePath reports whether net/http would write p unchanged.
func plainCookiePath(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// cookieLimit is the longest session cookie value worth reading: a token,
// or a sealed session with a [Sealer].
func (s *SessionManager) cookieLimit() int {
	if s.sealing() {
		return maxSealedToken
	}
	return maxCookieValue
}
