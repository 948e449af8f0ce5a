// Package boltstore is an scs session store over a bbolt (go.etcd.io/bbolt)
// database, with data laid out as SCS v2's boltstore lays it.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
	"go.etcd.io/bbolt"
)

// bucketName is the bucket that holds the sessions, keyed by token. Each value
// is the expiry as 8-byte big-endian Unix nanoseconds followed by the payload.
var bucketName = []byte("scs:session")

// expiryLen is the length of the expiry that starts every value.
const expiryLen = 8

// cleanupBatch is how many entries one cleanup pass looks at, and so the most
// it deletes in one write transaction.
const cleanupBatch = 1000

// BoltStore is a session store over a bbolt database. Create one with New or
// NewWithCleanupInterval; the zero value is not usable. A BoltStore is safe
// for concurrent use.
type BoltStore struct {
	db     *bbolt.DB
	runner *cleanup.Runner
}

// New returns a BoltStore over db whose cleanup goroutine deletes expired
// sessions every minute. The goroutine starts on the store's first use; stop
// it with StopCleanup.
func New(db *bbolt.DB) *BoltStore {
	return NewWithCleanupInterval(db, time.Minute)
}

// NewWithCleanupInterval returns a BoltStore over db whose cleanup goroutine
// deletes expired sessions every cleanupInterval. With an interval of 0 no
// goroutine runs and expired sessions stay in the database, although Find and
// All never return them.
//
// It creates the scs:session bucket when db is writable and lacks it.
func NewWithCleanupInterval(db *bbolt.DB, cleanupInterval time.Duration) *BoltStore {
	s := &BoltStore{db: db}
	s.runner = cleanup.New(cleanupInterval, s.deleteExpired)
	if !db.IsReadOnly() {
		// An error here shows again in Commit, which creates the bucket
		// too; the constructor keeps SCS's signature without an error.
		_ = db.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucketName)
			return err
		})
	}
	return s
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired, even before cleanup deletes it.
func (s *BoltStore) Find(token string) (b []byte, found bool, err error) {
	b, _, found, err = s.find("find", token)
	return b, found, err
}

// FindExpiry is Find that also returns the session's expiry, which starts
// the stored value, in the same read. It makes the store an
// scs.ExpiryStore, so that SessionManager.IdleRefreshInterval can skip the
// store write of requests that come soon after the last one.
func (s *BoltStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return s.find("find expiry", token)
}

// find is Find and FindExpiry, whose errors it prefixes with op.
func (s *BoltStore) find(op, token string) (b []byte, expiry time.Time, found bool, err error) {
	s.runner.Start()
	now := time.Now().UnixNano()
	err = s.db.View(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketName)
		if bucket == nil {
			return nil
		}
		val := bucket.Get([]byte(token))
		if payload, ok := live(val, now); ok {
			b, found = bytes.Clone(payload), true
			expiry = time.Unix(0, int64(binary.BigEndian.Uint64(val)))
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("boltstore: %s: %w", op, err)
	}
	return b, expiry, found, nil
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had.
func (s *BoltStore) Commit(token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	val := make([]byte, expiryLen+len(b))
	binary.BigEndian.PutUint64(val, uint64(expiry.UnixNano()))
	copy(val[expiryLen:], b)
	err := s.db.Update(func(tx *bbolt.Tx) error {
		bucket, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		return bucket.Put([]byte(token), val)
	})
	if err != nil {
		return fmt.Errorf("boltstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the payload b for token until expiry, as Commit
// does, if and only if the session has not expired and holds exactly old,
// comparing and writing in one write transaction; it reports whether it
// did. A missing or expired session is not swapped, and a cancelled context
// gives an error and writes nothing. It makes the store an
// scs.UpdateStore (CompareAndSwap), so that SessionManager.MergeConcurrent is
// atomic.
func (s *BoltStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	return s.replace(ctx, "compare and swap", token, b, expiry, func(cur []byte) bool { return bytes.Equal(cur, old) })
}

// Update stores the payload b for token until expiry, as Commit does, if
// and only if the session exists and has not expired, checking and writing
// in one write transaction; it reports whether it did and never creates the
// key. A cancelled context gives an error and writes nothing. It makes the
// store an scs.UpdateStore, so that a session destroyed or renewed by one
// request is not written back by another.
func (s *BoltStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return s.replace(ctx, "update", token, b, expiry, nil)
}

// replace writes b for token until expiry, in one write transaction, if the
// session is live and, when match is not nil, match accepts its payload;
// it reports whether it wrote. op names the caller in errors.
func (s *BoltStore) replace(ctx context.Context, op, token string, b []byte, expiry time.Time, match func(cur []byte) bool) (replaced bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("boltstore: %s: %w", op, err)
	}
	val := make([]byte, expiryLen+len(b))
	binary.BigEndian.PutUint64(val, uint64(expiry.UnixNano()))
	copy(val[expiryLen:], b)
	err = s.db.Update(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketName)
		if bucket == nil {
			return nil
		}
		payload, ok := live(bucket.Get([]byte(token)), time.Now().UnixNano())
		if !ok || (match != nil && !match(payload)) {
			return nil
		}
		replaced = true
		return bucket.Put([]byte(token), val)
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: %s: %w", op, err)
	}
	return replaced, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *BoltStore) Delete(token string) error {
	s.runner.Start()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketName)
		if bucket == nil {
			return nil
		}
		return bucket.Delete([]byte(token))
	})
	if err != nil {
		return fmt.Errorf("boltstore: delete: %w", err)
	}
	return nil
}

