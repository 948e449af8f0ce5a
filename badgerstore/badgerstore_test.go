package badgerstore

import (
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/storetest"
)

// openDB opens a new Badger database in the test's temporary directory, with
// small tables to keep tests light, and closes it when the test ends.
func openDB(t *testing.T) *badger.DB {
	t.Helper()
	opts := badger.DefaultOptions(t.TempDir()).
		WithLogger(nil).
		WithMemTableSize(16 << 20).
		WithValueLogFileSize(16 << 20).
		WithBlockCacheSize(1 << 20).
		WithNumCompactors(2)
	db, err := badger.Open(opts)
	if err != nil {
		t.Fatalf("open badger: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close badger: %v", err)
		}
	})
	return db
}

// rawItem returns the value and Badger expiry stored under key, read straight
// from the database; found is false when there is no live entry.
func rawItem(t *testing.T, db *badger.DB, key string) (val []byte, expiresAt uint64, found bool) {
	t.Helper()
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(key))
		if err != nil {
			return err
		}
		expiresAt = item.ExpiresAt()
		val, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, 0, false
	}
	if err != nil {
		t.Fatalf("read badger: %v", err)
	}
	return val, expiresAt, true
}

func TestConformance(t *testing.T) {
	// No NewWithCleanup: Badger expires entries itself.
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return New(openDB(t))
		},
		ExpiryPrecision: time.Second, // Badger keeps whole seconds
	}.Run(t)
}

// TestSCSLayout checks that New keeps sessions as SCS v2's badgerstore does:
// the bare payload under scs:session:<token>, as an entry whose Badger expiry
// is the session's expiry in whole Unix seconds.
func TestSCSLayout(t *testing.T) {
	db := openDB(t)
	storetest.Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			err := db.Update(func(txn *badger.Txn) error {
				return txn.SetEntry(badger.NewEntry([]byte("scs:session:"+token), data).WithTTL(time.Until(expiry)))
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			val, expiresAt, found := rawItem(t, db, "scs:session:"+token)
			return val, time.Unix(int64(expiresAt), 0), found
		},
		Resolution: time.Second,
	}.Run(t, New(db))
}

func TestPrefixesKeepStoresApart(t *testing.T) {
	db := openDB(t)
	kvtest.CheckPrefixesKeepStoresApart(t, "", func(prefix string) scs.Store { return NewWithPrefix(db, prefix) })
	s, token := NewWithPrefix(db, "app:"), storetest.Token(t)
	if err := s.Commit(token, []byte("a"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, found := rawItem(t, db, "app:"+token); !found {
		t.Fatal("NewWithPrefix did not key the session as prefix + token")
	}
}

func TestExpiresAtNeverMeansForever(t *testing.T) {
	for _, expiry := range []time.Time{{}, time.Unix(0, 0), time.Unix(-5, 0)} {
		if got := expiresAt(expiry); got == 0 {
			t.Errorf("expiresAt(%v) = 0, which Badger reads as no expiry", expiry)
		}
	}
}

// TestIdleRefreshIntervalTakesEffect checks, through HTTP requests, that the
// store reports expiries (scs.ExpiryStore), so that a read right after a
// save skips saving again.
func TestIdleRefreshIntervalTakesEffect(t *testing.T) {
	storetest.IdleRefresh(t, New(openDB(t)))
}
