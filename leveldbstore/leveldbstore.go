// Package leveldbstore is an scs session store over a LevelDB database
// (github.com/syndtr/goleveldb), with data laid out as SCS v2's leveldbstore
// lays it.
package leveldbstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// prefix starts the key of every session; the token follows it. Each value is
// the expiry as 8-byte big-endian Unix nanoseconds followed by the payload.
const prefix = "scs:session:"

// expiryLen is the length of the expiry that starts every value.
const expiryLen = 8

// cleanupBatch is how many entries one cleanup pass looks at, and so the most
// it deletes in one write.
const cleanupBatch = 1000

// LevelDBStore is a session store over a LevelDB database. Create one with New
// or NewWithCleanupInterval; the zero value is not usable. A LevelDBStore is
// safe for concurrent use.
type LevelDBStore struct {
	db     *leveldb.DB
	runner *cleanup.Runner

	// writeMu is held shared by Commit and Delete, and exclusively by the
	// cleanup while it checks that entries are still expired and deletes
	// them, so that it never deletes a session committed again meanwhile,
	// and by CompareAndSwap while it reads, compares and writes, so that no
	// other write comes in between.
	writeMu sync.RWMutex
}

// New returns a LevelDBStore over db whose cleanup goroutine deletes expired
// sessions every minute. The goroutine starts on the store's first use; stop
// it with StopCleanup.
func New(db *leveldb.DB) *LevelDBStore {
	return NewWithCleanupInterval(db, time.Minute)
}

