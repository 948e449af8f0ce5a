package memstore_test

import (
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			s := memstore.New()
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			s := memstore.NewWithCleanupInterval(interval)
			t.Cleanup(s.StopCleanup)
			return s
		},
		Stored: func(t *testing.T, s scs.Store, token string) bool {
			return memstore.Stored(s.(*memstore.MemStore), token)
		},
	}.Run(t)
}

func TestCommitCopiesData(t *testing.T) {
	s := memstore.NewWithCleanupInterval(0)
	b := []byte("data")
	if err := s.Commit("tok", b, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	got, _, _ := s.Find("tok")
	if string(got) != "data" {
		t.Fatalf("the store kept the caller's slice: %q", got)
	}
}
