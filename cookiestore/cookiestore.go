// Package cookiestore keeps session data in the session cookie itself,
// sealed with AES-GCM, for applications without a database: the client
// carries the session, and the server stores nothing.
//
// # What a sealed cookie is bound to
//
// AES-GCM encrypts the session's data and its expiry, and authenticates,
// beside them, the format's version, the name the session manager sends
// the token under (its Cookie.Name, which it also uses with
// LoadAndSaveHeader and with Load and Commit) and the store's application
// label (WithLabel). A cookie sealed for one name, label or key is refused
// for another, as tampered with: a session cookie of one manager cannot be
// replayed as the cookie of another manager, or another application, that
// shares the key. Refused cookies start a new, empty session.
//
// The format's version was raised to 2 when the name and label were bound:
// a cookie sealed by an earlier version of this package (version 1, bound
// to neither) is refused, so upgrading logs out every session kept in a
// cookie.
//
// # Keys and their nonce budget
//
// New takes AES keys; NewFromSecret derives them from secrets with
// HKDF-SHA256. The first key seals; every key opens, so keys are rotated by
// putting the new one first and dropping the old one once the sessions it
// sealed have expired.
//
// Every seal draws a random 96-bit nonce, and NIST SP 800-38D bounds the
// number of encryptions under one key with random nonces to 2^32: beyond
// that a nonce is likely enough to repeat, and a repeated nonce breaks
// both the secrecy and the authentication of AES-GCM. Every save of a
// session is a seal: a new or changed session, a renewed token and, with
// IdleTimeout but without IdleRefreshInterval, every request of a logged-in
// user (the idle expiry moves, so the cookie is resealed). Count the seals
// a key makes, or bound them by its age (requests per second, times the
// seconds a key is in use), and rotate the key well before 2^32, at a
// fraction of it; set IdleRefreshInterval to cut the reseals that only
// extend the idle expiry to one per interval.
//
// # What the server cannot do
//
// A sealed cookie cannot be revoked: there is no server-side record to
// delete. Destroy and RenewToken stop this server from sending the old
// cookie again, but a copy taken before (by the user, or by malware on
// their machine) stays valid until its expiry, and can be replayed until
// then: a server-side store is the choice where a logout must end a
// session everywhere at once. Only removing the key that sealed a cookie
// ends it early, and that ends every session that key sealed.
//
// For the same reason a value taken from the session (Pop, Remove) is gone
// only from the cookies sent after: an older cookie, replayed, still holds
// it. Do not keep in a cookie session a one-time value that you rely on
// being consumed, such as an OAuth state, a CSRF nonce checked once, or a
// password-reset or e-mail-confirmation code; keep those in a server-side
// store.
//
// Keep the session small, too: browsers keep about 4096 bytes per cookie,
// name and attributes included, so a session that seals to more than
// MaxTokenLength fails to save with ErrTooLarge.
package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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

// MinSecretLength is the shortest secret NewFromSecret accepts, in bytes.
const MinSecretLength = 32

// ErrTooLarge is returned (wrapped) by Seal, and so by the session
// manager's Commit, when a session's sealed token would be longer than
// MaxTokenLength.
var ErrTooLarge = errors.New("cookiestore: the session is too large for a cookie")

// version is the first byte of every sealed token's binary form, and of
// the additional data that AES-GCM authenticates. Version 1 authenticated
// nothing else; version 2 binds the cookie name and the label.
const version = 2

// overhead is what sealing adds to a payload before base64: the version,
// the nonce, the expiry and the GCM tag.
const overhead = 1 + 12 + 8 + 16

// secretInfo is HKDF's info for the keys NewFromSecret derives: it ties
// them to this package and their use, so that the same secret used for
// something else yields unrelated keys.
const secretInfo = "github.com/seed3bbca6c1/scs/cookiestore AES-256-GCM session key"

// CookieStore seals session data into the token. Create one with New or
// NewFromSecret; the zero value has no keys and cannot seal. It is safe for
// concurrent use.
//
// It implements scs.Sealer: set it as scs.SessionManager.Sealer. Seal makes
// a token for a cookie name, and Open opens one; there is nothing on the
// server to write or delete.
type CookieStore struct {
	aeads []cipher.AEAD // the first seals; all open
	label string
	now   func() time.Time
}

