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

// validToken reports whether t can be a token this package generated: 43
// characters of the base64url alphabet, and a last character that encodes no
// stray bits. Anything else starts a new session without a store look-up.
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
