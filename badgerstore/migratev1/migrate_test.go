package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	v2badgerstore "github.com/alexedwards/scs/badgerstore"
	scsv2 "github.com/alexedwards/scs/v2"
	badgerv1 "github.com/dgraph-io/badger"
	badgerv4 "github.com/dgraph-io/badger/v4"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/badgerstore"
)

// v2Session is a session that SCS v2 saved in its badgerstore.
type v2Session struct {
	token  string
	user   string
	expiry time.Time // as Badger v1 keeps it: whole seconds
}

// writeV2 saves one session per user through SCS v2's session manager and
// badgerstore (Badger v1) in dir, each with the given lifetime, and returns
// them with the expiry Badger v1 recorded.
func writeV2(t *testing.T, dir, prefix string, lifetimes map[string]time.Duration) map[string]v2Session {
	t.Helper()
	db, err := badgerv1.Open(badgerv1.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sm := scsv2.New()
	sm.Store = v2badgerstore.NewWithPrefix(db, prefix)
	sessions := map[string]v2Session{}
	for user, lifetime := range lifetimes {
		sm.Lifetime = lifetime
		ctx, err := sm.Load(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		sm.Put(ctx, "user", user)
		token, _, err := sm.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lifetime < 0 {
			// Expired at once: Badger v1 hides it already.
			sessions[user] = v2Session{token: token, user: user}
			continue
		}
		err = db.View(func(txn *badgerv1.Txn) error {
			item, err := txn.Get([]byte(prefix + token))
			if err != nil {
				return err
			}
			sessions[user] = v2Session{token, user, time.Unix(int64(item.ExpiresAt()), 0)}
			return nil
		})
		if err != nil {
			t.Fatalf("reading back %s's session from Badger v1: %v", user, err)
		}
	}
	return sessions
}

// TestMigrateKeepsLiveSessions writes sessions with SCS v2's badgerstore on
// Badger v1, migrates them, and reads them with this repository's
// badgerstore on Badger v4 and its session manager: the same tokens, data
// and expiry; the sessions expired at the time of the migration are left
// out, and the v1 directory is left as it was.
func TestMigrateKeepsLiveSessions(t *testing.T) {
	for _, prefix := range []string{"scs:session:", "app:1:"} {
		t.Run(prefix, func(t *testing.T) {
			from, to := filepath.Join(t.TempDir(), "v1"), filepath.Join(t.TempDir(), "v4")
			sessions := writeV2(t, from, prefix, map[string]time.Duration{
				"alice": 24 * time.Hour,
				"bob":   3 * time.Hour,
				"carol": time.Hour,  // expired at the migration's clock
				"dave":  -time.Hour, // already expired in Badger v1
			})
			// Migrate as if 2 hours had passed: carol's session has
			// expired by then, and dave's long before.
			res, err := migrateDirs(from, to, prefix, time.Now().Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			// dave's entry is invisible to Badger v1's iterator already;
			// carol's is left out by the migration's own check.
			if res.Copied != 2 || res.Expired != 1 {
				t.Errorf("migration %+v, want 2 copied and 1 expired (carol's; dave's is hidden by Badger v1)", res)
			}

			db, err := badgerv4.Open(badgerv4.DefaultOptions(to).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			store := badgerstore.NewWithPrefix(db, prefix)
			sm := scs.New()
			sm.Store = store
			for _, user := range []string{"alice", "bob"} {
				s := sessions[user]
				ctx, err := sm.Load(context.Background(), s.token)
				if err != nil {
					t.Fatal(err)
				}
				if got := sm.GetString(ctx, "user"); got != user {
					t.Errorf("%s's token loads user %q after the migration", user, got)
				}
				_, expiry, found, err := store.FindExpiry(context.Background(), s.token)
				if err != nil || !found {
					t.Fatalf("%s's session in Badger v4: found %v, %v", user, found, err)
				}
				if !expiry.Equal(s.expiry) {
					t.Errorf("%s's session expires at %v in Badger v4, at %v in Badger v1", user, expiry, s.expiry)
				}
				if d := sm.Deadline(ctx); d.Sub(s.expiry).Abs() > time.Second {
					t.Errorf("%s's session deadline %v, want about %v", user, d, s.expiry)
				}
			}
			all, err := store.All()
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 {
				t.Errorf("Badger v4 holds %d sessions, want alice's and bob's only", len(all))
			}
			for _, user := range []string{"carol", "dave"} {
				if _, ok := all[sessions[user].token]; ok {
					t.Errorf("%s's expired session was copied", user)
				}
			}

			// The v1 directory still holds alice's and bob's sessions.
			src, err := badgerv1.Open(badgerv1.DefaultOptions(from).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			err = src.View(func(txn *badgerv1.Txn) error {
				_, err := txn.Get([]byte(prefix + sessions["alice"].token))
				return err
			})
			if err != nil {
				t.Errorf("alice's session in the v1 directory after the migration: %v", err)
			}
		})
	}
}

// TestBadgerV4CannotOpenAV1Directory is why the migration exists: the
// formats differ, and Badger v4 refuses the directory that SCS v2's
// badgerstore wrote.
func TestBadgerV4CannotOpenAV1Directory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v1")
	writeV2(t, dir, "scs:session:", map[string]time.Duration{"alice": time.Hour})
	db, err := badgerv4.Open(badgerv4.DefaultOptions(dir).WithLogger(nil))
	if err == nil {
		db.Close()
		t.Fatal("Badger v4 opened a Badger v1 directory; the README's migration note is wrong")
	}
	t.Logf("Badger v4 on a v1 directory: %v", err)
}

func TestMigrateRefusesAMissingSource(t *testing.T) {
	to := filepath.Join(t.TempDir(), "v4")
	if _, err := migrateDirs(filepath.Join(t.TempDir(), "nothing"), to, "scs:session:", time.Now()); err == nil {
		t.Fatal("migration from a missing directory succeeded")
	}
	if _, err := os.Stat(to); err == nil {
		t.Error("a failed migration created the v4 directory")
	}
}
