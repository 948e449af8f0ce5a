// Package firestore is a Google Cloud Firestore session store for scs, over
// the cloud.google.com/go/firestore client.
//
// Each session is a document in the collection "Sessions" whose ID is the
// session token, with the fields Data (bytes: the encoded session) and Expiry
// (timestamp): the layout SCS v2's firestore store uses, so both read each
// other's sessions. Expiry is compared with this machine's clock, as SCS does.
package firestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cleanup"
)

// deleteBatch is how many expired documents one cleanup transaction deletes
// at most, so that no transaction holds its document locks for long.
const deleteBatch = 500

// Config configures a store made by NewWithConfig. The zero value gives a
// store on the collection "Sessions" that runs no cleanup goroutine.
type Config struct {
	// CleanUpInterval is how often the cleanup goroutine deletes expired
	// sessions. Zero or less runs no goroutine.
	CleanUpInterval time.Duration

	// Collection is the ID of the top-level collection that holds the
	// sessions. Empty means "Sessions".
	Collection string
}

// FireStore is a session store in a Firestore collection. It is safe for
// concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type FireStore struct {
	// Client is the client the store was made with. It is embedded, as in
	// SCS, so the store also offers the client's methods (Close, ...).
	*firestore.Client

	// Sessions is the collection that holds the sessions. It is exported
	// for compatibility with SCS; change it, if at all, before the store's
	// first use (or use NewWithConfig), never while the store is in use.
	Sessions *firestore.CollectionRef

	runner *cleanup.Runner
}

// sessionDoc is the shape of a session document.
type sessionDoc struct {
	Data   []byte    `firestore:"Data"`
	Expiry time.Time `firestore:"Expiry"`
}

// New returns a store on the collection "Sessions" of client's database. Its
// cleanup goroutine deletes expired sessions every 5 minutes, from the first
// use of the store until StopCleanup.
func New(client *firestore.Client) *FireStore {
	return NewWithCleanupInterval(client, 5*time.Minute)
}

