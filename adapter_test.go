package scs

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStoreErrors(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	cs.fail = errors.New("store is down")

	var got error
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		http.Error(w, "sorry", http.StatusServiceUnavailable)
	}
	w := do(t, s, getString(s, "k"), tok)
	if w.Code != 503 || !errors.Is(got, cs.fail) {
		t.Errorf("load failure: code %d err %v", w.Code, got)
	}

	// A failed commit answers with ErrorFunc, and the handler's later
	// output is dropped rather than appended to the error page.
	got = nil
	var writeErr error
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		_, writeErr = io.WriteString(w, "handler output")
	}, "")
	if w.Code != 503 || !errors.Is(got, cs.fail) || strings.Contains(w.Body.String(), "handler output") {
		t.Errorf("commit failure: code %d err %v body %q", w.Code, got, w.Body.String())
	}
	if !errors.Is(writeErr, ErrCommitFailed) {
		t.Errorf("Write after a failed commit = %v, want ErrCommitFailed", writeErr)
	}
	if sessionCookie(w, "session") != nil {
		t.Error("a cookie was written for a session that was not saved")
	}
}

func TestHashTokenInStore(t *testing.T) {
	s := newManager(t)
	s.HashTokenInStore = true
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	if _, found, _ := s.Store.Find(tok); found {
		t.Error("the raw token is a store key")
	}
	if _, found, _ := s.Store.Find(hashToken(tok)); !found {
		t.Error("the hashed token is not a store key")
	}
	if w := do(t, s, getString(s, "k"), tok); w.Body.String() != "v" {
		t.Error("session not loaded through the hashed key")
	}
}
