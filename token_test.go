package scs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

func TestValidToken(t *testing.T) {
	for i := 0; i < 100; i++ {
		tok, err := generateToken()
		if err != nil || !validToken(tok) || !validToken(hashToken(tok)) {
			t.Fatalf("generated token %q rejected", tok)
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 42) + "B", strings.Repeat("A", 42) + "=", strings.Repeat("+", 43)} {
		if validToken(bad) {
			t.Errorf("validToken(%q) = true", bad)
		}
	}
}

func TestMalformedCookieSkipsStore(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	bad := []string{strings.Repeat("é", 22), strings.Repeat("a", maxCookieValue+1), strings.Repeat("a", 100000),
		"a,b", `a"b`, "a\\b", "a\x01b", "a\x7fb"}
	for _, v := range bad {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", "session="+v)
		w := httptest.NewRecorder()
		s.LoadAndSave(getString(s, "k")).ServeHTTP(w, r)
		if w.Code != 200 {
			t.Errorf("cookie %.20q: status %d", v, w.Code)
		}
	}
	if cs.finds != 0 {
		t.Errorf("cookie values that cannot be tokens caused %d store look-ups", cs.finds)
	}
	// Any value a cookie can carry is looked up, as SCS v2 does: a token
	// of ours, and tokens an application or its tests made themselves.
	valid, _ := generateToken()
	for i, v := range []string{valid, "x", "some-session-id2", "../../etc/passwd", strings.Repeat("a", maxCookieValue)} {
		do(t, s, getString(s, "k"), v)
		if cs.finds != i+1 {
			t.Errorf("token %.20q caused %d look-ups in all, want %d", v, cs.finds, i+1)
		}
	}
	// No cookie and an unused session: the store is not touched at all.
	finds := cs.finds
	do(t, s, func(http.ResponseWriter, *http.Request) {}, "")
	if cs.finds != finds || cs.commits != 0 {
		t.Errorf("an unused session touched the store: %d finds, %d commits", cs.finds-finds, cs.commits)
	}
}

// TestMadeUpTokenLoadsAsInSCS loads a session that an application (or its
// tests) committed under a token of its own making, as SCS v2 does.
func TestMadeUpTokenLoadsAsInSCS(t *testing.T) {
	s := newManager(t)
	exp := time.Now().Add(time.Hour)
	b, err := s.Codec.Encode(exp, map[string]interface{}{"state": "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Commit("some-session-id", b, exp); err != nil {
		t.Fatal(err)
	}
	ctx, err := s.Load(context.Background(), "some-session-id")
	if err != nil || s.GetString(ctx, "state") != "abc" {
		t.Fatalf("Load of a made-up token: %q, %v; want abc", s.GetString(ctx, "state"), err)
	}
	if w := do(t, s, getString(s, "state"), "some-session-id"); w.Body.String() != "abc" {
		t.Errorf("LoadAndSave with the made-up token read %q", w.Body.String())
	}
}

func FuzzCookieToken(f *testing.F) {
	tok, _ := generateToken()
	for _, seed := range []string{"session=" + tok, "a=b; session=\"" + tok + "\"", "session=", ";;;=;", "session=\xff\x00"} {
		f.Add(seed)
	}
	s := New()
	s.Store = memstore.NewWithCleanupInterval(0)
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		v := cookieValue(r, "session", maxCookieValue)
		if validToken(v) && len(v) != tokenLen {
			t.Fatalf("validToken accepted %q", v)
		}
		w := httptest.NewRecorder()
		s.LoadAndSave(getString(s, "k")).ServeHTTP(w, r)
		if w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("cookie %q: code %d body %q", header, w.Code, w.Body.String())
		}
	})
}

// validToken reports whether t can be a token this package generated: 43
// characters of the base64url alphabet, and a last character that encodes no
// stray bits. The tests check generated tokens with it.
func validToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isBase64URL(t[i]) {
			return false
		}
	}
	// 32 bytes are 256 bits: the last of the 43 characters carries 4 bits,
	// so its low 2 bits are zero in every canonical encoding.
	return base64URLValue(t[tokenLen-1])&3 == 0
}

func base64URLValue(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	default:
		return 63
	}
}
