package badgerstore

import (
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/seed3bbca6c1/scs"
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
	}.Run(t)
}

func TestFindReadsSCSLayout(t *testing.T) {
	db := openDB(t)
	s := New(db)
	live, stale := storetest.Token(t), storetest.Token(t)
	// SCS v2 writes the payload under scs:session:<token> with an entry TTL.
	err := db.Update(func(txn *badger.Txn) error {
		if err := txn.SetEntry(badger.NewEntry([]byte("scs:session:"+live), []byte("written by scs v2")).WithTTL(time.Hour)); err != nil {
			return err
		}
		return txn.SetEntry(badger.NewEntry([]byte("scs:session:"+stale), []byte("expired")).WithTTL(-time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}

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
	db := openDB(t)
	s := New(db)
	token := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(token, []byte("payload"), expiry); err != nil {
		t.Fatal(err)
	}
	val, expiresAt, found := rawItem(t, db, "scs:session:"+token)
	if !found {
		t.Fatal("Commit wrote nothing under scs:session:<token>")
	}
	if string(val) != "payload" {
		t.Errorf("stored value = %q, want the bare payload %q", val, "payload")
	}
	if want := uint64(expiry.Unix()); expiresAt != want {
		t.Errorf("entry expires at %d, want %d (the expiry's Unix second)", expiresAt, want)
	}
}

func TestPrefixesKeepStoresApart(t *testing.T) {
	db := openDB(t)
	a, b := NewWithPrefix(db, "app-a:"), NewWithPrefix(db, "app-b:")
	token := storetest.Token(t)
	if err := a.Commit(token, []byte("a"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := b.Find(token); err != nil || found {
		t.Fatalf("Find through another prefix = %v, %v; want not found", found, err)
	}
	if all, err := b.All(); err != nil || len(all) != 0 {
		t.Fatalf("All through another prefix = %q, %v; want empty", all, err)
	}
	if _, _, found := rawItem(t, db, "app-a:"+token); !found {
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
