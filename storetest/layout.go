package storetest

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// Layout is a raw view of how a store keeps sessions in its engine, read and
// written with the engine's own client rather than through the store. Its Run
// checks that the store reads the sessions another program writes in that
// layout (such as the SCS v2 store it replaces) and writes sessions that
// program reads, so that both can share the engine:
//
//	func TestSCSLayout(t *testing.T) {
//		db := openTestDB(t)
//		storetest.Layout{
//			Put: func(t *testing.T, token string, data []byte, expiry time.Time) { ... },
//			Get: func(t *testing.T, token string) ([]byte, time.Time, bool) { ... },
//		}.Run(t, mystore.New(db))
//	}
type Layout struct {
	// Put writes the session token with data until expiry straight into the
	// engine, as the other program does, failing the test when it cannot.
	// Given an expiry in the past, it may write an expired entry, or none
	// where the engine would remove it at once.
	Put func(t *testing.T, token string, data []byte, expiry time.Time)

	// Get reads the session token straight from the engine, as the other
	// program does: its data and expiry, and whether the engine holds an
	// entry for it at all, expired or not.
	Get func(t *testing.T, token string) (data []byte, expiry time.Time, found bool)

	// Resolution is how much earlier than the committed expiry the one Get
	// returns may be, for engines that keep expiries in coarser steps
	// (time.Second for whole seconds). Zero means to the nanosecond.
	Resolution time.Duration

	// Slack is how much later than the committed expiry the one Get returns
	// may be, for engines that round expiries up or end entries late (etcd
	// leases). Zero means not later at all.
	Slack time.Duration
}

// Run checks the store s against the layout, in two subtests:
//
//   - Reads: Find returns the data of a session Put wrote, and not that of
//     one Put wrote already expired; All, where s implements
//     scs.IterableStore, lists the first and not the second.
//   - Writes: Get returns the data and the expiry of a session Commit wrote;
//     after a Commit with an expiry in the past, Get finds no entry, or one
//     with that data and expiry.
//
// s must use the keys Put and Get use. It may share the engine with other
// sessions, which All may list too. The sessions the check wrote are deleted
// through s.Delete when the test ends.
func (l Layout) Run(t *testing.T, s scs.Store) {
	t.Helper()
	if l.Put == nil || l.Get == nil {
		t.Fatal("storetest: Layout needs Put and Get")
	}
	t.Run("Reads", func(t *testing.T) { l.testReads(t, s) })
	t.Run("Writes", func(t *testing.T) { l.testWrites(t, s) })
}

func (l Layout) testReads(t *testing.T, s scs.Store) {
	live, stale := layoutToken(t, s), layoutToken(t, s)
	data := []byte("\x00written \xffin the layout\x80")
	l.Put(t, live, data, time.Now().Add(time.Hour))
	l.Put(t, stale, []byte("expired"), time.Now().Add(-time.Second))

	wantFound(t, s, live, data)
	wantMissing(t, s, stale)
	if it, ok := scs.StoreAs[scs.IterableStore](s); ok {
		all, err := it.All()
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if !bytes.Equal(all[live], data) {
			t.Errorf("All()[live] = %q, want %q", all[live], data)
		}
		if _, ok := all[stale]; ok {
			t.Error("All lists a session written already expired")
		}
	}
}

func (l Layout) testWrites(t *testing.T, s scs.Store) {
	tok := layoutToken(t, s)
	expiry := time.Now().Add(time.Hour)
	commit(t, s, tok, []byte("committed"), expiry)
	data, got, found := l.Get(t, tok)
	if !found {
		t.Fatal("Get finds no entry for a committed session")
	}
	if !bytes.Equal(data, []byte("committed")) {
		t.Errorf("Get returns data %q, want %q", data, "committed")
	}
	l.wantExpiry(t, got, expiry)

	past := time.Now().Add(-time.Second)
	commit(t, s, tok, []byte("expired"), past)
	if data, got, found := l.Get(t, tok); found {
		if !bytes.Equal(data, []byte("expired")) {
			t.Errorf("after a Commit with a past expiry, Get returns data %q, want %q or no entry", data, "expired")
		}
		l.wantExpiry(t, got, past)
	}
}

// wantExpiry fails the test unless got, the expiry Get returned, is want
// within Resolution before and Slack after.
func (l Layout) wantExpiry(t *testing.T, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -l.Resolution || d > l.Slack {
		t.Errorf("Get returns expiry %v, %v from the committed %v; want within %v before and %v after",
			got, d, want, l.Resolution, l.Slack)
	}
}

// layoutToken returns a new token whose session s deletes when the test
// ends.
func layoutToken(t *testing.T, s scs.Store) string {
	tok := Token(t)
	t.Cleanup(func() {
		if err := s.Delete(tok); err != nil {
			t.Errorf("delete the checked session: %v", err)
		}
	})
	return tok
}

// ExpiryPrefixLayout returns the Layout of a store that keeps each session
// as one value: its expiry as 8 bytes of big-endian Unix nanoseconds, then
// its data, as SCS v2's boltstore, leveldbstore and consulstore do. put
// writes value as the engine's entry for token and get returns that entry,
// nil when there is none; both go straight through the engine's client,
// under the key the store uses for token.
func ExpiryPrefixLayout(put func(t *testing.T, token string, value []byte), get func(t *testing.T, token string) []byte) Layout {
	return Layout{
		Put: func(t *testing.T, token string, data []byte, expiry time.Time) {
			t.Helper()
			v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(data)), uint64(expiry.UnixNano()))
			put(t, token, append(v, data...))
		},
		Get: func(t *testing.T, token string) ([]byte, time.Time, bool) {
			t.Helper()
			v := get(t, token)
			if v == nil {
				return nil, time.Time{}, false
			}
			if len(v) < 8 {
				t.Fatalf("the value for %s has %d bytes, too few for an 8-byte expiry", token, len(v))
			}
			return v[8:], time.Unix(0, int64(binary.BigEndian.Uint64(v))), true
		},
	}
}