// NewWithCleanupInterval returns a LevelDBStore over db whose cleanup
// goroutine deletes expired sessions every cleanupInterval. With an interval
// of 0 no goroutine runs and expired sessions stay in the database, although
// Find and All never return them.
func NewWithCleanupInterval(db *leveldb.DB, cleanupInterval time.Duration) *LevelDBStore {
	s := &LevelDBStore{db: db}
	s.runner = cleanup.New(cleanupInterval, s.deleteExpired)
	return s
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired, even before cleanup deletes it.
func (s *LevelDBStore) Find(token string) (b []byte, found bool, err error) {
	b, _, found, err = s.find("find", token)
	return b, found, err
}

// FindExpiry is Find that also returns the session's expiry, which starts
// the stored value, in the same read. It makes the store an
// scs.ExpiryStore, so that SessionManager.IdleRefreshInterval can skip the
// store write of requests that come soon after the last one.
func (s *LevelDBStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return s.find("find expiry", token)
}

// find is Find and FindExpiry, whose errors it prefixes with op.
func (s *LevelDBStore) find(op, token string) (b []byte, expiry time.Time, found bool, err error) {
	s.runner.Start()
	val, err := s.db.Get([]byte(prefix+token), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("leveldbstore: %s: %w", op, err)
	}
	if expired(val, time.Now().UnixNano()) {
		return nil, time.Time{}, false, nil
	}
	return val[expiryLen:], time.Unix(0, int64(binary.BigEndian.Uint64(val))), true, nil
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had.
func (s *LevelDBStore) Commit(token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	val := make([]byte, expiryLen+len(b))
	binary.BigEndian.PutUint64(val, uint64(expiry.UnixNano()))
	copy(val[expiryLen:], b)
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	if err := s.db.Put([]byte(prefix+token), val, nil); err != nil {
		return fmt.Errorf("leveldbstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the payload b for token until expiry, as Commit
// does, if and only if the session has not expired and holds exactly old;
// it reports whether it did. It reads, compares and writes under the
// store's write lock, held exclusively, so no other write of the store
// comes in between. A missing or expired session is not swapped, and a
// cancelled context gives an error and writes nothing. It makes the store
// an scs.UpdateStore (its CompareAndSwap), so that SessionManager.MergeConcurrent is
// atomic, as long as only this store writes to the database's sessions.
func (s *LevelDBStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	return s.replace(ctx, "compare and swap", token, b, expiry, func(cur []byte) bool { return bytes.Equal(cur, old) })
}

// Update stores the payload b for token until expiry, as Commit does, if
// and only if the session exists and has not expired, and reports whether
// it did; it never creates the key. It reads and writes under the store's
// write lock, held exclusively, so no Commit or Delete of the store comes in
// between. A cancelled context gives an error and writes nothing. It makes
// the store an scs.UpdateStore, so that a session destroyed or renewed by
// one request is not written back by another.
func (s *LevelDBStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	return s.replace(ctx, "update", token, b, expiry, nil)
}

// replace writes b for token until expiry, under the store's write lock, if
// the session is live and, when match is not nil, match accepts its
// payload; it reports whether it wrote. op names the caller in errors.
func (s *LevelDBStore) replace(ctx context.Context, op, token string, b []byte, expiry time.Time, match func(cur []byte) bool) (replaced bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("leveldbstore: %s: %w", op, err)
	}
	val := make([]byte, expiryLen+len(b))
	binary.BigEndian.PutUint64(val, uint64(expiry.UnixNano()))
	copy(val[expiryLen:], b)
	key := []byte(prefix + token)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur, err := s.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("leveldbstore: %s: %w", op, err)
	}
	if expired(cur, time.Now().UnixNano()) || (match != nil && !match(cur[expiryLen:])) {
		return false, nil
	}
	if err := s.db.Put(key, val, nil); err != nil {
		return false, fmt.Errorf("leveldbstore: %s: %w", op, err)
	}
	return true, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *LevelDBStore) Delete(token string) error {
	s.runner.Start()
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	if err := s.db.Delete([]byte(prefix+token), nil); err != nil {
		return fmt.Errorf("leveldbstore: delete: %w", err)
	}
	return nil
}

// All returns the payloads of all sessions that have not expired, keyed by
// token; an empty, non-nil map when there are none.
func (s *LevelDBStore) All() (map[string][]byte, error) {
	s.runner.Start()
	sessions := make(map[string][]byte)
	now := time.Now().UnixNano()
	iter := s.db.NewIterator(util.BytesPrefix([]byte(prefix)), nil)
	defer iter.Release()
	for iter.Next() {
		if val := iter.Value(); !expired(val, now) {
			sessions[string(iter.Key()[len(prefix):])] = bytes.Clone(val[expiryLen:])
		}
	}
	if err := iter.Error(); err != nil {
		return nil, fmt.Errorf("leveldbstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to return. It is
// safe to call more than once, and on a store that runs no goroutine. Call it
// before closing the database when a store is short-lived, as in tests.
func (s *LevelDBStore) StopCleanup() {
	s.runner.Stop()
}

// expired reports whether a stored value's expiry is at or before now (Unix
// nanoseconds). A value too short to hold an expiry counts as expired.
func expired(val []byte, now int64) bool {
	return len(val) < expiryLen || int64(binary.BigEndian.Uint64(val)) <= now
}

// deleteExpired deletes the expired sessions in passes of at most
// cleanupBatch entries: an iterator over a snapshot finds the expired keys,
// then one batch deletes those that are still expired.
func (s *LevelDBStore) deleteExpired(ctx context.Context) error {
	start := []byte(prefix)
	limit := util.BytesPrefix([]byte(prefix)).Limit
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		keys, next, err := s.scanExpired(start, limit)
		if err != nil {
			return fmt.Errorf("leveldbstore: cleanup: %w", err)
		}
		if len(keys) > 0 {
			if err := s.deleteIfExpired(keys); err != nil {
				return fmt.Errorf("leveldbstore: cleanup: %w", err)
			}
		}
		if next == nil {
			return nil
		}
		start = next
	}
}

// scanExpired looks at up to cleanupBatch session keys from start and returns
// the expired ones, and the key to go on from (nil at the end).
func (s *LevelDBStore) scanExpired(start, limit []byte) (keys [][]byte, next []byte, err error) {
	iter := s.db.NewIterator(&util.Range{Start: start, Limit: limit}, nil)
	defer iter.Release()
	now := time.Now().UnixNano()
	for n := 0; iter.Next(); n++ {
		if n == cleanupBatch {
			return keys, bytes.Clone(iter.Key()), iter.Error()
		}
		if expired(iter.Value(), now) {
			keys = append(keys, bytes.Clone(iter.Key()))
		}
	}
	return keys, nil, iter.Error()
}

// deleteIfExpired deletes in one batch those of keys whose entry is still
// expired.
func (s *LevelDBStore) deleteIfExpired(keys [][]byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	now := time.Now().UnixNano()
	batch := new(leveldb.Batch)
	for _, k := range keys {
		val, err := s.db.Get(k, nil)
		if errors.Is(err, leveldb.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if expired(val, now) {
			batch.Delete(k)
		}
	}
	if batch.Len() == 0 {
		return nil
	}
	return s.db.Write(batch, nil)
}
