package scs

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed3bbca6c1/scs/memstore"
)

// commitWriterRequest loads a new session of s into a request's context
// and returns it with a CommitWriter over a recorder.
func commitWriterRequest(t *testing.T, s *SessionManager, header string) (*CommitWriter, *httptest.ResponseRecorder, *http.Request) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	ctx, err := s.Load(r.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithContext(ctx)
	w := httptest.NewRecorder()
	return s.NewCommitWriter(w, r, header), w, r
}

func TestCommitWriterSavesBeforeTheStatusLine(t *testing.T) {
	for _, write := range []struct {
		name string
		do   func(cw *CommitWriter)
	}{
		{"WriteHeader", func(cw *CommitWriter) { cw.WriteHeader(http.StatusCreated) }},
		{"Write", func(cw *CommitWriter) { _, _ = cw.Write([]byte("x")) }},
		{"Flush", func(cw *CommitWriter) { cw.Flush() }},
		{"ResponseController.Flush", func(cw *CommitWriter) { _ = http.NewResponseController(cw).Flush() }},
		{"Commit", func(cw *CommitWriter) {
			if !cw.Commit() {
				t.Error("Commit reported a failure")
			}
		}},
	} {
		t.Run(write.name, func(t *testing.T) {
			s := newManager(t)
			cw, w, r := commitWriterRequest(t, s, "")
			s.Put(r.Context(), "k", "v")
			write.do(cw)
			c := w.Result().Cookies()
			if len(c) != 1 || c[0].Name != s.Cookie.Name || c[0].Value == "" {
				t.Fatalf("cookies %v", c)
			}
			if _, found, _ := s.Store.Find(c[0].Value); !found {
				t.Error("session not stored")
			}
			if !cw.Commit() { // a second save does nothing
				t.Error("Commit after the save reported a failure")
			}
			if n := len(w.Result().Header.Values("Set-Cookie")); n != 1 {
				t.Errorf("%d Set-Cookie headers", n)
			}
		})
	}
}

func TestCommitWriterHeaderMode(t *testing.T) {
	s := newManager(t)
	cw, w, r := commitWriterRequest(t, s, "x-session")
	s.Put(r.Context(), "k", "v")
	cw.WriteHeader(http.StatusOK)
	tok := w.Header().Get("X-Session")
	if tok == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", w.Header())
	}
	if len(w.Result().Cookies()) != 0 {
		t.Error("a cookie in header mode")
	}
	if _, found, _ := s.Store.Find(tok); !found {
		t.Error("session not stored")
	}
}

func TestCommitWriterAbandonSavesNothing(t *testing.T) {
	s := newManager(t)
	cs := &countingStore{Store: memstore.NewWithCleanupInterval(0)}
	s.Store = cs
	cw, w, r := commitWriterRequest(t, s, "")
	s.Put(r.Context(), "k", "v")
	cw.Abandon()
	cw.WriteHeader(http.StatusInternalServerError)
	if !cw.Commit() {
		t.Error("Commit after Abandon reported a failure")
	}
	if w.Code != http.StatusInternalServerError || w.Header().Get("Set-Cookie") != "" || cs.commits != 0 {
		t.Errorf("status %d, Set-Cookie %q, %d commits", w.Code, w.Header().Get("Set-Cookie"), cs.commits)
	}
}

func TestCommitWriterFailedSaveIsAnsweredByErrorFunc(t *testing.T) {
	s := newManager(t)
	cw, w, r := commitWriterRequest(t, s, "")
	s.Put(r.Context(), "k", "v")
	s.Store = &countingStore{Store: s.Store, fail: errors.New("store down")}
	if cw.Commit() {
		t.Fatal("Commit reported success")
	}
	if _, err := cw.Write([]byte("handler")); !errors.Is(err, ErrCommitFailed) {
		t.Errorf("Write after a failed save: %v", err)
	}
	cw.WriteHeader(http.StatusOK)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "handler") {
		t.Errorf("status %d, body %q", w.Code, w.Body.String())
	}
	if err := cw.FlushError(); !errors.Is(err, ErrCommitFailed) {
		t.Errorf("FlushError after a failed save: %v", err)
	}
}

func TestCommitWriterUnwrapsForResponseController(t *testing.T) {
	s := newManager(t)
	cw, w, _ := commitWriterRequest(t, s, "")
	if cw.Unwrap() != http.ResponseWriter(w) {
		t.Error("Unwrap does not return the writer underneath")
	}
	// The recorder cannot hijack: the error says so through the wrapping.
	if _, _, err := cw.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Hijack: %v", err)
	}
}

func TestNewCommitWriterWithoutASessionPanics(t *testing.T) {
	s := newManager(t)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	s.NewCommitWriter(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), "")
}
