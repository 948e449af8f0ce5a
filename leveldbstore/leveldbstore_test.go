package leveldbstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// openDB opens a new LevelDB database in the test's temporary directory and
// closes it when the test ends.
func openDB(t *testing.T) *leveldb.DB {
	t.Helper()
	db, err := leveldb.OpenFile(filepath.Join(t.TempDir(), "sessions"), nil)
	if err != nil {
		t.Fatalf("open leveldb: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close leveldb: %v", err)
		}
	})
	return db
}

// newStore returns a store over a fresh database; its cleanup goroutine is
// stopped before the database closes.
func newStore(t *testing.T, interval time.Duration) *LevelDBStore {
	s := NewWithCleanupInterval(openDB(t), interval)
	t.Cleanup(s.StopCleanup)
	return s
}

// rawGet reads the value stored for token straight from the database; nil
// when there is none.
func rawGet(t *testing.T, db *leveldb.DB, token string) []byte {
	t.Helper()
	val, err := db.Get([]byte("scs:session:"+token), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("read leveldb: %v", err)
	}
	return val
}

// layout is the raw view of db: SCS v2's layout, key scs:session:<token>,
// value the 8-byte big-endian Unix nanoseconds expiry, then the payload.
func layout(db *leveldb.DB) storetest.Layout {
	return storetest.ExpiryPrefixLayout(
		func(t *testing.T, token string, value []byte) {
			t.Helper()
			if err := db.Put([]byte("scs:session:"+token), value, nil); err != nil {
				t.Fatalf("write leveldb: %v", err)
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
			return rawGet(t, s.(*LevelDBStore).db, token) != nil
		},
	}.Run(t)
}

func TestSCSLayout(t *testing.T) {
	db := openDB(t)
	layout(db).Run(t, NewWithCleanupInterval(db, 0))
}

// TestOtherKeysAreNotSessions checks that All lists no key outside the
// session prefix.
func TestOtherKeysAreNotSessions(t *testing.T) {
	s := newStore(t, 0)
	if err := s.db.Put([]byte("other:key"), []byte("not a session"), nil); err != nil {
		t.Fatal(err)
	}
	if all, err := s.All(); err != nil || len(all) != 0 {
		t.Fatalf("All = %q, %v; want no sessions", all, err)
	}
}

func TestDeleteExpiredWorksInBatches(t *testing.T) {
	s := newStore(t, 0)
	const expiredCount = 2*cleanupBatch + 10
	past := time.Now().Add(-time.Minute)
	for i := 0; i < expiredCount; i++ {
		layout(s.db).Put(t, storetest.Token(t), nil, past)
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Put([]byte("zz:other"), []byte("short"), nil); err != nil {
		t.Fatal(err)
	}

	if err := s.deleteExpired(context.Background()); err != nil {
		t.Fatalf("deleteExpired: %v", err)
	}
	iter := s.db.NewIterator(util.BytesPrefix([]byte("scs:session:")), nil)
	defer iter.Release()
	left := 0
	for iter.Next() {
		left++
	}
	if left != 1 || rawGet(t, s.db, live) == nil {
		t.Fatalf("%d sessions left after cleanup, want only the live one", left)
	}
	if ok, _ := s.db.Has([]byte("zz:other"), nil); !ok {
		t.Fatal("cleanup deleted a key outside the session prefix")
	}
}
