package cookiestore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

var _ scs.Sealer = (*CookieStore)(nil)

// jarValue returns the value of srv's cookie called name in its client's jar.
func jarValue(t *testing.T, srv *server, name string) string {
	t.Helper()
	for _, c := range srv.client.Jar.Cookies(mustURL(t, srv.URL)) {
		if c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("no cookie %q in the jar", name)
	return ""
}

// send GETs path from srv with one cookie, name=value, and no jar; it
// returns the body and the Set-Cookie header.
func send(t *testing.T, srv *server, path, name, value string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Cookie", name+"="+value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %q", path, resp.StatusCode, b)
	}
	return string(b), resp.Header.Get("Set-Cookie")
}

func named(name string) func(*scs.SessionManager) {
	return func(m *scs.SessionManager) { m.Cookie.Name = name }
}

// Two managers share a key and read different cookies: a session cookie of
// one, sent to the other under the other's name, opens nothing.
func TestCookieMovedToAnotherNameIsRefused(t *testing.T) {
	user := newServer(t, mustNew(t, key1), named("session"))
	admin := newServer(t, mustNew(t, key1), named("admin"))
	user.get(t, "/put?v=user-data")
	v := jarValue(t, user, "session")

	if body, _ := send(t, admin, "/get", "admin", v); body != "" {
		t.Fatalf("the admin manager read %q from the session cookie", body)
	}
	// The new session it started is its own, under its own name, and the
	// moved value is not resealed into it.
	body, sc := send(t, admin, "/put?v=admin-data", "admin", v)
	if body != "" || !strings.HasPrefix(sc, "admin=") {
		t.Fatalf("put: %q, Set-Cookie %q", body, sc)
	}
	adminValue := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "admin=")
	if body, _ := send(t, admin, "/get", "admin", adminValue); body != "admin-data" {
		t.Fatalf("admin reads %q from its own cookie", body)
	}
	// The other way round too, and the original still opens where it
	// belongs.
	if body, _ := send(t, user, "/get", "session", adminValue); body != "" {
		t.Fatalf("the session manager read %q from the admin cookie", body)
	}
	if body, _ := send(t, user, "/get", "session", v); body != "user-data" {
		t.Fatalf("the session manager reads %q from its own cookie", body)
	}
	if len(user.errs)+len(admin.errs) != 0 {
		t.Fatalf("errors: %v %v", user.errs, admin.errs)
	}
}

// LoadAndSaveHeader binds tokens to Cookie.Name as well.
func TestHeaderTokenBoundToCookieName(t *testing.T) {
	serve := func(name string) string {
		m := scs.New()
		m.Sealer = mustNew(t, key1)
		m.Cookie.Name = name
		h := m.LoadAndSaveHeader("X-Session", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := r.URL.Query().Get("v"); v != "" {
				m.Put(r.Context(), "v", v)
			}
			io.WriteString(w, m.GetString(r.Context(), "v"))
		}))
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	a, b := serve("a"), serve("b")
	get := func(url, token string) (string, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("X-Session", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body), resp.Header.Get("X-Session")
	}
	_, tok := get(a+"/?v=x", "")
	if tok == "" {
		t.Fatal("no token in the response header")
	}
	if body, _ := get(a+"/", tok); body != "x" {
		t.Fatalf("manager a reads %q from its own token", body)
	}
	if body, _ := get(b+"/", tok); body != "" {
		t.Fatalf("manager b (another Cookie.Name) read %q from a's token", body)
	}
}

func TestLabelMismatchIsRefused(t *testing.T) {
	base := mustNew(t, key1)
	appA := newServer(t, base.WithLabel("app-a"), nil)
	appB := newServer(t, base.WithLabel("app-b"), nil)
	unlabelled := newServer(t, base, nil)
	sameLabel := newServer(t, mustNew(t, key1).WithLabel("app-a"), nil)

	appA.get(t, "/put?v=a-data")
	v := jarValue(t, appA, "session")
	for _, other := range []*server{appB, unlabelled} {
		if body, _ := send(t, other, "/get", "session", v); body != "" {
			t.Errorf("a store labelled %q read %q from app-a's cookie", other.m.Sealer.(*CookieStore).Label(), body)
		}
	}
	if body, _ := send(t, sameLabel, "/get", "session", v); body != "a-data" {
		t.Fatalf("another store labelled app-a reads %q", body)
	}
	unlabelled.get(t, "/put?v=plain")
	if body, _ := send(t, appA, "/get", "session", jarValue(t, unlabelled, "session")); body != "" {
		t.Fatalf("app-a read %q from an unlabelled store's cookie", body)
	}
	if base.Label() != "" {
		t.Fatalf("WithLabel changed the original store's label to %q", base.Label())
	}
}

// sealV1 seals b as the first version of this package did: version byte 1,
// authenticated alone.
func sealV1(t *testing.T, key, b []byte, expiry time.Time) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, _ := cipher.NewGCM(block)
	buf := make([]byte, 13, overhead+len(b))
	buf[0] = 1
	rand.Read(buf[1:])
	plain := binary.BigEndian.AppendUint64(nil, uint64(expiry.UnixMilli()))
	plain = append(plain, b...)
	buf = aead.Seal(buf, buf[1:13], plain, buf[:1])
	return base64.RawURLEncoding.EncodeToString(buf)
}