// New returns a store that seals with the first key and opens tokens
// sealed with any of them, so keys can be rotated: put the new key first,
// keep the old ones until the sessions they sealed have expired. Each key
// must be 16, 24 or 32 random bytes (AES-128, -192 or -256). Rotate a key
// well before it has sealed 2^32 tokens (see the package documentation).
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

// NewFromSecret is New with AES-256 keys derived from secrets with
// HKDF-SHA256 (RFC 5869), as Rails derives its cookie keys from
// secret_key_base: an application can keep one secret of any length, at
// least MinSecretLength random bytes, and need not make AES keys itself.
// The first secret seals and all open, so secrets rotate as keys do. A
// secret gives the same key in every process, and a different key from
// the one New would use with the same bytes.
func NewFromSecret(secrets ...[]byte) (*CookieStore, error) {
	if len(secrets) == 0 {
		return nil, errors.New("cookiestore: NewFromSecret needs at least one secret")
	}
	keys := make([][]byte, len(secrets))
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return nil, fmt.Errorf("cookiestore: secret %d has %d bytes, want at least %d random bytes", i, len(secret), MinSecretLength)
		}
		keys[i] = hkdfSHA256(secret, nil, []byte(secretInfo), 32)
	}
	return New(keys...)
}

// hkdfSHA256 is HKDF (RFC 5869) with HMAC-SHA256: it extracts a
// pseudorandom key from secret and salt (a string of zeros when nil), and
// expands it, with info, to n bytes (at most 255*32).
func hkdfSHA256(secret, salt, info []byte, n int) []byte {
	if salt == nil {
		salt = make([]byte, sha256.Size)
	}
	extract := hmac.New(sha256.New, salt)
	extract.Write(secret)
	prk := extract.Sum(nil)

	out := make([]byte, 0, n+sha256.Size)
	var block []byte
	for i := byte(1); len(out) < n; i++ {
		expand := hmac.New(sha256.New, prk)
		expand.Write(block)
		expand.Write(info)
		expand.Write([]byte{i})
		block = expand.Sum(nil)
		out = append(out, block...)
	}
	return out[:n]
}

// WithLabel returns a copy of s, with the same keys, whose tokens are bound
// to label as well as to the cookie name: a token sealed with one label is
// refused by a store with another (or with none, the default ""). Give
// each application that shares keys, or a secret, with others a label of
// its own (its name, say), so that one cannot open the other's cookies
// even under the same cookie name. Changing an application's label logs
// out its sessions.
func (s *CookieStore) WithLabel(label string) *CookieStore {
	c := *s
	c.label = label
	return &c
}

// Label returns the label set with WithLabel: "" by default.
func (s *CookieStore) Label() string {
	return s.label
}

// additionalData is what AES-GCM authenticates beside the payload: the
// version, the label, length first, and the cookie name.
func (s *CookieStore) additionalData(name string) []byte {
	ad := make([]byte, 0, 1+binary.MaxVarintLen64+len(s.label)+len(name))
	ad = append(ad, version)
	ad = binary.AppendUvarint(ad, uint64(len(s.label)))
	ad = append(ad, s.label...)
	return append(ad, name...)
}

// Seal returns a token that carries b until expiry for the cookie called
// name, encrypted and authenticated with the first key; Open opens it only
// for the same name, and with the same label. It fails, wrapping
// ErrTooLarge, when the token would be longer than MaxTokenLength.
func (s *CookieStore) Seal(name string, b []byte, expiry time.Time) (string, error) {
	if len(s.aeads) == 0 {
		return "", errors.New("cookiestore: the store has no keys; create it with New or NewFromSecret")
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
	buf = aead.Seal(buf, buf[1:1+aead.NonceSize()], plain, s.additionalData(name))
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// Open opens token, sealed for the cookie called name, and returns the data
// and the expiry sealed in it; the expiry lets
// scs.SessionManager.IdleRefreshInterval skip re-issuing a cookie whose
// expiry is still recent. found is false, and err nil, for a token that is
// malformed, too long, of an earlier version, sealed for another cookie
// name or label, sealed with a key the store does not have, tampered with,
// or expired.
func (s *CookieStore) Open(name, token string) (b []byte, expiry time.Time, found bool, err error) {
	if len(token) > MaxTokenLength {
		return nil, time.Time{}, false, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < overhead || raw[0] != version {
		return nil, time.Time{}, false, nil
	}
	ad := s.additionalData(name)
	for _, aead := range s.aeads {
		ns := aead.NonceSize()
		plain, err := aead.Open(nil, raw[1:1+ns], raw[1+ns:], ad)
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
