package scs

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// tokenLen is the length of a token: 32 random bytes, base64url without
// padding.
const tokenLen = 43

// generateToken returns a new random session token.
func generateToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("scs: generate token: %w", err)
	}
	var t [tokenLen]byte
	base64.RawURLEncoding.Encode(t[:], b[:])
	return string(t[:]), nil
}

// hashToken returns the store key of token when HashTokenInStore is set: its
// SHA-256, base64url without padding.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// cookieToken reports whether t can be a session token from a client: 1 to
// maxCookieValue cookie-value characters (RFC 6265: printable ASCII but for
// space, '"', ',', ';' and a backslash). Such a value is looked up in the store, as
// SCS v2 looks up any value, so that tokens an application or its tests
// made themselves keep working; anything else starts a new session without
// a store look-up, and no stray byte reaches a store.
func cookieToken(t string) bool {
	if t == "" || len(t) > maxCookieValue {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
