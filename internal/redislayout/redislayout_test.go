package redislayout

import (
	"strings"
	"testing"
	"time"
)

func TestUserKey(t *testing.T) {
	for _, c := range []struct{ prefix, user, want string }{
		{"scs:session:", "alice", "scs:user:alice"},
		{"scs:session:", "alice@example.com", "scs:user:alice@example.com"},
		{"scs:session:", "app1:bob", "scs:user:app1%3Abob"},
		{"app1:session:", "bob", "app1:user:bob"},
		{"{app1}:session:", "b{o}b", "{app1}:user:b%7Bo%7Db"},
		{"app1:", "bob", "scs:user:[app1%3A]:bob"},
		{"scs:", "app1:bob", "scs:user:[scs%3A]:app1%3Abob"},
		{"", "bob", "scs:user:[]:bob"},
		{"session:", "bob", "user:bob"},
		{"scs:session:", "\x00é%*", "scs:user:%00%C3%A9%25%2A"},
	} {
		if got := UserKey(c.prefix, c.user); got != c.want {
			t.Errorf("UserKey(%q, %q) = %q, want %q", c.prefix, c.user, got, c.want)
		}
	}
}

// TestUserKeyUnambiguous checks that no two (prefix, user ID) pairs of a
// set built to collide share a key, among them the pairs the first layout
// confused ("scs:session:" with "app1:bob" and "app1:" with "bob"; "scs:"
// with "app1:bob" and "scs:app1:" with "bob"), and that a key never holds a
// hash tag its prefix did not.
func TestUserKeyUnambiguous(t *testing.T) {
	prefixes := []string{
		"", "scs:", "scs:session:", "app1:", "scs:app1:", "app1:session:",
		"session:", "user:", "user", "scs:user:", "scs:user:session:",
		"a", "ab", "]:", "[", "%3A", ":", "x]:y:session:", "scs:user:[app1%3A]:session:",
	}
	users := []string{
		"", "bob", "app1:bob", "session:bob", "user:bob", ":", "%3A", "]:bob",
		"b", "c", "bc", "{bob}", "\x00", "\xff", "é", strings.Repeat("x", 4096),
	}
	seen := make(map[string][2]string)
	for _, p := range prefixes {
		for _, u := range users {
			key := UserKey(p, u)
			if prev, ok := seen[key]; ok {
				t.Errorf("UserKey(%q, %q) = UserKey(%q, %q) = %q", p, u, prev[0], prev[1], key)
			}
			seen[key] = [2]string{p, u}
			if !strings.Contains(p, "{") && strings.ContainsAny(key, "{}") {
				t.Errorf("UserKey(%q, %q) = %q holds a brace", p, u, key)
			}
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"alice-01._~@+=": "alice-01._~@+=",
		"a:b":            "a%3Ab",
		"%":              "%25",
		"{}[]*?\\ '\"":   "%7B%7D%5B%5D%2A%3F%5C%20%27%22",
		"\x00\xff":       "%00%FF",
		"ü":              "%C3%BC",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUserMember(t *testing.T) {
	created := time.UnixMilli(1765104998123)
	active := time.UnixMilli(1765105998456)
	for _, c := range []struct {
		token           string
		created, active time.Time
		label           string
		want            string
	}{
		{"tok", created, active, "Firefox on Linux", "tok\x001765104998123\x001765105998456\x00Firefox on Linux"},
		{"tok", time.Time{}, time.Time{}, "", "tok\x00\x00\x00"},
		{"tok", time.UnixMilli(-5), active, "a\x00b\x00\x00\xff", "tok\x00-5\x001765105998456\x00a\x00b\x00\x00\xff"},
		{"", created, time.Time{}, strings.Repeat("é", 100), "\x001765104998123\x00\x00" + strings.Repeat("é", 100)},
	} {
		m := UserMember(c.token, c.created, c.active, c.label)
		if m != c.want {
			t.Errorf("UserMember(%q, %v, %v, %q) = %q, want %q", c.token, c.created, c.active, c.label, m, c.want)
		}
		tok, cr, ac, label, ok := ParseUserMember(m)
		if !ok || tok != c.token || !cr.Equal(c.created) || cr.IsZero() != c.created.IsZero() ||
			!ac.Equal(c.active) || ac.IsZero() != c.active.IsZero() || label != c.label {
			t.Errorf("ParseUserMember(%q) = %q, %v, %v, %q, %v", m, tok, cr, ac, label, ok)
		}
	}
	// Times keep their milliseconds, and drop what is finer.
	fine := time.Unix(1765104998, 123456789)
	if _, cr, _, _, _ := ParseUserMember(UserMember("t", fine, fine, "")); !cr.Equal(fine.Truncate(time.Millisecond)) {
		t.Errorf("created %v, want %v", cr, fine.Truncate(time.Millisecond))
	}
}

func TestParseUserMember(t *testing.T) {
	// A bare store key, as the first layout wrote.
	if tok, cr, ac, label, ok := ParseUserMember("abc-_DEF"); !ok || tok != "abc-_DEF" || !cr.IsZero() || !ac.IsZero() || label != "" {
		t.Errorf("ParseUserMember(bare) = %q, %v, %v, %q, %v", tok, cr, ac, label, ok)
	}
	for _, m := range []string{"t\x00", "t\x001\x00", "t\x00x\x00\x00", "t\x00\x001.5\x00", "t\x00 1\x00\x00"} {
		if _, _, _, _, ok := ParseUserMember(m); ok {
			t.Errorf("ParseUserMember(%q) ok", m)
		}
	}
}

func TestExpiryMillis(t *testing.T) {
	if got := ExpiryMillis(1765104998123); got.UnixMilli() != 1765104998123 {
		t.Errorf("ExpiryMillis = %d", got.UnixMilli())
	}
}

func TestUserEntries(t *testing.T) {
	t1, t2 := time.UnixMilli(1765104998000), time.UnixMilli(1765104999000)
	members := []string{
		"a",
		UserMember("a", t1, t2, "A"),
		UserMember("b", t1, t2, "B1"),
		UserMember("b", t1, t2, "B2"),
		"c\x00garbage",
		"d",
	}
	scores := []float64{float64(t2.UnixMilli()), float64(t2.UnixMilli()), float64(t1.UnixMilli()), float64(t2.UnixMilli()), 5, 7}
	got := UserEntries(members, scores)
	want := []UserEntry{
		{Token: "a", Expiry: t2, Created: t1, LastActive: t2, Label: "A"},
		{Token: "b", Expiry: t2, Created: t1, LastActive: t2, Label: "B2"},
		{Token: "c", Expiry: time.UnixMilli(5)},
		{Token: "d", Expiry: time.UnixMilli(7)},
	}
	if len(got) != len(want) {
		t.Fatalf("UserEntries = %v, want %v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Token != w.Token || !g.Expiry.Equal(w.Expiry) || !g.Created.Equal(w.Created) || !g.LastActive.Equal(w.LastActive) || g.Label != w.Label {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
	}
}
