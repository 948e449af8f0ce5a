// Package buntdbstore is an scs session store over a BuntDB database
// (github.com/tidwall/buntdb), with data laid out as SCS v2's buntdbstore
// lays it.
package buntdbstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/buntdb"
)

// BuntDBStore is a session store over a BuntDB database. Each session is one
// key, the token itself with no prefix, whose value is the payload; BuntDB's
// own expiry (SetOptions TTL) removes it, so there is no cleanup goroutine.
// Create one with New; the zero value is not usable. A BuntDBStore is safe
// for concurrent use.
//
// As in SCS v2, the store treats every key in the database as a session, so
// give it a database of its own: All lists every live key.
type BuntDBStore struct {
	db *buntdb.DB
}

// New returns a BuntDBStore over db.
func New(db *buntdb.DB) *BuntDBStore {
	return &BuntDBStore{db: db}
}

// Find returns the payload of the session token. found is false when the
// token is missing or has expired.
func (s *BuntDBStore) Find(token string) (b []byte, found bool, err error) {
	var val string
	err = s.db.View(func(tx *buntdb.Tx) error {
		var err error
		val, err = tx.Get(token)
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("buntdbstore: find: %w", err)
	}
	return []byte(val), true, nil
}

// FindExpiry is Find that also returns the session's expiry, from the time
// to live BuntDB keeps for it (zero for an entry without one). It makes the
// store an scs.ExpiryStore, so that SessionManager.IdleRefreshInterval takes
// effect.
func (s *BuntDBStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	var val string
	var ttl time.Duration
	err = s.db.View(func(tx *buntdb.Tx) error {
		var err error
		if val, err = tx.Get(token); err != nil {
			return err
		}
		ttl, err = tx.TTL(token)
		return err
	})
	if errors.Is(err, buntdb.ErrNotFound) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("buntdbstore: find: %w", err)
	}
	if ttl >= 0 {
		expiry = time.Now().Add(ttl)
	}
	return []byte(val), expiry, true, nil
}

// Commit stores the payload b for token until expiry, replacing any data and
// expiry the token had.
func (s *BuntDBStore) Commit(token string, b []byte, expiry time.Time) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, _, err := tx.Set(token, string(b), &buntdb.SetOptions{Expires: true, TTL: time.Until(expiry)})
		return err
	})
	if err != nil {
		return fmt.Errorf("buntdbstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the payload b for token until expiry, as Commit
// does, if and only if the session has not expired and holds exactly old;
// it reports whether it did. It reads, compares and writes in one BuntDB
// write transaction, so no other write comes between them. A missing or
// expired session is not swapped, and a cancelled context gives an error
// and writes nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so
// that SessionManager.MergeConcurrent is atomic.
func (s *BuntDBStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("buntdbstore: compare and swap: %w", err)
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		cur, err := tx.Get(token)
		if errors.Is(err, buntdb.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur != string(old) {
			return nil
		}
		swapped = true
		_, _, err = tx.Set(token, string(b), &buntdb.SetOptions{Expires: true, TTL: time.Until(expiry)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("buntdbstore: compare and swap: %w", err)
	}
	return swapped, nil
}

// Update stores the payload b for token until expiry, as Commit does, if
// and only if the session exists and has not expired, and reports whether
// it did; it never creates the key. It checks and writes in one BuntDB
// write transaction, so no other write comes between them. A cancelled
// context gives an error and writes nothing. It makes the store an
// scs.UpdateStore, so that a session destroyed or renewed by one request is
// not written back by another.
func (s *BuntDBStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("buntdbstore: update: %w", err)
	}
	err = s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Get(token); errors.Is(err, buntdb.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		found = true
		_, _, err = tx.Set(token, string(b), &buntdb.SetOptions{Expires: true, TTL: time.Until(expiry)})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("buntdbstore: update: %w", err)
	}
	return found, nil
}

// Delete removes the session token. Deleting a missing token is not an error.
func (s *BuntDBStore) Delete(token string) error {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		_, err := tx.Delete(token)
		return err
	})
	if err != nil && !errors.Is(err, buntdb.ErrNotFound) {
		return fmt.Errorf("buntdbstore: delete: %w", err)
	}
	return nil
}

// All returns the payloads of all sessions that have not expired, keyed by
// token; an empty, non-nil map when there are none.
func (s *BuntDBStore) All() (map[string][]byte, error) {
	sessions := make(map[string][]byte)
	err := s.db.View(func(tx *buntdb.Tx) error {
		var lookupErr error
		err := tx.Ascend("", func(key, val string) bool {
			// Ascend also yields expired keys that the background
			// expiry has not removed yet; TTL tells them apart.
			_, err := tx.TTL(key)
			switch {
			case errors.Is(err, buntdb.ErrNotFound):
			case err != nil:
				lookupErr = err
				return false
			default:
				sessions[key] = []byte(val)
			}
			return true
		})
		if err != nil {
			return err
		}
		return lookupErr
	})
	if err != nil {
		return nil, fmt.Errorf("buntdbstore: all: %w", err)
	}
	return sessions, nil
}
