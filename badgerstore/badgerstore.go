// Package badgerstore is an scs session store over a Badger v4 database
// (github.com/dgraph-io/badger/v4), with data laid out as SCS v2's
// badgerstore lays it.
package badgerstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// defaultPrefix starts the key of every session; the token follows it.
const defaultPrefix = "scs:session:"

// BadgerStore is a session store over a Badger database. Each session is one
// key, prefix + token, whose value is the payload; Badger's own expiry
// (entry TTL) removes it, so there is no cleanup goroutine. Create one with
// New or NewWithPrefix; the zero value is not usable. A BadgerStore is safe
// for concurrent use.
//
// Badger keeps expiry times in whole seconds: a session expires at the start
// of the second its expiry falls in, so up to a second early, never late.
type BadgerStore struct {
	db     *badger.DB
	prefix string
}

// New returns a BadgerStore over db that keeps sessions under the key prefix
// "scs:session:", as SCS v2 does.
func New(db *badger.DB) *BadgerStore {
	return NewWithPrefix(db, defaultPrefix)
}

// NewWithPrefix returns a BadgerStore over db that keeps sessions under the
// given key prefix, so that several stores, or other data, can share one
// database.
func NewWithPrefix(db *badger.DB, prefix string) *BadgerStore {
	return &BadgerStore{db: db, prefix: prefix}
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired.
func (s *BadgerStore) Find(token string) (b []byte, found bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(s.key(token))
		if err != nil {
			return err
		}
		b, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("badgerstore: find: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, true, nil
}

// FindExpiry is Find that also returns the session's expiry as Badger
// keeps it: in whole Unix seconds, rounded down from the committed expiry
// (zero for an entry without one). It makes the store an scs.ExpiryStore, so
// that SessionManager.IdleRefreshInterval takes effect.
func (s *BadgerStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	var expiresAt uint64
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(s.key(token))
		if err != nil {
			return err
		}
		expiresAt = item.ExpiresAt()
		b, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("badgerstore: find: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	if expiresAt != 0 {
		expiry = time.Unix(int64(expiresAt), 0)
	}
	return b, expiry, true, nil
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had.
func (s *BadgerStore) Commit(token string, b []byte, expiry time.Time) error {
	entry := badger.NewEntry(s.key(token), b)
	entry.ExpiresAt = expiresAt(expiry)
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.SetEntry(entry)
	})
	if err != nil {
		return fmt.Errorf("badgerstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the payload b for token until expiry, as Commit
// does, if and only if the session has not expired and holds exactly old;
// it reports whether it did. It reads, compares and writes in one Badger
// write transaction; when Badger rejects that transaction because another
// one wrote the session meanwhile, it tries once more, then reports false,
// as the session has changed. A missing or expired session is not swapped,
// and a cancelled context gives an error and writes nothing. It makes the
// store an scs.UpdateStore (its CompareAndSwap), so that SessionManager.MergeConcurrent
// is atomic.
func (s *BadgerStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	key := s.key(token)
	for attempt := 0; attempt < 2; attempt++ {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("badgerstore: compare and swap: %w", err)
		}
		swapped = false
		err = s.db.Update(func(txn *badger.Txn) error {
			item, err := txn.Get(key)
			if errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			cur, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if !bytes.Equal(cur, old) {
				return nil
			}
			entry := badger.NewEntry(key, b)
			entry.ExpiresAt = expiresAt(expiry)
			swapped = true
			return txn.SetEntry(entry)
		})
		if !errors.Is(err, badger.ErrConflict) {
			break
		}
	}
	if errors.Is(err, badger.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("badgerstore: compare and swap: %w", err)
	}
	return swapped, nil
}

// Update stores the payload b for token until expiry, as Commit does, if
// and only if the session exists and has not expired, and reports whether
// it did; it never creates the key. It reads and writes in one Badger write
// transaction; when Badger rejects that transaction because another one
// wrote the session meanwhile, it runs it again (a few times at most), so
// that a concurrent Delete wins. A cancelled context gives an error and
// writes nothing. It makes the store an scs.UpdateStore, so that a session
// destroyed or renewed by one request is not written back by another.
func (s *BadgerStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	key := s.key(token)
	for attempt := 0; attempt < 5; attempt++ {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("badgerstore: update: %w", err)
		}
		found = false
		err = s.db.Update(func(txn *badger.Txn) error {
			if _, err := txn.Get(key); errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			entry := badger.NewEntry(key, b)
			entry.ExpiresAt = expiresAt(expiry)
			found = true
			return txn.SetEntry(entry)
		})
		if !errors.Is(err, badger.ErrConflict) {
			break
		}
	}
	if err != nil {
		return false, fmt.Errorf("badgerstore: update: %w", err)
	}
	return found, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *BadgerStore) Delete(token string) error {
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete(s.key(token))
	})
	if err != nil {
		return fmt.Errorf("badgerstore: delete: %w", err)
	}
	return nil
}

// All returns the payloads of all sessions under the store's prefix that
// have not expired, keyed by token; an empty, non-nil map when there are
// none.
func (s *BadgerStore) All() (map[string][]byte, error) {
	sessions := make(map[string][]byte)
	prefix := []byte(s.prefix)
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			item := it.Item()
			val, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if val == nil {
				val = []byte{}
			}
			sessions[string(item.Key()[len(prefix):])] = val
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: all: %w", err)
	}
	return sessions, nil
}

func (s *BadgerStore) key(token string) []byte {
	return []byte(s.prefix + token)
}

// expiresAt converts expiry to Badger's expiry, whole Unix seconds rounded
// down. Badger reads 0 as "never expires", so an expiry before 1970-01-01
// 00:00:01 becomes 1, long past.
func expiresAt(expiry time.Time) uint64 {
	secs := expiry.Unix()
	if secs < 1 {
		secs = 1
	}
	return uint64(secs)
}