func TestOldVersionTokenIsRefused(t *testing.T) {
	srv := newServer(t, mustNew(t, key1), nil)
	// A real session's encoded data, sealed in the version-1 format.
	data, err := srv.m.Codec.Encode(time.Now().Add(time.Hour), map[string]any{"v": "old-format"})
	if err != nil {
		t.Fatal(err)
	}
	old := sealV1(t, key1, data, time.Now().Add(time.Hour))
	if body, _ := send(t, srv, "/get", "session", old); body != "" {
		t.Fatalf("a version-1 cookie opened: %q", body)
	}
	// Nor does relabelling it as version 2 help.
	raw, _ := base64.RawURLEncoding.DecodeString(old)
	raw[0] = version
	if body, _ := send(t, srv, "/get", "session", base64.RawURLEncoding.EncodeToString(raw)); body != "" {
		t.Fatalf("a version-1 cookie with its version byte raised opened: %q", body)
	}
	if len(srv.errs) != 0 {
		t.Fatalf("errors: %v", srv.errs)
	}
}

func TestOpenChecksNameAndLabel(t *testing.T) {
	s := mustNew(t, key1)
	exp := time.Now().Add(time.Hour)
	tok, err := s.Seal("session", []byte("data"), exp)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		st   *CookieStore
		name string
		want bool
	}{
		{s, "session", true},
		{s, "Session", false},
		{s, "session ", false},
		{s, "", false},
		{s.WithLabel("x"), "session", false},
		{mustNew(t, key2, key1), "session", true},
		{mustNew(t, key2), "session", false},
	} {
		b, _, found, err := c.st.Open(c.name, tok)
		if err != nil || found != c.want || (found && string(b) != "data") {
			t.Errorf("Open(%q) with label %q = %q %v %v, want found %v", c.name, c.st.Label(), b, found, err, c.want)
		}
	}
	// The label is length-prefixed: label "ab" and name "c" is not label
	// "a" and name "bc".
	tok, _ = s.WithLabel("ab").Seal("c", []byte("data"), exp)
	if _, _, found, _ := s.WithLabel("a").Open("bc", tok); found {
		t.Error("label and name run together")
	}
}

func TestNewFromSecret(t *testing.T) {
	secret := bytes.Repeat([]byte("s"), 48)
	newer := bytes.Repeat([]byte("n"), 32)
	old := newServer(t, must(NewFromSecret(secret)), nil)
	old.get(t, "/put?v=secret-data")
	v := jarValue(t, old, "session")

	// The same secret, in another process, derives the same key.
	if body, _ := send(t, newServer(t, must(NewFromSecret(secret)), nil), "/get", "session", v); body != "secret-data" {
		t.Fatalf("the same secret reads %q", body)
	}
	// Rotation: the new secret seals, the old still opens.
	rotated := newServer(t, must(NewFromSecret(newer, secret)), nil)
	body, sc := send(t, rotated, "/put?v=resealed", "session", v)
	if body != "" || !strings.HasPrefix(sc, "session=") {
		t.Fatalf("rotated put: %q, Set-Cookie %q", body, sc)
	}
	if body, _ := send(t, rotated, "/get", "session", v); body != "secret-data" {
		t.Fatalf("the rotated store reads %q from the old secret's cookie", body)
	}
	resealed := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "session=")
	if body, _ := send(t, newServer(t, must(NewFromSecret(newer)), nil), "/get", "session", resealed); body != "resealed" {
		t.Fatalf("the new secret alone reads %q from the resealed cookie", body)
	}
	if body, _ := send(t, old, "/get", "session", resealed); body != "" {
		t.Fatalf("the old secret alone read %q from the new secret's cookie", body)
	}
	// The secret is not used as a key as it is.
	if body, _ := send(t, newServer(t, mustNew(t, newer), nil), "/get", "session", resealed); body != "" {
		t.Fatalf("New(secret) read %q from NewFromSecret(secret)'s cookie", body)
	}

	for _, bad := range [][][]byte{nil, {make([]byte, MinSecretLength-1)}, {secret, []byte("short")}} {
		if _, err := NewFromSecret(bad...); err == nil {
			t.Errorf("NewFromSecret accepted %d secrets with a short one or none", len(bad))
		}
	}
}

func must(s *CookieStore, err error) *CookieStore {
	if err != nil {
		panic(err)
	}
	return s
}

// RFC 5869, appendix A, test cases 1 and 3.
func TestHKDFVectors(t *testing.T) {
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	got := hkdfSHA256(ikm, unhex("000102030405060708090a0b0c"), unhex("f0f1f2f3f4f5f6f7f8f9"), 42)
	want := unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
	if !bytes.Equal(got, want) {
		t.Errorf("case 1: %x, want %x", got, want)
	}
	got = hkdfSHA256(ikm, []byte{}, nil, 42)
	want = unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
	if !bytes.Equal(got, want) {
		t.Errorf("case 3: %x, want %x", got, want)
	}
	if got := hkdfSHA256(ikm, nil, nil, 42); !bytes.Equal(got, want) {
		t.Errorf("a nil salt is not a string of zeros: %x", got)
	}
}
