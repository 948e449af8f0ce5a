package leveldbstore

import (
	"context"
	"encoding/binary"
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

// rawPut writes a value for token straight into the database, in SCS v2's
// layout: key scs:session:<token>, value the 8-byte big-endian Unix
// nanoseconds expiry, then the payload.
func rawPut(t *testing.T, db *leveldb.DB, token string, payload []byte, expiry time.Time) {
	t.Helper()
	val := binary.BigEndian.AppendUint64(nil, uint64(expiry.UnixNano()))
	if err := db.Put([]byte("scs:session:"+token), append(val, payload...), nil); err != nil {
		t.Fatalf("write leveldb: %v", err)
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
			return rawGet(t, s.(*LevelDBStore).db, token) != nil
		},
	}.Run(t)
}

func TestFindReadsSCSLayout(t *testing.T) {
	db := openDB(t)
	s := NewWithCleanupInterval(db, 0)
	live, stale := storetest.Token(t), storetest.Token(t)
	rawPut(t, db, live, []byte("written by scs v2"), time.Now().Add(time.Hour))
	rawPut(t, db, stale, []byte("expired"), time.Now().Add(-time.Second))
	// Keys outside the prefix are not sessions.
	if err := db.Put([]byte("other:key"), []byte("not a session"), nil); err != nil {
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
	s := newStore(t, 0)
	token := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	if err := s.Commit(token, []byte("payload"), expiry); err != nil {
		t.Fatal(err)
	}
	val := rawGet(t, s.db, token)
	if len(val) != 8+len("payload") {
		t.Fatalf("stored value under scs:session:<token> has %d bytes, want 8 + %d", len(val), len("payload"))
	}
	if got := int64(binary.BigEndian.Uint64(val[:8])); got != expiry.UnixNano() {
		t.Errorf("stored expiry = %d, want %d (big-endian Unix nanoseconds)", got, expiry.UnixNano())
	}
	if string(val[8:]) != "payload" {
		t.Errorf("stored payload = %q, want %q", val[8:], "payload")
	}
}

func TestDeleteExpiredWorksInBatches(t *testing.T) {
	s := newStore(t, 0)
	const expiredCount = 2*cleanupBatch + 10
	past := time.Now().Add(-time.Minute)
	for i := 0; i < expiredCount; i++ {
		rawPut(t, s.db, storetest.Token(t), nil, past)
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
