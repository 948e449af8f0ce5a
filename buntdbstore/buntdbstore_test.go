package buntdbstore

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
	"github.com/tidwall/buntdb"
)

// openDB opens the BuntDB database file at path and closes it when the test
// ends.
func openDB(t *testing.T, path string) *buntdb.DB {
	t.Helper()
	db, err := buntdb.Open(path)
	if err != nil {
		t.Fatalf("open buntdb: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil && !errors.Is(err, buntdb.ErrDatabaseClosed) {
			t.Errorf("close buntdb: %v", err)
		}
	})
	return db
}

func newDB(t *testing.T) *buntdb.DB {
	return openDB(t, filepath.Join(t.TempDir(), "sessions.db"))
}

func TestConformance(t *testing.T) {
	// No NewWithCleanup: BuntDB expires keys itself.
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return New(newDB(t))
		},
	}.Run(t)
}

func TestFindReadsSCSLayout(t *testing.T) {
	db := newDB(t)
	s := New(db)
	live, stale := storetest.Token(t), storetest.Token(t)
	// SCS v2 sets key = token, value = payload, with a TTL.
	err := db.Update(func(tx *buntdb.Tx) error {
		if _, _, err := tx.Set(live, "written by scs v2", &buntdb.SetOptions{Expires: true, TTL: time.Hour}); err != nil {
			return err
		}
		_, _, err := tx.Set(stale, "expired", &buntdb.SetOptions{Expires: true, TTL: -time.Second})
		return err
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
	db := newDB(t)
	s := New(db)
	token := storetest.Token(t)
	if err := s.Commit(token, []byte("payload"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var val string
	var ttl time.Duration
	err := db.View(func(tx *buntdb.Tx) error {
		var err error
		if val, err = tx.Get(token); err != nil {
			return err
		}
		ttl, err = tx.TTL(token)
		return err
	})
	if err != nil {
		t.Fatalf("read key <token>: %v", err)
	}
	if val != "payload" {
		t.Errorf("stored value = %q, want the bare payload %q", val, "payload")
	}
	if ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("stored TTL = %v, want about an hour", ttl)
	}
}

func TestSessionsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db := openDB(t, path)
	token, payload := storetest.Token(t), make([]byte, 256)
	for i := range payload {
		payload[i] = byte(i)
	}
	if err := New(db).Commit(token, payload, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := New(db).Commit(storetest.Token(t), []byte("x"), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	b, found, err := New(openDB(t, path)).Find(token)
	if err != nil || !found || !bytes.Equal(b, payload) {
		t.Fatalf("Find after reopening = %q, %v, %v; want the binary payload back", b, found, err)
	}
}
