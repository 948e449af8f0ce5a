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
		// BuntDB counts the TTL from its own reading of the clock.
		ExpiryPrecision: 50 * time.Millisecond,
	}.Run(t)
}

// TestSCSLayout checks that New keeps sessions as SCS v2's buntdbstore does:
// key <token>, value the bare payload, with a TTL. BuntDB counts the TTL from
// its own reading of the clock, so the expiry read back is off by the moment
// between the store's and BuntDB's.
func TestSCSLayout(t *testing.T) {
	db := newDB(t)
	storetest.Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			err := db.Update(func(tx *buntdb.Tx) error {
				_, _, err := tx.Set(token, string(data), &buntdb.SetOptions{Expires: true, TTL: time.Until(expiry)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			var val string
			var ttl time.Duration
			now := time.Now()
			err := db.View(func(tx *buntdb.Tx) error {
				var err error
				if val, err = tx.Get(token); err != nil {
					return err
				}
				ttl, err = tx.TTL(token)
				return err
			})
			if errors.Is(err, buntdb.ErrNotFound) {
				return nil, time.Time{}, false
			}
			if err != nil {
				t.Fatalf("read key <token>: %v", err)
			}
			return []byte(val), now.Add(ttl), true
		},
		Resolution: 100 * time.Millisecond,
		Slack:      100 * time.Millisecond,
	}.Run(t, New(db))
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

// TestIdleRefreshIntervalTakesEffect checks, through HTTP requests, that the
// store reports expiries (scs.ExpiryStore), so that a read right after a
// save skips saving again.
func TestIdleRefreshIntervalTakesEffect(t *testing.T) {
	storetest.IdleRefresh(t, New(newDB(t)))
}
