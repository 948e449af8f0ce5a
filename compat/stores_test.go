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
//
// scsPastExpiryBroken marks an SCS store that keeps a session committed with
// an expiry in the past (SCS's goredisstore hands go-redis a negative TTL,
// which it reads as "keep the current TTL"), so that check runs one way.
func crossCheck(t *testing.T, theirs scsv2.Store, ours scs.Store, scsPastExpiryBroken ...bool) {
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
		th, us := ctxFirst(theirs), ctxFirst(ours)
		pairs := []struct {
			name         string
			write        func(string, []byte, time.Time) error
			find         func(string) ([]byte, bool, error)
			del          func(string) error
			otherFind    func(string) ([]byte, bool, error)
			writerDelete func(string) error

			skipExpired bool
		}{
			{"scs to ours", th.commit, us.find, us.del, th.find, th.del, len(scsPastExpiryBroken) > 0 && scsPastExpiryBroken[0]},
			{"ours to scs", us.commit, th.find, th.del, us.find, us.del, false},
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
			if p.skipExpired {
				continue
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

// rawStore is a store's three operations, through the Ctx forms when the
// store has them, as both managers call them (SCS's goredisstore works only
// through those).
type rawStore struct {
	find   func(string) ([]byte, bool, error)
	commit func(string, []byte, time.Time) error
	del    func(string) error
}

func ctxFirst(st interface {
	Find(string) ([]byte, bool, error)
	Commit(string, []byte, time.Time) error
	Delete(string) error
}) rawStore {
	cs, ok := st.(interface {
		FindCtx(context.Context, string) ([]byte, bool, error)
		CommitCtx(context.Context, string, []byte, time.Time) error
		DeleteCtx(context.Context, string) error
	})
	if !ok {
		return rawStore{st.Find, st.Commit, st.Delete}
	}
	ctx := context.Background()
	return rawStore{
		find:   func(tok string) ([]byte, bool, error) { return cs.FindCtx(ctx, tok) },
		commit: func(tok string, b []byte, exp time.Time) error { return cs.CommitCtx(ctx, tok, b, exp) },
		del:    func(tok string) error { return cs.DeleteCtx(ctx, tok) },
	}
}
