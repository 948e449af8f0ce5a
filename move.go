package scs

import (
	"context"
	"fmt"
	"time"
)

// This file holds the moves of session data from one store key to another:
// RenewToken moves a session to a new token, MergeSession moves another
// session's data into this one. With an [UpdateStore], a move never brings
// back data that a logout deleted while the request was in flight:
//
//  1. When the move starts, the old key is vacated with Update: it then
//     holds a tombstone, an empty session whose deadline has passed, which
//     this package and SCS v2 read as no session. Update reports whether the
//     key still existed; if Destroy or DestroyUser deleted it first, the
//     move is dropped with the session's data.
//  2. The session is saved under its new key (and indexed under its user).
//  3. The old key is vacated again, which confirms that no logout deleted it
//     meanwhile, and only then deleted and taken out of its user's index. If
//     a logout did delete it, the save is undone: the new key is deleted,
//     and the save returns [ErrSessionGone].
//
// A request that loads a tombstone gets a new, empty session; if it calls
// Destroy (the user logs out with the old cookie), Destroy deletes the
// tombstone, and the move in flight undoes itself at step 3.
//
// DestroyUser deletes the user's sessions, then lists them again until no
// new one appears (see user.go). A move that step 3 confirmed had indexed
// its new key before, so DestroyUser's next listing finds it; a move that
// step 3 did not confirm yet finds its old key deleted and undoes itself.
// The tombstone keeps the user ID, so that DestroyUser over a store without
// an index finds it too.
//
// What stays as in SCS v2: a move that step 3 confirmed before Destroy
// started has already taken the data to the new token, which Destroy of the
// old token cannot reach; DestroyUser can.

// movedFrom is a store key whose data a session took over in this request
// and which holds a tombstone until the session's next save confirms the
// move.
type movedFrom struct {
	key     string // the store key
	user    string // the user whose index lists the key; "" for none
	renewed bool   // RenewToken's old token (EventRenewed on confirmation)
}

// tombstoneDeadline is the deadline of a tombstone: long past.
var tombstoneDeadline = time.Unix(1, 0).UTC()

// live reports whether a session with deadline is still alive: not a
// tombstone, nor data kept past its deadline by a store whose expiry lags.
func (s *SessionManager) live(deadline time.Time) bool {
	return s.clock().Before(deadline)
}

// userOf returns the user ID that values name (see SetUser), or "".
func userOf(values map[string]interface{}) string {
	u, _ := values[userKey].(string)
	return u
}

// vacate replaces the data under key with a tombstone until expiry, if and
// only if the store still holds the key, and reports whether it did.
// The tombstone keeps the session's user, so that DestroyUser over a store
// without an index still finds (and deletes) a key being moved.
func (s *SessionManager) vacate(ctx context.Context, up UpdateStore, key, user string, expiry time.Time) (bool, error) {
	var values map[string]interface{}
	if user != "" {
		values = map[string]interface{}{userKey: user}
	}
	b, err := s.Codec.Encode(tombstoneDeadline, values)
	if err != nil {
		return false, fmt.Errorf("encode tombstone: %w", err)
	}
	return s.storeUpdate(ctx, up, key, b, expiry)
}

// confirmMoves runs after sd was saved under key until expiry: it
// confirms each move into the session (step 3 above) and deletes the keys
// moved from. When a logout deleted one of them meanwhile, it deletes the
// session just saved and returns [ErrSessionGone].
func (s *SessionManager) confirmMoves(ctx context.Context, sd *sessionData, key string, expiry time.Time) error {
	sd.mu.Lock()
	moves := sd.moved
	sd.moved = nil
	sd.mu.Unlock()
	if len(moves) == 0 {
		return nil
	}
	up := s.store(ctx).update
	for i, m := range moves {
		found, err := s.vacate(ctx, up, m.key, m.user, expiry)
		if err != nil {
			s.keepMoves(sd, moves[i:])
			return fmt.Errorf("scs: commit session: confirm the move from an old token: %w", err)
		}
		if !found {
			return s.undoSave(ctx, sd, key)
		}
		if err := s.storeDelete(ctx, m.key); err != nil {
			s.keepMoves(sd, moves[i+1:])
			return fmt.Errorf("scs: commit session: delete the old token: %w", err)
		}
		if err := s.unindex(ctx, m.user, m.key); err != nil {
			s.keepMoves(sd, moves[i+1:])
			return fmt.Errorf("scs: commit session: %w", err)
		}
		if m.renewed {
			s.emit(ctx, EventRenewed, m.key, nil)
		}
	}
	return nil
}

// keepMoves puts back the moves that a failed save did not confirm, so that
// the next save (or Destroy) deals with them.
func (s *SessionManager) keepMoves(sd *sessionData, moves []movedFrom) {
	sd.mu.Lock()
	sd.moved = append(moves, sd.moved...)
	sd.mu.Unlock()
}

// undoSave deletes the session that was just saved under key with data
// that a logout had deleted meanwhile, takes it out of its user's index,
// and leaves the session destroyed (see sessionGone).
func (s *SessionManager) undoSave(ctx context.Context, sd *sessionData, key string) error {
	sd.mu.Lock()
	user := userOf(sd.values)
	sd.mu.Unlock()
	if err := s.storeDelete(ctx, key); err != nil {
		return fmt.Errorf("scs: commit session: undo a save of logged-out data: %w", err)
	}
	if err := s.unindex(ctx, user, key); err != nil {
		return fmt.Errorf("scs: commit session: %w", err)
	}
	_, _, err := s.sessionGone(ctx, sd, key)
	return err
}

// dropMoves deletes the keys that sd's data was moved from, for Destroy:
// the session they moved into is going too.
func (s *SessionManager) dropMoves(ctx context.Context, sd *sessionData) error {
	sd.mu.Lock()
	moves := sd.moved
	sd.moved = nil
	sd.mu.Unlock()
	for _, m := range moves {
		if err := s.storeDelete(ctx, m.key); err != nil {
			return err
		}
		if err := s.unindex(ctx, m.user, m.key); err != nil {
			return err
		}
	}
	return nil
}

// dropStale deletes, for Destroy, the key the session was loaded for when
// it held a tombstone: the logout then also undoes a move from it that
// another request has started and not yet confirmed.
func (s *SessionManager) dropStale(ctx context.Context, sd *sessionData) error {
	sd.mu.Lock()
	stale := sd.stale
	sd.stale = ""
	sd.mu.Unlock()
	if stale == "" {
		return nil
	}
	return s.storeDelete(ctx, stale)
}
