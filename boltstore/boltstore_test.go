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

// rawPut writes a value for token straight into the bucket, in SCS v2's
// layout: 8-byte big-endian Unix nanoseconds expiry, then the payload.
func rawPut(t *testing.T, db *bbolt.DB, token string, payload []byte, expiry time.Time) {
	t.Helper()
	val := binary.BigEndian.AppendUint64(nil, uint64(expiry.UnixNano()))
	val = append(val, payload...)
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("scs:session"))
		if err != nil {
			return err
		}
		return b.Put([]byte(token), val)
	})
	if err != nil {
		t.Fatalf("write bucket: %v", err)
	}
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

func TestFindReadsSCSLayout(t *testing.T) {
	db := openDB(t)
	s := NewWithCleanupInterval(db, 0)
	live, stale := storetest.Token(t), storetest.Token(t)
	rawPut(t, db, live, []byte("written by scs v2"), time.Now().Add(time.Hour))
	rawPut(t, db, stale, []byte("expired"), time.Now().Add(-time.Second))

	b, found, err := s.Find(live)
	if err != nil || !found || string(b) != "written by scs v2" {
		t.Fatalf("Find = %q, %v, %v; want the payload written in SCS's layout", b, found, err)
	}
	if _, found, err := s.Find(stale); err != nil || found {
		t.Fatalf("Find(expired) = %v, %v; want not found", found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 1 || string(all[live]) != "written by scs v2" {
		t.Fatalf("All = %q, %v; want only the live session", all, err)
	}
}

func TestCommitWritesSCSLayout(t *testing.T) {
	s := newStore(t, 0)
	token := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(token, []byte("payload"), expiry); err != nil {
		t.Fatal(err)
	}
	val := rawGet(t, s.db, token)
	if len(val) != 8+len("payload") {
		t.Fatalf("stored value has %d bytes, want 8 + %d", len(val), len("payload"))
	}
	if got := int64(binary.BigEndian.Uint64(val[:8])); got != expiry.UnixNano() {
		t.Errorf("stored expiry = %d, want %d (big-endian Unix nanoseconds)", got, expiry.UnixNano())
	}
	if string(val[8:]) != "payload" {
		t.Errorf("stored payload = %q, want %q", val[8:], "payload")
	}
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
