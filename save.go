package scs

import (
	"context"
	"fmt"
	"time"
)

// This file holds the ways a session is written to the store: commit picks
// one (a merge, a seal, a conditional update, an insert), and finishSave
// ends every save the same way.

// commit is Commit for session data already looked up. It picks the way
// to write: a merge (commitMerged), a seal, a conditional update of a
// session read from the store (commitExisting) or an insert (commitNew);
// then it finishes the save (finishSave).
func (s *SessionManager) commit(ctx context.Context, sd *sessionData) (string, time.Time, error) {
	sd.mu.Lock()
	created := sd.token == "" || sd.fresh
	if sd.token == "" {
		token, err := generateToken()
		if err != nil {
			sd.mu.Unlock()
			return "", time.Time{}, err
		}
		sd.token, sd.key = token, s.keyOf(token)
	}
	token, key, deadline := sd.token, sd.key, sd.deadline
	existing := sd.changes.stored != "" && sd.changes.stored == key
	if existing && s.MergeConcurrent {
		sd.mu.Unlock()
		return s.commitMerged(ctx, sd, token, key)
	}
	u, prev := s.sessionUser(sd.values), ""
	if existing {
		prev = sd.changes.user
	}
	b, err := s.Codec.Encode(deadline, sd.values)
	sd.mu.Unlock()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
	}

	expiry := s.storeExpiry(deadline)
	if s.sealing() {
		if token, err = s.storeSeal(b, expiry); err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}
		sd.mu.Lock()
		sd.token, sd.key = token, token
		sd.mu.Unlock()
		s.afterSave(ctx, sd, created, token)
		return token, expiry, nil
	}
	var up UpdateStore
	if existing {
		up = s.store(ctx).update
	}
	if up != nil {
		err = s.commitExisting(ctx, sd, up, key, b, expiry, u)
	} else {
		err = s.commitNew(ctx, key, b, expiry, u)
	}
	if err == nil {
		err = s.finishSave(ctx, sd, created, key, expiry, prev, u.id)
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expiry, nil
}

// commitExisting saves a session read from the store under key with
// [UpdateStore.Update], which never recreates a key that another request
// deleted: then the session is gone ([ErrSessionGone]). The user's index
// entry is written first, so that a failure there leaves the stored data
// as it was.
func (s *SessionManager) commitExisting(ctx context.Context, sd *sessionData, up UpdateStore, key string, b []byte, expiry time.Time, u userMeta) error {
	if err := s.index(ctx, u, key, expiry); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	found, err := s.storeUpdate(ctx, up, key, b, expiry)
	if err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	if !found {
		_ = s.unindex(ctx, u.id, key) // best effort: the entry names a deleted key
		_, _, err := s.sessionGone(ctx, sd, key)
		return err
	}
	return nil
}

// commitNew saves a new session (or one with a renewed token) under key
// with the store's Commit, as SCS v2 saves every session, then indexes it
// under its user. When the index write fails, the session is deleted
// again: no live session is missing from its user's index.
func (s *SessionManager) commitNew(ctx context.Context, key string, b []byte, expiry time.Time, u userMeta) error {
	if err := s.storeCommit(ctx, key, b, expiry); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	if err := s.index(ctx, u, key, expiry); err != nil {
		_ = s.storeDelete(ctx, key)
		return fmt.Errorf("scs: commit session: %w", err)
	}
	return nil
}

// finishSave runs after a session was written under key until expiry,
// with user as its user where the store held prev's before: it takes the
// key out of prev's index, confirms the moves into the session (see
// move.go), records the save and sends its event.
func (s *SessionManager) finishSave(ctx context.Context, sd *sessionData, created bool, key string, expiry time.Time, prev, user string) error {
	if prev != "" && prev != user {
		if err := s.unindex(ctx, prev, key); err != nil {
			return fmt.Errorf("scs: commit session: %w", err)
		}
	}
	if prev != user {
		if err := s.capUserSessions(ctx, user, key); err != nil {
			return err
		}
	}
	if err := s.confirmMoves(ctx, sd, key, expiry); err != nil {
		return err
	}
	sd.mu.Lock()
	if sd.key == key {
		sd.changes.recordSave(key, user)
	}
	sd.mu.Unlock()
	s.afterSave(ctx, sd, created, key)
	return nil
}

