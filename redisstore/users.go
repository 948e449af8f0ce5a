package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// addUserSessionScript runs redislayout.AddUserSession.
var addUserSessionScript = redis.NewScript(1, redislayout.AddUserSession)

// removeUserSessionsScript runs redislayout.RemoveUserSessions.
var removeUserSessionsScript = redis.NewScript(1, redislayout.RemoveUserSessions)

// errNULToken is AddUserSession's error for a store key that holds a NUL
// byte, which the index's members use as a separator.
var errNULToken = errors.New("the token holds a NUL byte")

// userKey returns the key of the sorted set that indexes userID's
// sessions (see redislayout.UserKey).
func (r *RedisStore) userKey(userID string) string {
	return redislayout.UserKey(r.prefix, userID)
}

// AddUserSession records entry in userID's index, the sorted set at
// "scs:user:<userID>" with the ID escaped (see the README and
// redislayout.UserKey), replacing the entry of entry.Token if there is one,
// in one round trip (a Lua script on that one key). The member holds the
// store key, the creation and last-active times in Unix milliseconds and
// the label (see redislayout.UserMember); its score is the expiry in Unix
// milliseconds. With RemoveUserSessions and UserSessions it makes the store
// an scs.UserIndexStore, so that SessionManager.UserSessions, DestroyUser
// and the device calls cost in proportion to one user's sessions.
func (r *RedisStore) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	if strings.IndexByte(entry.Token, 0) >= 0 {
		return fmt.Errorf("redisstore: add user session: %w", errNULToken)
	}
	conn, err := r.conn(ctx)
	if err != nil {
		return fmt.Errorf("redisstore: add user session: %w", err)
	}
	defer conn.Close()
	member := redislayout.UserMember(entry.Token, entry.Created, entry.LastActive, entry.Label)
	_, err = addUserSessionScript.DoContext(ctx, conn, r.userKey(userID), entry.Expiry.UnixMilli(), member, time.Now().UnixMilli(), entry.Token)
	if err != nil {
		return fmt.Errorf("redisstore: add user session: %w", err)
	}
	return nil
}

// RemoveUserSessions removes tokens from userID's sorted set, with their
// metadata, in one round trip (a Lua script on that one key).
func (r *RedisStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if len(tokens) == 0 {
		return ctx.Err()
	}
	conn, err := r.conn(ctx)
	if err != nil {
		return fmt.Errorf("redisstore: remove user sessions: %w", err)
	}
	defer conn.Close()
	args := make([]any, 0, 1+len(tokens))
	args = append(args, r.userKey(userID))
	for _, t := range tokens {
		args = append(args, t)
	}
	if _, err := removeUserSessionsScript.DoContext(ctx, conn, args...); err != nil {
		return fmt.Errorf("redisstore: remove user sessions: %w", err)
	}
	return nil
}

// UserSessions returns the entries of userID's sorted set that have not
// expired, after dropping those that have: ZREMRANGEBYSCORE and ZRANGE
// WITHSCORES in one MULTI/EXEC transaction, one round trip.
func (r *RedisStore) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	defer conn.Close()
	key := r.userKey(userID)
	for _, cmd := range [][]any{{"MULTI"}, {"ZREMRANGEBYSCORE", key, "-inf", time.Now().UnixMilli()}, {"ZRANGE", key, 0, -1, "WITHSCORES"}} {
		if err := conn.Send(cmd[0].(string), cmd[1:]...); err != nil {
			return nil, fmt.Errorf("redisstore: user sessions: %w", err)
		}
	}
	replies, err := redis.Values(redis.DoContext(conn, ctx, "EXEC"))
	if err == nil && len(replies) != 2 {
		err = fmt.Errorf("%d replies to ZREMRANGEBYSCORE and ZRANGE", len(replies))
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	pairs, err := redis.Strings(replies[1], nil)
	if err == nil && len(pairs)%2 != 0 {
		err = fmt.Errorf("ZRANGE WITHSCORES returned %d strings", len(pairs))
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	members := make([]string, len(pairs)/2)
	scores := make([]float64, len(pairs)/2)
	for i := range members {
		members[i] = pairs[2*i]
		if scores[i], err = strconv.ParseFloat(pairs[2*i+1], 64); err != nil {
			return nil, fmt.Errorf("redisstore: user sessions: score %q: %w", pairs[2*i+1], err)
		}
	}
	return userIndexEntries(redislayout.UserEntries(members, scores)), nil
}

// userIndexEntries converts the layout's entries to the core's.
func userIndexEntries(es []redislayout.UserEntry) []scs.UserIndexEntry {
	out := make([]scs.UserIndexEntry, len(es))
	for i, e := range es {
		out[i] = scs.UserIndexEntry{Token: e.Token, Expiry: e.Expiry, Created: e.Created, LastActive: e.LastActive, Label: e.Label}
	}
	return out
}
