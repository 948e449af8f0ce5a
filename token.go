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

// validToken reports whether t can be a token this package generated: 43
// characters of the base64url alphabet, and a last character that encodes no
// stray bits.
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

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
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
