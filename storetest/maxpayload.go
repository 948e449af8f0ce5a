package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// testOverMaxPayload checks, for a store that declares a MaxPayload, that
// one byte more is refused by every way of writing (Commit, CommitCtx,
// CompareAndSwap) with an error, and that the session stored before stays
// intact.
func (s Suite) testOverMaxPayload(t *testing.T) {
	if s.MaxPayload == 0 {
		t.Skip("Suite.MaxPayload is not set: the store declares no limit")
	}
	st := s.New(t)
	tok := Token(t)
	old := []byte("the session before")
	expiry := time.Now().Add(time.Hour)
	commit(t, st, tok, old, expiry)
	big := bytes.Repeat([]byte{0xa5}, s.MaxPayload+1)

	if err := st.Commit(tok, big, expiry); err == nil {
		t.Errorf("Commit of MaxPayload+1 = %d bytes returned no error", len(big))
	}
	wantFound(t, st, tok, old)
	if cs, ok := st.(scs.CtxStore); ok {
		if err := cs.CommitCtx(context.Background(), tok, big, expiry); err == nil {
			t.Errorf("CommitCtx of MaxPayload+1 = %d bytes returned no error", len(big))
		}
		wantFound(t, st, tok, old)
	}
	if cas, ok := st.(scs.CompareAndSwapStore); ok {
		if swapped, err := cas.CompareAndSwap(context.Background(), tok, old, big, expiry); err == nil || swapped {
			t.Errorf("CompareAndSwap to MaxPayload+1 = %d bytes = %v, %v; want an error", len(big), swapped, err)
		}
		wantFound(t, st, tok, old)
	}
}
