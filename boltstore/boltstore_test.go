package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
	"go.etcd.io/bbolt"
)

// openDB opens a new bbolt database in the test's temporary directory and
// closes it when the test ends.
func openDB(t *testing.T) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "sessions.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open bbolt: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close bbolt: %v", err)
		}
	})
	return db
}

// newStore returns a store over a fresh database; its cleanup goroutine is
// stopped before the database closes.
func newStore(t *testing.T, interval time.Duration) *BoltStore {
	s := NewWithCleanupInterval(openDB(t), interval)
	t.Cleanup(s.StopCleanup)
	return s
}

// rawGet reads the value stored for token straight from the bucket.
func rawGet(t *testing.T, db *bbolt.DB, token string) []byte {
	t.Helper()
	var val []byte
	err := db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte("scs:session")); b != nil {
			val = bytes.Clone(b.Get([]byte(token)))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read bucket: %v", err)
	}
	return val
}

// layout is the raw view of db's bucket: SCS v2's layout, each value the
// 8-byte big-endian Unix nanoseconds expiry, then the payload.
func layout(db *bbolt.DB) storetest.Layout {
	return storetest.ExpiryPrefixLayout(
		func(t *testing.T, token string, value []byte) {
			t.Helper()
			err := db.Update(func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("scs:session"))
				if err != nil {
					return err
				}
				return b.Put([]byte(token), value)
			})
			if err != nil {
				t.Fatalf("write bucket: %v", err)
			}
		},
		func(t *testing.T, token string) []byte { return rawGet(t, db, token) },
	)
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return newStore(t, 0)
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			return newStore(t, interval)
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			return rawGet(t, s.(*BoltStore).db, token) != nil
		},
	}.Run(t)
}

func TestSCSLayout(t *testing.T) {
	db := openDB(t)
	layout(db).Run(t, NewWithCleanupInterval(db, 0))
}

func TestNewCreatesBucket(t *testing.T) {
	db := openDB(t)
	New(db).StopCleanup()
	err := db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("scs:session")) == nil {
			t.Error("New did not create the scs:session bucket")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteExpiredWorksInBatches(t *testing.T) {
	s := newStore(t, 0)
	const expiredCount = 2*cleanupBatch + 10
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName)
		for i := 0; i < expiredCount; i++ {
			val := binary.BigEndian.AppendUint64(nil, uint64(past.UnixNano()))
			if err := b.Put([]byte(storetest.Token(t)), val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), future); err != nil {
		t.Fatal(err)
	}

	if err := s.deleteExpired(context.Background()); err != nil {
		t.Fatalf("deleteExpired: %v", err)
	}
	var left int
	err = s.db.View(func(tx *bbolt.Tx) error {
		left = tx.Bucket(bucketName).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if left != 1 || rawGet(t, s.db, live) == nil {
		t.Fatalf("%d entries left after cleanup, want only the live one", left)
	}
}