// afterSave runs after a session was saved under the store key key and, where
// it has a user, indexed: it deletes the undecodable entry the session replaced, if
// any, and sends [EventCreated] (created: the token was not in the store
// before) or [EventSaved].
func (s *SessionManager) afterSave(ctx context.Context, sd *sessionData, created bool, key string) {
	sd.mu.Lock()
	sd.fresh = false
	bad := sd.undecodable
	sd.undecodable = ""
	sd.mu.Unlock()
	if bad != "" {
		s.deleteUndecodable(ctx, bad)
	}
	kind := EventSaved
	if created {
		kind = EventCreated
	}
	s.emit(ctx, kind, key, nil)
}

// storeExpiry is the expiry a session is saved with: its deadline, or
// now+IdleTimeout if sooner.
func (s *SessionManager) storeExpiry(deadline time.Time) time.Time {
	if s.IdleTimeout > 0 {
		if ie := s.clock().Add(s.IdleTimeout).UTC(); ie.Before(deadline) {
			return ie
		}
	}
	return deadline
}

// commitMerged is Commit for MergeConcurrent and a session that exists in
// the store under key (its token being token). It re-reads the session,
// applies this request's changes to what the store holds now, and writes
// the result with [UpdateStore.CompareAndSwap] when the store has it. Within
// this manager the saves of one session take turns (a per-session lock); a swap lost to another
// process is retried after a jittered backoff until MergeTimeout has passed
// or ctx ends. When the re-read finds the session gone and the store is an
// [UpdateStore], it returns [ErrSessionGone]. The merged data becomes the
// request's session data.
func (s *SessionManager) commitMerged(ctx context.Context, sd *sessionData, token, key string) (string, time.Time, error) {
	bound, cancel := context.WithTimeout(ctx, max(s.MergeTimeout, 0))
	defer cancel()
	if s.locks != nil {
		unlock, err := s.locks.lock(bound, key)
		if err != nil {
			return "", time.Time{}, s.mergeGiveUp(ctx, key)
		}
		defer unlock()
	}
	up := s.store(ctx).update
	for attempt := 1; ; attempt++ {
		cur, found, err := s.storeFind(ctx, key)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: re-read: %w", err)
		}
		if !found && up != nil {
			return s.sessionGone(ctx, sd, key)
		}
		sd.mu.Lock()
		values, deadline, prev := sd.values, sd.deadline, sd.changes.user
		if found {
			// A payload this codec cannot read is overwritten by this
			// request's data, as without MergeConcurrent.
			if d, v, err := s.Codec.Decode(cur); err == nil {
				if !s.live(d) && up != nil {
					// A tombstone: another request renewed the token
					// away (see move.go).
					sd.mu.Unlock()
					return s.sessionGone(ctx, sd, key)
				}
				values, deadline = sd.changes.apply(sd.values, sd.deadline, v, d)
				prev = userOf(v)
			}
		}
		u := s.sessionUser(values)
		b, err := s.Codec.Encode(deadline, values)
		sd.mu.Unlock()
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
		}

		expiry := s.storeExpiry(deadline)
		if err := s.index(ctx, u, key, expiry); err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}
		switch {
		case !found:
			// A store without [UpdateStore]: saved as before it had one.
			err = s.storeCommit(ctx, key, b, expiry)
		case up != nil:
			var swapped bool
			if swapped, err = s.storeCompareAndSwap(ctx, up, key, cur, b, expiry); err == nil && !swapped {
				// Another process saved (or deleted) the session since
				// the re-read: wait a little, then merge again.
				t := time.NewTimer(mergeBackoff(attempt))
				select {
				case <-t.C:
					continue
				case <-bound.Done():
					t.Stop()
					return "", time.Time{}, s.mergeGiveUp(ctx, key)
				}
			}
		default:
			err = s.storeCommit(ctx, key, b, expiry)
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}

		sd.mu.Lock()
		sd.values, sd.deadline = values, deadline
		sd.mu.Unlock()
		if err := s.finishSave(ctx, sd, false, key, expiry, prev, u.id); err != nil {
			return "", time.Time{}, err
		}
		return token, expiry, nil
	}
}