// All returns the payloads of all sessions that have not expired, keyed by
// token; an empty, non-nil map when there are none.
func (s *BoltStore) All() (map[string][]byte, error) {
	s.runner.Start()
	sessions := make(map[string][]byte)
	now := time.Now().UnixNano()
	err := s.db.View(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketName)
		if bucket == nil {
			return nil
		}
		return bucket.ForEach(func(k, v []byte) error {
			if payload, ok := live(v, now); ok {
				sessions[string(k)] = bytes.Clone(payload)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to return. It is
// safe to call more than once, and on a store that runs no goroutine. Call it
// before closing the database when a store is short-lived, as in tests.
func (s *BoltStore) StopCleanup() {
	s.runner.Stop()
}

// live returns the payload of a stored value when the value is well formed
// and its expiry is after now (Unix nanoseconds).
func live(val []byte, now int64) ([]byte, bool) {
	if expired(val, now) {
		return nil, false
	}
	return val[expiryLen:], true
}

// expired reports whether a stored value's expiry is at or before now. A
// value too short to hold an expiry counts as expired.
func expired(val []byte, now int64) bool {
	return len(val) < expiryLen || int64(binary.BigEndian.Uint64(val)) <= now
}

// deleteExpired deletes the expired sessions in passes of at most
// cleanupBatch entries: a read transaction finds the expired tokens, and a
// short write transaction deletes those that are still expired, so a token
// committed again in between is kept and writers are never held up long.
func (s *BoltStore) deleteExpired(ctx context.Context) error {
	var after []byte // the last key looked at; nil before the first pass
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var tokens [][]byte
		more := false
		now := time.Now().UnixNano()
		err := s.db.View(func(tx *bbolt.Tx) error {
			bucket := tx.Bucket(bucketName)
			if bucket == nil {
				return nil
			}
			c := bucket.Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n := 0; k != nil; k, v = c.Next() {
				if n == cleanupBatch {
					more = true
					break
				}
				n++
				after = bytes.Clone(k)
				if expired(v, now) {
					tokens = append(tokens, bytes.Clone(k))
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("boltstore: cleanup: %w", err)
		}
		if len(tokens) > 0 {
			err = s.db.Update(func(tx *bbolt.Tx) error {
				bucket := tx.Bucket(bucketName)
				if bucket == nil {
					return nil
				}
				now := time.Now().UnixNano()
				for _, k := range tokens {
					if v := bucket.Get(k); v != nil && expired(v, now) {
						if err := bucket.Delete(k); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("boltstore: cleanup: %w", err)
			}
		}
		if !more {
			return nil
		}
	}
}
