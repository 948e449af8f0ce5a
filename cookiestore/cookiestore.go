// Package cookiestore keeps session data in the session cookie itself,
// sealed with AES-GCM, for applications without a database: the client
// carries the session, and the server stores nothing.
//
// A sealed cookie cannot be revoked. Destroy and RenewToken stop this
// server from sending the old cookie again, but a copy taken before (by the
// user, or by malware on their machine) stays valid until its expiry, and
// can be replayed until then: a server-side store is the choice where a
// logout must end a session everywhere at once. Keep the session small, too:
// browsers keep about 4096 bytes per cookie, name and attributes included,
// so a session that seals to more than MaxTokenLength fails to save with
// ErrTooLarge.
package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// MaxTokenLength is the longest sealed token a CookieStore makes: the cookie
// value, leaving room within a browser's 4096-byte limit for the cookie's
// name and attributes.
const MaxTokenLength = 3800

// ErrTooLarge is returned (wrapped) by Seal, and so by the session
// manager's Commit, when a session's sealed token would be longer than
// MaxTokenLength.
var ErrTooLarge = errors.New("cookiestore: the session is too large for a cookie")

// version is the first byte of every sealed token's binary form; it is also
// the additional data that AES-GCM authenticates.
const version = 1

// overhead is what sealing adds to a payload before base64: the version,
// the nonce, the expiry and the GCM tag.
const overhead = 1 + 12 + 8 + 16

// CookieStore seals session data into the token. Create one with New; the
// zero value has no keys and cannot seal. It is safe for concurrent use.
//
// It implements scs.Store and scs.SealingStore: Find opens a token, Seal
// makes one, and Commit and Delete do nothing, since there is nothing on
// the server to write or delete.
type CookieStore struct {
	aeads []cipher.AEAD // the first seals; all open
	now   func() time.Time
}

// New returns a store that seals with the first key and opens tokens
// sealed with any of them, so keys can be rotated: put the new key first,
// keep the old ones until the sessions they sealed have expired. Each key
// must be 16, 24 or 32 random bytes (AES-128, -192 or -256).
func New(keys ...[]byte) (*CookieStore, error) {
	if len(keys) == 0 {
		return nil, errors.New("cookiestore: New needs at least one key")
	}
	s := &CookieStore{now: time.Now}
	for i, k := range keys {
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("cookiestore: key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cookiestore: key %d: %w", i, err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// Seal returns a token that carries b until expiry, encrypted and
// authenticated with the first key. It fails, wrapping ErrTooLarge, when
// the token would be longer than MaxTokenLength.
func (s *CookieStore) Seal(b []byte, expiry time.Time) (string, error) {
	if len(s.aeads) == 0 {
		return "", errors.New("cookiestore: the store has no keys; create it with New")
	}
	if n := base64.RawURLEncoding.EncodedLen(overhead + len(b)); n > MaxTokenLength {
		return "", fmt.Errorf("%w: it seals to %d bytes, and a cookie value may hold %d; keep less in the session, or use a server-side store", ErrTooLarge, n, MaxTokenLength)
	}
	aead := s.aeads[0]
	buf := make([]byte, 1+aead.NonceSize(), overhead+len(b))
	buf[0] = version
	if _, err := rand.Read(buf[1:]); err != nil {
		return "", fmt.Errorf("cookiestore: nonce: %w", err)
	}
	plain := make([]byte, 8, 8+len(b))
	binary.BigEndian.PutUint64(plain, uint64(expiry.UnixMilli()))
	plain = append(plain, b...)
	buf = aead.Seal(buf, buf[1:1+aead.NonceSize()], plain, buf[:1])
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// Find opens token and returns the data sealed in it. found is false, and
// err nil, for a token that is malformed, too long, sealed with a key the
// store does not have, tampered with, or expired.
func (s *CookieStore) Find(token string) (b []byte, found bool, err error) {
	b, _, found, err = s.FindExpiry(token)
	return b, found, err
}

// FindExpiry is Find that also returns the expiry the token was sealed
// with, so that scs.SessionManager.IdleRefreshInterval can skip
// re-issuing a cookie whose expiry is still recent.
func (s *CookieStore) FindExpiry(token string) (b []byte, expiry time.Time, found bool, err error) {
	if len(token) > MaxTokenLength {
		return nil, time.Time{}, false, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < overhead || raw[0] != version {
		return nil, time.Time{}, false, nil
	}
	for _, aead := range s.aeads {
		ns := aead.NonceSize()
		plain, err := aead.Open(nil, raw[1:1+ns], raw[1+ns:], raw[:1])
		if err != nil || len(plain) < 8 {
			continue
		}
		expiry := time.UnixMilli(int64(binary.BigEndian.Uint64(plain))).UTC()
		if !s.now().Before(expiry) {
			return nil, time.Time{}, false, nil
		}
		return plain[8:], expiry, true, nil
	}
	return nil, time.Time{}, false, nil
}

// Commit does nothing and returns nil: the session manager seals the data
// into the token instead (Seal), and the client keeps it.
func (s *CookieStore) Commit(token string, b []byte, expiry time.Time) error {
	return nil
}

// Delete does nothing and returns nil: a sealed token cannot be recalled.
// The session manager stops sending it, and it expires on its own.
func (s *CookieStore) Delete(token string) error {
	return nil
}
