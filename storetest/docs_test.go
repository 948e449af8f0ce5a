package storetest_test

import (
	"bytes"
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/doccheck"
	"github.com/seed3bbca6c1/scs/storetest"
)

// This file holds the Go code of docs/custom-stores.md (its "smallest
// correct store" among it), so that it compiles and the smallest store runs
// the kit. Each region between "// doc:begin FILE" and "// doc:end" is a
// ```go block of FILE, as TestDocsMatchTheCode checks.

// doc:begin docs/custom-stores.md
type smallStore struct {
	mu    sync.Mutex
	m     map[string]smallEntry
	swept time.Time // when Commit last deleted every expired entry
}

type smallEntry struct {
	data   []byte
	expiry time.Time
}

// live returns the entry of token if it has not expired, and deletes it
// if it has. The caller holds s.mu.
func (s *smallStore) live(token string) (smallEntry, bool) {
	e, ok := s.m[token]
	if ok && !time.Now().Before(e.expiry) {
		delete(s.m, token)
		return smallEntry{}, false
	}
	return e, ok
}

func (s *smallStore) Find(token string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(token)
	return e.data, ok, nil
}

func (s *smallStore) Commit(token string, b []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sessions that are never read again expire too: sweep them out now
	// and then, or the map grows for ever.
	if now := time.Now(); now.Sub(s.swept) > time.Minute {
		for tok, e := range s.m {
			if !now.Before(e.expiry) {
				delete(s.m, tok)
			}
		}
		s.swept = now
	}
	s.m[token] = smallEntry{bytes.Clone(b), expiry}
	return nil
}

func (s *smallStore) Delete(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
	return nil
}

// Update and CompareAndSwap make it an scs.UpdateStore, so that a logout
// sticks (see docs/custom-stores.md): each checks and writes in one step.
func (s *smallStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(token); !ok {
		return false, nil // never creates the token
	}
	s.m[token] = smallEntry{bytes.Clone(b), expiry}
	return true, nil
}

func (s *smallStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(token); !ok || !bytes.Equal(e.data, old) {
		return false, nil
	}
	s.m[token] = smallEntry{bytes.Clone(b), expiry}
	return true, nil
}

func TestSmallStorePassesTheKit(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			return &smallStore{m: map[string]smallEntry{}}
		},
		// Stored looks into the map, so that the kit sees expired
		// entries leave it.
		Stored: func(t *testing.T, st scs.Store, token string) bool {
			s := st.(*smallStore)
			s.mu.Lock()
			defer s.mu.Unlock()
			_, ok := s.m[token]
			return ok
		},
	}.Run(t)
}

// doc:end

// doc:begin docs/custom-stores.md
// Update writes b over a session that exists and has not expired, and
// never creates one: one UPDATE, whose WHERE clause does the check in the
// same statement as the write. Another request's DELETE comes before it
// (no row matches: found is false) or after it; never in between.
func (s *sqlStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE sessions SET data = $1, expiry = $2 WHERE token = $3 AND expiry > $4`,
		b, expiry.UTC(), token, time.Now().UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// doc:end

// doc:begin docs/custom-stores.md
// CompareAndSwap writes b only while the session still holds old.
func (s *sqlStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE sessions SET data = $1, expiry = $2 WHERE token = $3 AND data = $4 AND expiry > $5`,
		b, expiry.UTC(), token, old, time.Now().UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// doc:end

// sqlStore is the SQL store of docs/custom-stores.md: only its conditional
// writes are shown, and compiled; the repository's SQL stores
// (postgresstore, pgxstore, mysqlstore, ...) run the kit against real
// engines.
type sqlStore struct{ db *sql.DB }

var _ scs.UpdateStore = (*sqlStore)(nil)

// TestDocsMatchTheCode checks that every ```go block of
// docs/custom-stores.md is a region of this file marked
// "// doc:begin docs/custom-stores.md", and the other way round: the
// document shows code that compiles, and the smallest store it shows passes
// the kit.
func TestDocsMatchTheCode(t *testing.T) {
	doccheck.Check(t, "docs_test.go", "..", "docs/custom-stores.md")
}
