package redislayout

import (
	"strings"
	"testing"
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
