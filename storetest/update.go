package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// testUpdate checks the optional scs.UpdateStore: it overwrites a live
// session, even with the data and expiry it already has, and never creates
// one: not for a missing token, an expired one, nor one deleted while
// updates run. It honours a cancelled context.
func (s Suite) testUpdate(t *testing.T) {
	st := s.New(t)
	up, ok := scs.StoreAs[scs.UpdateStore](st)
	if !ok {
		t.Skipf("skipped: %T does not implement scs.UpdateStore, so it has no Update to check", st)
	}
	ctx := context.Background()
	tok, missing, stale := Token(t), Token(t), Token(t)
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	commit(t, st, tok, []byte("v1"), time.Now().Add(time.Minute))
	commit(t, st, stale, []byte("v1"), time.Now().Add(-time.Minute))

	for i := 0; i < 2; i++ { // the second writes what the row holds already
		if found, err := up.Update(ctx, tok, []byte("v2"), later); err != nil || !found {
			t.Fatalf("Update of a live session (#%d) = %v, %v; want true, nil", i+1, found, err)
		}
		wantFound(t, st, tok, []byte("v2"))
	}
	if es, ok := scs.StoreAs[scs.ExpiryStore](st); ok {
		_, got, _, err := es.FindExpiry(ctx, tok)
		// Commit set an expiry a minute away; a generous slack still
		// tells the two apart on engines that derive the expiry from a
		// TTL.
		slack := s.ExpiryGrace + time.Second
		if d := got.Sub(later); err != nil || d < -slack || d > slack {
			t.Errorf("after Update FindExpiry = %v, %v; want the updated expiry %v", got, err, later)
		}
	}
	for _, tk := range []string{missing, stale} {
		if found, err := up.Update(ctx, tk, []byte("v3"), later); err != nil || found {
			t.Errorf("Update of a missing or expired session = %v, %v; want false, nil", found, err)
		}
		wantMissing(t, st, tk)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := up.Update(cancelled, tok, []byte("v4"), later); err == nil {
		t.Error("Update with a cancelled context returned no error")
	}
	wantFound(t, st, tok, []byte("v2"))

	// Updates racing a Delete: whichever lands first, the session ends
	// deleted, as a logout must.
	const updaters = 4
	var wg sync.WaitGroup
	errs := make(chan error, updaters+1)
	start := make(chan struct{})
	for w := 0; w < updaters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 5; i++ {
				if _, err := up.Update(ctx, tok, []byte("racing"), later); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		errs <- st.Delete(tok)
	}()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update or Delete: %v", err)
		}
	}
	if b, found, err := st.Find(tok); err != nil || found {
		t.Fatalf("after Updates racing a Delete, Find = %q, %v, %v; want not found", bytes.TrimSpace(b), found, err)
	}
}
