package scs

import (
	"context"
	"fmt"
)

// EventKind names what happened to a session in an Event.
type EventKind int

const (
	// [EventCreated] is sent when a new session is saved for the first time.
	EventCreated EventKind = iota + 1

	// [EventLoaded] is sent when a session is read from the store.
	EventLoaded

	// [EventSaved] is sent when an existing session is saved.
	EventSaved

	// [EventRenewed] is sent when RenewToken gives a session that was in the
	// store a new token. ID names the old token; the next [EventCreated],
	// when the session is saved, names the new one.
	EventRenewed

	// [EventDestroyed] is sent when Destroy, or DestroyUser, deletes a session.
	EventDestroyed

	// [EventInvalidToken] is sent when a client sent a token that cannot
	// be one this package generated; the request gets a new session.
	EventInvalidToken

	// [EventUndecodable] is sent when the data stored for a token cannot be
	// decoded; the request gets a new, empty session. Err says why.
	EventUndecodable

	// [EventStoreError] is sent when a store operation fails. Err is the
	// error, which is also returned or passed to ErrorFunc.
	EventStoreError

	// [EventConflict] is sent when MergeConcurrent gives up on a save
	// because other requests kept changing the session ([ErrConflict]).
	EventConflict

	// [EventSaveRefused] is sent when a save finds that another request has
	// destroyed the session or renewed its token meanwhile: this request's
	// changes are dropped and no cookie is sent ([ErrSessionGone]).
	EventSaveRefused

	// [EventWeakStore] is sent once, when the manager first uses a store
	// that cannot make a logout stick: it implements no [UpdateStore], nor
	// does a store it wraps (see [StoreAs]). ID is ""; Err wraps
	// [ErrWeakStore] and names the store's type.
	EventWeakStore
)

// String returns the kind's name, such as "created" or "store-error".
func (k EventKind) String() string {
	switch k {
	case EventCreated:
		return "created"
	case EventLoaded:
		return "loaded"
	case EventSaved:
		return "saved"
	case EventRenewed:
		return "renewed"
	case EventDestroyed:
		return "destroyed"
	case EventInvalidToken:
		return "invalid-token"
	case EventUndecodable:
		return "undecodable"
	case EventStoreError:
		return "store-error"
	case EventConflict:
		return "conflict"
	case EventSaveRefused:
		return "save-refused"
	case EventWeakStore:
		return "weak-store"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is what [SessionManager.OnEvent] receives. The zero value is not a
// valid event.
type Event struct {
	// Kind says what happened.
	Kind EventKind

	// ID identifies the session without revealing its token: the first
	// 12 characters of the token's SHA-256 in base64url (the same as the
	// start of its store key with HashTokenInStore). It is "" when there
	// is no token, and for [EventInvalidToken].
	ID string

	// Err is the error behind [EventUndecodable], [EventStoreError],
	// [EventConflict], [EventSaveRefused] and [EventWeakStore]; nil otherwise.
	Err error
}

// idLen is the length of [Event.ID].
const idLen = 12

// tokenID returns [Event.ID] for a token from a client.
func tokenID(token string) string {
	if token == "" {
		return ""
	}
	return hashToken(token)[:idLen]
}

// eventID returns [Event.ID] for a store key: the start of the key with
// HashTokenInStore (where it is the token's hash), else of the token's hash.
func (s *SessionManager) eventID(key string) string {
	if s.HashTokenInStore && key != "" && s.Sealer == nil {
		return key[:min(idLen, len(key))]
	}
	return tokenID(key)
}

// emit sends an event about the session stored under key to OnEvent, if it
// is set. It costs nothing otherwise.
func (s *SessionManager) emit(ctx context.Context, kind EventKind, key string, err error) {
	if s.OnEvent == nil {
		return
	}
	s.OnEvent(ctx, Event{Kind: kind, ID: s.eventID(key), Err: err})
}