// NewWithCleanupInterval is New with the cleanup goroutine running every
// cleanupInterval instead; zero runs no goroutine, so expired documents stay
// in the collection (Find still ignores them).
func NewWithCleanupInterval(client *firestore.Client, cleanupInterval time.Duration) *FireStore {
	return NewWithConfig(client, Config{CleanUpInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by cfg. It panics if
// cfg.Collection is not a valid collection ID (it must not contain a slash).
func NewWithConfig(client *firestore.Client, cfg Config) *FireStore {
	name := cfg.Collection
	if name == "" {
		name = "Sessions"
	}
	if !validID(name) {
		panic(fmt.Sprintf("firestore: invalid collection ID %q", name))
	}
	s := &FireStore{Client: client, Sessions: client.Collection(name)}
	s.runner = cleanup.New(cfg.CleanUpInterval, s.deleteExpired)
	return s
}

// Find returns the data of the session token. found is false, with a nil
// error, when there is no such session or it has expired.
func (s *FireStore) Find(token string) (b []byte, found bool, err error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (s *FireStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	b, _, found, err = s.find(ctx, "find", token)
	return b, found, err
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (s *FireStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return s.find(ctx, "find expiry", token)
}

// find is FindCtx and FindExpiry, whose errors it prefixes with op.
func (s *FireStore) find(ctx context.Context, op, token string) (b []byte, expiry time.Time, found bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	id, ok := docID(token)
	if !ok {
		return nil, time.Time{}, false, nil // no session can have this token
	}
	snap, err := s.Sessions.Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	var doc sessionDoc
	if err := snap.DataTo(&doc); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	if !time.Now().Before(doc.Expiry) {
		return nil, time.Time{}, false, nil
	}
	return doc.Data, doc.Expiry, true, nil
}

// Commit stores the session token with its data and expiry, replacing any
// document the token has.
func (s *FireStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (s *FireStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("firestore: commit: %w", err)
	}
	if err := checkSize("commit", b); err != nil {
		return err
	}
	id, ok := docID(token)
	if !ok {
		return fmt.Errorf("firestore: commit: token %.50q is not a valid document ID", token)
	}
	if b == nil {
		b = []byte{} // an empty bytes field, never a null one
	}
	if _, err := s.Sessions.Doc(id).Set(ctx, sessionDoc{Data: b, Expiry: expiry}); err != nil {
		return fmt.Errorf("firestore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the session token with data b and expiry, as Commit
// does, if and only if the session has not expired and its data is exactly
// old; it reports whether it did. It reads the document, compares, and
// writes it with an update whose precondition is the update time it read,
// so a write by anyone else in between makes it report false and write
// nothing: optimistic, without the locks of a Firestore transaction, which
// contending requests of one session would keep aborting. A missing or
// expired session is not swapped, and a cancelled context gives an error
// and writes nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (s *FireStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	swapped, _, err = s.writeIf(ctx, "compare and swap", token, b, expiry, func(cur []byte) bool { return bytes.Equal(cur, old) })
	return swapped, err
}

// Update stores the session token with data b and expiry, as Commit does,
// if and only if the session exists and has not expired, and reports
// whether it did; it never creates the document. Firestore's own Update
// fails only for a missing document, not for an expired one that cleanup
// has not deleted yet, so Update reads the document and updates it on the
// condition that its update time is still the one read (reading again when
// another request wrote it meanwhile). A
// cancelled context gives an error and writes nothing. It makes the store an
// scs.UpdateStore, so that a session destroyed or renewed by one request is
// not written back by another.
func (s *FireStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	for attempt := 0; ; attempt++ {
		found, raced, err := s.writeIf(ctx, "update", token, b, expiry, nil)
		if !raced || attempt == maxUpdateAttempts {
			if raced {
				err = fmt.Errorf("firestore: update: the session kept changing under %d attempts", attempt+1)
			}
			return found, err
		}
	}
}

// maxUpdateAttempts bounds how often Update reads again after another
// request wrote the session between its read and its write.
const maxUpdateAttempts = 16

// writeIf reads token's document and, when the session is live and match
// (if not nil) accepts its data, updates it to b and expiry on the
// condition that its update time is still the one read. It reports whether
// it wrote, and raced when another write came between the read and the
// update (then it wrote nothing). op names the caller in errors.
func (s *FireStore) writeIf(ctx context.Context, op, token string, b []byte, expiry time.Time, match func(cur []byte) bool) (wrote, raced bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	if err := checkSize(op, b); err != nil {
		return false, false, err
	}
	id, ok := docID(token)
	if !ok {
		return false, false, nil // no session can have this token
	}
	if b == nil {
		b = []byte{} // an empty bytes field, never a null one
	}
	ref := s.Sessions.Doc(id)
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	var doc sessionDoc
	if err := snap.DataTo(&doc); err != nil {
		return false, false, fmt.Errorf("firestore: %s: %w", op, err)
	}
	if !time.Now().Before(doc.Expiry) || (match != nil && !match(doc.Data)) {
		return false, false, nil // expired sessions are not revived
	}
	_, err = ref.Update(ctx, []firestore.Update{{Path: "Data", Value: b}, {Path: "Expiry", Value: expiry}},
		firestore.LastUpdateTime(snap.UpdateTime))
	switch status.Code(err) {
	case codes.OK:
		return true, false, nil
	case codes.NotFound:
		return false, false, nil // deleted meanwhile
	case codes.FailedPrecondition:
		return false, true, nil // written by someone else meanwhile
	}
	return false, false, fmt.Errorf("firestore: %s: %w", op, err)
}

// Delete removes the session token. Deleting a token that does not exist is
// not an error.
func (s *FireStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (s *FireStore) DeleteCtx(ctx context.Context, token string) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("firestore: delete: %w", err)
	}
	id, ok := docID(token)
	if !ok {
		return nil // no session can have this token
	}
	if _, err := s.Sessions.Doc(id).Delete(ctx); err != nil {
		return fmt.Errorf("firestore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by
// token; an empty, non-nil map when there is none.
func (s *FireStore) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (s *FireStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("firestore: all: %w", err)
	}
	iter := s.Sessions.Where("Expiry", ">", time.Now()).Documents(ctx)
	defer iter.Stop()
	sessions := make(map[string][]byte)
	for {
		snap, err := iter.Next()
		if errors.Is(err, iterator.Done) {
			return sessions, nil
		}
		if err != nil {
			return nil, fmt.Errorf("firestore: all: %w", err)
		}
		var doc sessionDoc
		if err := snap.DataTo(&doc); err != nil {
			return nil, fmt.Errorf("firestore: all: %s: %w", snap.Ref.ID, err)
		}
		sessions[tokenOf(snap.Ref.ID)] = doc.Data
	}
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is safe
// to call more than once, and on a store that runs no goroutine. Call it when
// a store is discarded before the program ends, as in tests.
func (s *FireStore) StopCleanup() {
	s.runner.Stop()
}

// deleteExpired deletes the documents that expired before now, at most
// deleteBatch of them per transaction. The transaction reads the documents
// it deletes, so a session committed anew meanwhile is not deleted.
func (s *FireStore) deleteExpired(ctx context.Context) error {
	expired := s.Sessions.Where("Expiry", "<", time.Now()).Select().Limit(deleteBatch)
	for {
		var n int
		err := s.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			docs, err := tx.Documents(expired).GetAll()
			if err != nil {
				return err
			}
			for _, doc := range docs {
				if err := tx.Delete(doc.Ref); err != nil {
					return err
				}
			}
			n = len(docs)
			return nil
		})
		if err != nil {
			return fmt.Errorf("firestore: delete expired sessions: %w", err)
		}
		if n < deleteBatch {
			return nil
		}
	}
}

// reservedPrefix marks the document IDs of tokens that Firestore reserves
// (see docID). It is not in the base64url alphabet of tokens.
const reservedPrefix = "~"

// docID returns the ID of the document that holds token, and false when no
// document can (a tampered token with a slash, say). The ID is the token
// itself, except that Firestore reserves the IDs that start and end with
// "__", which a random token is once in about 16.7 million times: those
// tokens get reservedPrefix before them (SCS could never store them).
func docID(token string) (string, bool) {
	if reserved(token) {
		token = reservedPrefix + token
	}
	return token, validID(token)
}

// tokenOf is the reverse of docID.
func tokenOf(id string) string {
	if t, ok := strings.CutPrefix(id, reservedPrefix); ok && reserved(t) {
		return t
	}
	return id
}

// validID reports whether Firestore accepts id as a document or collection
// ID: valid UTF-8 of at most 1500 bytes, no slash, not "." or "..", and not
// reserved ("__" at both ends).
func validID(id string) bool {
	return id != "" && len(id) <= 1500 && utf8.ValidString(id) &&
		!strings.Contains(id, "/") && id != "." && id != ".." && !reserved(id)
}

// reserved reports whether Firestore reserves id: it matches __.*__.
func reserved(id string) bool {
	return len(id) >= 4 && strings.HasPrefix(id, "__") && strings.HasSuffix(id, "__")
}

// MaxDataSize is the most session data, in bytes, a FireStore keeps: a
// Firestore document holds at most 1 MiB, and this leaves 1 KiB of it for
// the document's name, its field names and the expiry. Commit and
// CompareAndSwap refuse larger data before writing, with an error wrapping
// scs.ErrPayloadTooLarge, so the stored session stays as it was. The limit
// is Firestore's and cannot be raised: keep large data elsewhere and only a
// reference to it in the session.
const MaxDataSize = 1<<20 - 1<<10

// checkSize returns an error wrapping scs.ErrPayloadTooLarge when b is
// larger than MaxDataSize.
func checkSize(op string, b []byte) error {
	if len(b) > MaxDataSize {
		return fmt.Errorf("firestore: %s: %w: %d bytes, and a Firestore document holds 1 MiB, %d of it for session data "+
			"(a fixed Firestore limit: keep large data elsewhere and a reference in the session)",
			op, scs.ErrPayloadTooLarge, len(b), MaxDataSize)
	}
	return nil
}
