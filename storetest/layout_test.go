package storetest_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/storetest"
)

// valueStore keeps each session as one value in the layout
// storetest.ExpiryPrefixLayout describes, with one deliberate fault named by
// kind.
type valueStore struct {
	kind string
	mu   sync.Mutex
	m    map[string][]byte // the engine: token → 8-byte expiry, then data
}

func (s *valueStore) live(v []byte) bool {
	return len(v) >= 8 && time.Now().UnixNano() < int64(binary.BigEndian.Uint64(v))
}

func (s *valueStore) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[token]
	if !ok || !s.live(v) {
		return nil, false, nil
	}
	return bytes.Clone(v[8:]), true, nil
}

func (s *valueStore) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind == "second-expiry" {
		expiry = expiry.Truncate(time.Second)
	}
	s.m[token] = append(binary.BigEndian.AppendUint64(nil, uint64(expiry.UnixNano())), b...)
	return nil
}

func (s *valueStore) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
	return nil
}

func (s *valueStore) All() (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := map[string][]byte{}
	for token, v := range s.m {
		if s.kind == "lists-expired" || s.live(v) {
			all[token] = bytes.Clone(v[8:])
		}
	}
	return all, nil
}

// layout is the raw view of s's map.
func (s *valueStore) layout() storetest.Layout {
	return storetest.ExpiryPrefixLayout(
		func(_ *testing.T, token string, value []byte) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.m[token] = value
		},
		func(_ *testing.T, token string) []byte {
			s.mu.Lock()
			defer s.mu.Unlock()
			return bytes.Clone(s.m[token])
		},
	)
}

func TestLayoutPassesMatchingStore(t *testing.T) {
	s := &valueStore{m: map[string][]byte{}}
	s.layout().Run(t, s)
	if len(s.m) != 0 {
		t.Errorf("the check left %d sessions behind", len(s.m))
	}
}

// TestBrokenLayoutStore is the child run of TestLayoutCatchesFaults: it runs
// the layout check against the store named by STORETEST_BROKEN_LAYOUT.
func TestBrokenLayoutStore(t *testing.T) {
	kind := os.Getenv("STORETEST_BROKEN_LAYOUT")
	if kind == "" {
		t.Skip("run by TestLayoutCatchesFaults")
	}
	s := &valueStore{kind: kind, m: map[string][]byte{}}
	s.layout().Run(t, s)
}

// TestLayoutCatchesFaults checks that the layout check fails each faulty
// store in the subtest meant to catch it.
func TestLayoutCatchesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the check in child processes")
	}
	for kind, want := range map[string]string{
		"second-expiry": "--- FAIL: TestBrokenLayoutStore/Writes",
		"lists-expired": "--- FAIL: TestBrokenLayoutStore/Reads",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			runChild(t, "TestBrokenLayoutStore", "STORETEST_BROKEN_LAYOUT="+kind, want)
		})
	}
}
