package compat

import (
	"bytes"
	"context"
	"testing"
	"time"

	scsv2 "github.com/alexedwards/scs/v2"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// crossCheck proves that SCS v2 with its own store and this library with
// ours share sessions through one real server, in both directions: a user
// logged in by one is logged in with the other.
func crossCheck(t *testing.T, theirs scsv2.Store, ours scs.Store) {
	t.Helper()
	when := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	values := map[string]interface{}{"userID": 42, "name": "alice", "admin": true, "when": when, "blob": []byte{0, 0xff}}

	t.Run("SCS writes, we read", func(t *testing.T) {
		them := scsv2.New()
		them.Store = theirs
		us := scs.New()
		us.Store = ours
		token, deadline := commitWith(t, them, values)
		ctx, err := us.Load(context.Background(), token)
		if err != nil {
			t.Fatalf("our Load: %v", err)
		}
		checkSession(t, us.Get, us.Deadline(ctx), ctx, deadline, values)
	})

	t.Run("we write, SCS reads", func(t *testing.T) {
		us := scs.New()
		us.Store = ours
		them := scsv2.New()
		them.Store = theirs
		token, deadline := commitWith(t, us, values)
		ctx, err := them.Load(context.Background(), token)
		if err != nil {
			t.Fatalf("SCS Load: %v", err)
		}
		checkSession(t, them.Get, them.Deadline(ctx), ctx, deadline, values)
	})

	t.Run("raw rows", func(t *testing.T) {
		pairs := []struct {
			name         string
			write        func(string, []byte, time.Time) error
			find         func(string) ([]byte, bool, error)
			del          func(string) error
			otherFind    func(string) ([]byte, bool, error)
			writerDelete func(string) error
		}{
			{"scs to ours", theirs.Commit, ours.Find, ours.Delete, theirs.Find, theirs.Delete},
			{"ours to scs", ours.Commit, theirs.Find, theirs.Delete, ours.Find, ours.Delete},
		}
		for _, p := range pairs {
			tok := storetest.Token(t)
			payload := []byte("\x00payload\xff")
			if err := p.write(tok, payload, time.Now().Add(time.Hour)); err != nil {
				t.Fatalf("%s: commit: %v", p.name, err)
			}
			if b, found, err := p.find(tok); err != nil || !found || !bytes.Equal(b, payload) {
				t.Fatalf("%s: find = %q, %v, %v", p.name, b, found, err)
			}
			if err := p.del(tok); err != nil {
				t.Fatalf("%s: delete: %v", p.name, err)
			}
			if _, found, err := p.otherFind(tok); err != nil || found {
				t.Fatalf("%s: the writer still finds a session the reader deleted: %v, %v", p.name, found, err)
			}
			expired := storetest.Token(t)
			if err := p.write(expired, payload, time.Now().Add(-time.Minute)); err != nil {
				t.Fatalf("%s: commit expired: %v", p.name, err)
			}
			if _, found, err := p.find(expired); err != nil || found {
				t.Fatalf("%s: an expired session was found: %v, %v", p.name, found, err)
			}
			p.writerDelete(expired)
		}
	})
}

// committer is what both managers offer for writing a session.
type committer interface {
	Load(ctx context.Context, token string) (context.Context, error)
	Put(ctx context.Context, key string, val interface{})
	Commit(ctx context.Context) (string, time.Time, error)
}

func commitWith(t *testing.T, m committer, values map[string]interface{}) (string, time.Time) {
	t.Helper()
	ctx, err := m.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		m.Put(ctx, k, v)
	}
	token, _, err := m.Commit(ctx)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	var deadline time.Time
	switch mm := m.(type) {
	case *scs.SessionManager:
		deadline = mm.Deadline(ctx)
	case *scsv2.SessionManager:
		deadline = mm.Deadline(ctx)
	}
	return token, deadline
}

func checkSession(t *testing.T, get func(context.Context, string) interface{}, gotDeadline time.Time, ctx context.Context, wantDeadline time.Time, values map[string]interface{}) {
	t.Helper()
	got := map[string]interface{}{}
	for k := range values {
		got[k] = get(ctx, k)
	}
	checkSame(t, wantDeadline, values, gotDeadline, got)
}
