package memstore

import (
	"context"
	"hash/maphash"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/seed3bbca6c1/scs/internal/userindex"
)

// userDeleteBatch is the most users whose expired entries a cleanup pass
// drops under one hold of a shard's write lock: fewer than deleteBatch, as
// each user costs a walk over the user's tokens.
const userDeleteBatch = 256

// userShard is one part of a store's index of user sessions, the users
// whose ID hashes to it. A million indexed users make about 1,000 per
// shard, the most that a cleanup pass scans under one shard's read lock.
type userShard struct {
	mu    sync.RWMutex         // guards users
	users map[string]userEntry // by user ID; nil until the shard's first entry
}

// userEntry is one user's sessions in the index.
type userEntry struct {
	// earliest is no later than the earliest expiry in tokens: the
	// cleanup pass reads it, not tokens, to find the users with an
	// expired entry. Renewing a session leaves it earlier than needed
	// until the pass or UserSessions next walks the user's tokens.
	earliest int64
	tokens   map[string]indexed // by token
}

// indexed is one session in a user's entry: its index entry, and its
// expiry in Unix nanoseconds.
type indexed struct {
	entry  userindex.Entry
	expiry int64
}

// userShard returns the shard of the index that holds userID, creating
// the index when create is set; without it, it returns nil while there is
// no index.
func (s *MemStore) userShard(userID string, create bool) *userShard {
	shards := s.users.Load()
	if shards == nil {
		if !create {
			return nil
		}
		s.users.CompareAndSwap(nil, new([shardCount]userShard))
		shards = s.users.Load()
	}
	return &shards[maphash.String(s.seed, userID)&(shardCount-1)]
}

// AddUserSession records entry, the session entry.Token of userID,
// replacing the entry of that token. With RemoveUserSessions and
// UserSessions it makes the store an
// scs.UserIndexStore, so that SessionManager.UserSessions and DestroyUser
// cost in proportion to one user's sessions. The index is sharded by a
// hash of the user ID, like the sessions by token, so that calls for
// different users seldom wait for each other, nor for a cleanup pass.
func (s *MemStore) AddUserSession(ctx context.Context, userID string, entry userindex.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	exp := entry.Expiry.UnixNano()
	sh := s.userShard(userID, true)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.users == nil {
		sh.users = make(map[string]userEntry)
	}
	e, ok := sh.users[userID]
	if !ok {
		e = userEntry{earliest: exp, tokens: make(map[string]indexed, 1)}
	}
	e.earliest = min(e.earliest, exp)
	e.tokens[entry.Token] = indexed{entry: entry, expiry: exp}
	sh.users[userID] = e
	return nil
}

// RemoveUserSessions removes tokens from userID's index.
func (s *MemStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh := s.userShard(userID, false)
	if sh == nil {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.users[userID]
	if !ok {
		return nil
	}
	for _, token := range tokens {
		delete(e.tokens, token)
	}
	if len(e.tokens) == 0 {
		delete(sh.users, userID)
	}
	return nil
}

// UserSessions returns the entries in userID's index that have not
// expired, and drops the user's expired ones.
func (s *MemStore) UserSessions(ctx context.Context, userID string) ([]userindex.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh := s.userShard(userID, false)
	if sh == nil {
		return nil, nil
	}
	now := time.Now().UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.users[userID]
	if !ok {
		return nil, nil
	}
	live := make([]userindex.Entry, 0, len(e.tokens))
	for _, ix := range e.tokens {
		if now < ix.expiry {
			live = append(live, ix.entry)
		}
	}
	if now >= e.earliest {
		sh.dropExpired(userID, e, now)
	}
	return live, nil
}

// dropExpired drops the entries of userID, whose entry is e, that expire
// at now or earlier, and makes e.earliest exact; it drops the user when
// none is left. The caller holds sh.mu for writing.
func (sh *userShard) dropExpired(userID string, e userEntry, now int64) {
	e.earliest = math.MaxInt64
	for token, ix := range e.tokens {
		if now >= ix.expiry {
			delete(e.tokens, token)
		} else {
			e.earliest = min(e.earliest, ix.expiry)
		}
	}
	if len(e.tokens) == 0 {
		delete(sh.users, userID)
	} else {
		sh.users[userID] = e
	}
}

// deleteExpiredUsers drops the expired entries of the index of user
// sessions, for DeleteExpired, as it does the sessions: a shard at a time,
// it lists the users whose earliest expiry has passed under the shard's
// read lock (one comparison per user), then drops their entries still
// expired under the write lock, for at most userDeleteBatch users per hold.
func (s *MemStore) deleteExpiredUsers(ctx context.Context) error {
	shards := s.users.Load()
	if shards == nil {
		return nil
	}
	var stale []string // reused from shard to shard
	for i := range shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := &shards[i]
		now := time.Now().UnixNano()
		stale = stale[:0]
		sh.mu.RLock()
		for userID, e := range sh.users {
			if now >= e.earliest {
				stale = append(stale, userID)
			}
		}
		sh.mu.RUnlock()
		for start := 0; start < len(stale); start += userDeleteBatch {
			sh.mu.Lock()
			for _, userID := range stale[start:min(start+userDeleteBatch, len(stale))] {
				// The user's entries may have changed since the scan.
				if e, ok := sh.users[userID]; ok && now >= e.earliest {
					sh.dropExpired(userID, e, now)
				}
			}
			sh.mu.Unlock()
		}
		clear(stale)      // drops the user IDs, so their memory can go
		runtime.Gosched() // lets waiting requests run even on one CPU
	}
	return nil
}
