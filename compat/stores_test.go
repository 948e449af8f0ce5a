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

	them := scsv2.New()
	them.Store = theirs
	us := scs.New()
	us.Store = ours
	for _, dir := range []struct {
		name           string
		writer, reader sessionAPI
	}{{"SCS writes, we read", them, us}, {"we write, SCS reads", us, them}} {
		t.Run(dir.name, func(t *testing.T) {
			token, deadline := commitWith(t, dir.writer, values)
			ctx, err := dir.reader.Load(context.Background(), token)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := map[string]interface{}{}
			for k := range values {
				got[k] = dir.reader.Get(ctx, k)
			}
			checkSame(t, deadline, values, dir.reader.Deadline(ctx), got)
		})
	}

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

// sessionAPI is what both managers offer for writing and reading a session.
type sessionAPI interface {
	Load(ctx context.Context, token string) (context.Context, error)
	Put(ctx context.Context, key string, val interface{})
	Get(ctx context.Context, key string) interface{}
	Commit(ctx context.Context) (string, time.Time, error)
	Deadline(ctx context.Context) time.Time
}

// commitWith saves a new session holding values through m and returns its
// token and deadline.
func commitWith(t *testing.T, m sessionAPI, values map[string]interface{}) (string, time.Time) {
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
	return token, m.Deadline(ctx)
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
