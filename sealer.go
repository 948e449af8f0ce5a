package scs

import "time"

// [Sealer] keeps a session's data in its token instead of a store: the
// client carries it, as in a cookie-based session (cookiestore.CookieStore).
// Set [SessionManager.Sealer] to use one; the manager then uses no Store.
//
// Every save makes a new token with Seal, and Load opens a token with Open.
// A token is not limited to 43 characters, and HashTokenInStore,
// MergeConcurrent, MergeSession, Iterate, SetUser's index and DestroyUser do
// not apply: nothing on the server can end a sealed session before its
// expiry.
//
// The manager passes Seal and Open its Cookie.Name as name, whether the
// token travels in the cookie (LoadAndSave), in a header
// (LoadAndSaveHeader) or through Load and Commit, so that a sealer can bind
// a token to the cookie it was made for: a token sealed for one name must
// not open under another.
type Sealer interface {
	// Seal returns a token that carries b until expiry, for the cookie
	// called name. Open(name, token) must return b and expiry until then.
	Seal(name string, b []byte, expiry time.Time) (token string, err error)

	// Open returns the data and expiry that Seal(name, ...) sealed in
	// token. found is false, and err nil, for an expired token, and for
	// any token that Seal did not make for name.
	Open(name, token string) (b []byte, expiry time.Time, found bool, err error)
}

// maxSealedToken bounds the tokens a [Sealer] is asked to open: what a
// browser keeps in one cookie.
const maxSealedToken = 4096
