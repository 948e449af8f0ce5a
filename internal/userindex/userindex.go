// Package userindex holds the entry type of the index of user sessions,
// scs.UserIndexEntry, apart from package scs so that memstore, which scs
// imports, can implement scs.UserIndexStore.
package userindex

import "time"

// Entry is one session in an scs.UserIndexStore's index of a user's
// sessions. A store keeps its times to the millisecond at least, and its
// label as given (at most scs.MaxUserLabel bytes).
type Entry struct {
	// Token is the session's store key.
	Token string

	// Expiry is when the session expires, as saved.
	Expiry time.Time

	// Created is when the session got its user (SetUser, at login).
	Created time.Time

	// LastActive is when the session was last saved: the time of its last
	// request, to within scs.SessionManager.IdleRefreshInterval.
	LastActive time.Time

	// Label is the application's label for the session (scs.SessionManager.SetUserLabel),
	// such as "Firefox on Linux"; "" for none.
	Label string
}
