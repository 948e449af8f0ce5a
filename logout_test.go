package scs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed3bbca6c1/scs/memstore"
)

func TestCommitRefusesASessionDestroyedElsewhere(t *testing.T) {
	for _, merge := range []bool{false, true} {
		s := newManager(t)
		s.MergeConcurrent = merge
		var events []Event
		s.OnEvent = func(_ context.Context, e Event) { events = append(events, e) }
		a, b, tok := twoRequests(t, s)
		if err := s.Destroy(b); err != nil {
			t.Fatal(err)
		}
		s.Put(a, "x", 1)
		if _, _, err := s.Commit(a); !errors.Is(err, ErrSessionGone) {
			t.Fatalf("merge %v: Commit after another request's Destroy = %v, want ErrSessionGone", merge, err)
		}
		if _, found, _ := s.Store.Find(tok); found {
			t.Fatalf("merge %v: the destroyed token came back", merge)
		}
		if s.Status(a) != Destroyed || s.Token(a) != "" || len(s.Keys(a)) != 0 {
			t.Errorf("merge %v: after the refused save: status %v, token %q, keys %v", merge, s.Status(a), s.Token(a), s.Keys(a))
		}
		if n := len(events); n == 0 || events[n-1].Kind != EventSaveRefused || events[n-1].ID != tokenID(tok) {
			t.Errorf("merge %v: events %v, want EventSaveRefused for the old token last", merge, events)
		}
		// Later changes start a new session, as after Destroy.
		s.Put(a, "y", 2)
		commitOK(t, s, a)
		if s.Token(a) == tok || len(keysOf(t, s, s.Token(a))) != 1 {
			t.Errorf("merge %v: the session saved after a refused save is not a new one", merge)
		}
	}
}

// legacyStore hides memstore's UpdateStore, as a
// store written for SCS v2 would.
type legacyStore struct{ Store }

func TestStoreWithoutUpdateStoreSavesAsSCSDoes(t *testing.T) {
	s := newManager(t)
	s.Store = legacyStore{memstore.NewWithCleanupInterval(0)}
	a, b, tok := twoRequests(t, s)
	if err := s.Destroy(b); err != nil {
		t.Fatal(err)
	}
	s.Put(a, "x", 1)
	commitOK(t, s, a)
	if _, found, _ := s.Store.Find(tok); !found {
		t.Fatal("without UpdateStore the save is a Commit, which writes the token back")
	}
}

func TestLoadAndSaveSendsNoTokenForAGoneSession(t *testing.T) {
	s := newManager(t)
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	// The handler's request loaded the session; another destroys it
	// before the handler changes it.
	h := func(w http.ResponseWriter, r *http.Request) {
		if err := s.Store.Delete(tok); err != nil {
			t.Error(err)
		}
		s.Put(r.Context(), "k", "w")
		w.Write([]byte("ok"))
	}
	if w := do(t, s, h, tok); w.Code != http.StatusOK || w.Body.String() != "ok" || w.Header()["Set-Cookie"] != nil {
		t.Errorf("cookie mode: %d %q %v; want 200, the body and no Set-Cookie", w.Code, w.Body.String(), w.Header()["Set-Cookie"])
	}
	tok = sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Session", tok)
	w := httptest.NewRecorder()
	s.LoadAndSaveHeader("X-Session", http.HandlerFunc(h)).ServeHTTP(w, r)
	if _, ok := w.Header()["X-Session"]; ok || w.Code != http.StatusOK {
		t.Errorf("header mode: %d, header %v; want 200 and no X-Session header", w.Code, w.Header())
	}
	if _, found, _ := s.Store.Find(tok); found {
		t.Error("the deleted token came back")
	}
}
