package goredisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// addUserSessionScript runs redislayout.AddUserSession.
var addUserSessionScript = redis.NewScript(redislayout.AddUserSession)

// removeUserSessionsScript runs redislayout.RemoveUserSessions.
var removeUserSessionsScript = redis.NewScript(redislayout.RemoveUserSessions)

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
// and the device calls cost in proportion to one user's sessions. The
// layout is redisstore's.
func (r *RedisStore) AddUserSession(ctx context.Context, userID string, entry scs.UserIndexEntry) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: add user session: %w", err)
	}
	if strings.IndexByte(entry.Token, 0) >= 0 {
		return fmt.Errorf("goredisstore: add user session: %w", errNULToken)
	}
	member := redislayout.UserMember(entry.Token, entry.Created, entry.LastActive, entry.Label)
	err := addUserSessionScript.Run(ctx, r.client, []string{r.userKey(userID)}, entry.Expiry.UnixMilli(), member, time.Now().UnixMilli(), entry.Token).Err()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("goredisstore: add user session: %w", err)
	}
	return nil
}

// RemoveUserSessions removes tokens from userID's sorted set, with their
// metadata, in one round trip (a Lua script on that one key).
func (r *RedisStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: remove user sessions: %w", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	args := make([]any, len(tokens))
	for i, t := range tokens {
		args[i] = t
	}
	err := removeUserSessionsScript.Run(ctx, r.client, []string{r.userKey(userID)}, args...).Err()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("goredisstore: remove user sessions: %w", err)
	}
	return nil
}

// UserSessions returns the entries of userID's sorted set that have not
// expired, after dropping those that have: ZREMRANGEBYSCORE and ZRANGE
// WITHSCORES in one MULTI/EXEC transaction, one round trip.
func (r *RedisStore) UserSessions(ctx context.Context, userID string) ([]scs.UserIndexEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("goredisstore: user sessions: %w", err)
	}
	key := r.userKey(userID)
	var zs *redis.ZSliceCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(time.Now().UnixMilli(), 10))
		zs = p.ZRangeWithScores(ctx, key, 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("goredisstore: user sessions: %w", err)
	}
	z := zs.Val()
	members := make([]string, len(z))
	scores := make([]float64, len(z))
	for i, m := range z {
		s, ok := m.Member.(string)
		if !ok {
			return nil, fmt.Errorf("goredisstore: user sessions: member of type %T", m.Member)
		}
		members[i], scores[i] = s, m.Score
	}
	entries := redislayout.UserEntries(members, scores)
	out := make([]scs.UserIndexEntry, len(entries))
	for i, e := range entries {
		out[i] = scs.UserIndexEntry{Token: e.Token, Expiry: e.Expiry, Created: e.Created, LastActive: e.LastActive, Label: e.Label}
	}
	return out, nil
}
