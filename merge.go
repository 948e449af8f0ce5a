package scs

import (
	"context"
	"fmt"
	"time"
)

// maxMergeAttempts bounds how often commitMerged re-reads and retries.
const maxMergeAttempts = 8

// note records that this request changed key, for commitMerged. The caller
// holds sd.mu.
func (sd *sessionData) note(key string) {
	if sd.base == "" {
		return
	}
	if sd.changes == nil {
		sd.changes = make(map[string]struct{})
	}
	sd.changes[key] = struct{}{}
}

// mergeInto applies this request's changes to the values and deadline that
// the store holds now, and returns the result. stored is not shared with
// anyone else (it was just decoded). The caller holds sd.mu.
func (sd *sessionData) mergeInto(stored map[string]interface{}, storedDeadline time.Time) (map[string]interface{}, time.Time) {
	if sd.cleared || stored == nil {
		stored = make(map[string]interface{}, len(sd.values))
	}
	if sd.cleared {
		for k, v := range sd.values {
			stored[k] = v
		}
	}
	for k := range sd.changes {
		if v, ok := sd.values[k]; ok {
			stored[k] = v
		} else {
			delete(stored, k)
		}
	}
	if sd.deadlineSet {
		storedDeadline = sd.deadline
	}
	return stored, storedDeadline
}

// commitMerged is Commit for MergeConcurrent: it re-reads the session,
// applies this request's changes to what the store holds now, and writes
// the result, with CompareAndSwap when the store has it (retrying when
// another request got there first). The merged data becomes the request's
// session data.
func (s *SessionManager) commitMerged(ctx context.Context, sd *sessionData) (string, time.Time, error) {
	sd.mu.Lock()
	token, hashed := sd.token, sd.hashed
	sd.mu.Unlock()
	cas, _ := s.Store.(CompareAndSwapStore)
	for attempt := 1; ; attempt++ {
		cur, found, err := s.storeFind(ctx, token, hashed)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: re-read: %w", err)
		}
		sd.mu.Lock()
		values, deadline := sd.values, sd.deadline
		if found {
			// A payload this codec cannot read is overwritten by this
			// request's data, as without MergeConcurrent.
			if d, v, err := s.Codec.Decode(cur); err == nil {
				values, deadline = sd.mergeInto(v, d)
			}
		}
		b, err := s.Codec.Encode(deadline, values)
		sd.mu.Unlock()
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: encode session: %w", err)
		}

		expiry := s.storeExpiry(deadline)
		if cas == nil || !found {
			err = s.storeCommit(ctx, token, hashed, b, expiry)
		} else {
			var swapped bool
			swapped, err = s.storeCompareAndSwap(ctx, cas, token, hashed, cur, b, expiry)
			if err == nil && !swapped {
				if attempt < maxMergeAttempts {
					continue
				}
				err = ErrConflict
			}
		}
		if err != nil {
			return "", time.Time{}, fmt.Errorf("scs: commit session: %w", err)
		}

		sd.mu.Lock()
		sd.values, sd.deadline = values, deadline
		sd.changes, sd.cleared, sd.deadlineSet = nil, false, false
		sd.mu.Unlock()
		return token, expiry, s.saved(ctx, sd, false, token, hashed, expiry)
	}
}
