package scs

import (
	"context"
	"fmt"
	"time"
)

// A session whose stored data cannot be decoded (written by another codec,
// truncated by a store, corrupted, or naming a gob type this program has not
// registered) counts as no session: the request gets a new, empty session
// with a new token, and OnEvent receives [EventUndecodable] with the decode
// error. The bad entry is left in the store until the new session is saved
// or destroyed, and deleted then, so that a request that only reads costs no
// store write and another instance that can still read the data (during a
// rolling deploy, say) is not robbed of it.
//
// The other paths that read stored data decide the same way: MergeSession
// treats an undecodable session as unknown (nothing is merged, the entry is
// left alone) and Iterate skips it, both reporting [EventUndecodable];
// MergeConcurrent's re-read before a save overwrites it with this request's
// data.

// loadUndecodable returns the new session that replaces the undecodable
// data stored for token, and reports the failure.
func (s *SessionManager) loadUndecodable(ctx context.Context, key string, err error) *loaded {
	s.emit(ctx, EventUndecodable, key, fmt.Errorf("scs: decode session: %w", err))
	l := s.newLoaded(ctx, s.clock().Add(s.Lifetime).UTC(), "", "", nil)
	l.sd.undecodable = key
	return l
}

// dropUndecodable deletes the entry whose data the session in sd replaced,
// when sd is destroyed (afterSave does the same when sd is saved).
func (s *SessionManager) dropUndecodable(ctx context.Context, sd *sessionData) {
	sd.mu.Lock()
	bad := sd.undecodable
	sd.undecodable = ""
	sd.mu.Unlock()
	if bad != "" {
		s.deleteUndecodable(ctx, bad)
	}
}

// deleteUndecodable deletes the entry under token whose data could not be
// decoded. A failure is not the request's: storeDelete has reported it to
// OnEvent, and the entry expires on its own.
func (s *SessionManager) deleteUndecodable(ctx context.Context, key string) {
	_ = s.storeDelete(ctx, key)
}

// decodeOrReport decodes b, stored under token; when it cannot, it reports
// [EventUndecodable] and returns ok false.
func (s *SessionManager) decodeOrReport(ctx context.Context, key string, b []byte) (deadline time.Time, values map[string]interface{}, ok bool) {
	deadline, values, err := s.Codec.Decode(b)
	if err != nil {
		s.emit(ctx, EventUndecodable, key, fmt.Errorf("scs: decode session: %w", err))
		return time.Time{}, nil, false
	}
	return deadline, values, true
}
