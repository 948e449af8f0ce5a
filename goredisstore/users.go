package goredisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// addUserSessionScript runs redislayout.AddUserSession.
var addUserSessionScript = redis.NewScript(redislayout.AddUserSession)

// userKey returns the key of the sorted set that indexes userID's
// sessions (see redislayout.UserKey).
func (r *RedisStore) userKey(userID string) string {
	return redislayout.UserKey(r.prefix, userID)
}

// AddUserSession records that the session token belongs to userID until
// expiry, in the sorted set at "scs:user:<userID>" with the ID escaped
// (see the README and redislayout.UserKey), with the expiry in Unix
// milliseconds as the token's score, in one round trip. With
// RemoveUserSessions and UserSessions it makes the store an
// scs.UserIndexStore, so that SessionManager.UserSessions and DestroyUser
// cost in proportion to one user's sessions. The layout is redisstore's.
func (r *RedisStore) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: add user session: %w", err)
	}
	err := addUserSessionScript.Run(ctx, r.client, []string{r.userKey(userID)}, expiry.UnixMilli(), token, time.Now().UnixMilli()).Err()
	if err != nil && err != redis.Nil {
		return fmt.Errorf("goredisstore: add user session: %w", err)
	}
	return nil
}

// RemoveUserSessions removes tokens from userID's sorted set with one ZREM.
func (r *RedisStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: remove user sessions: %w", err)
	}
	if len(tokens) == 0 {
		return nil
	}
	members := make([]any, len(tokens))
	for i, t := range tokens {
		members[i] = t
	}
	if err := r.client.ZRem(ctx, r.userKey(userID), members...).Err(); err != nil {
		return fmt.Errorf("goredisstore: remove user sessions: %w", err)
	}
	return nil
}

// UserSessions returns the tokens in userID's sorted set that have not
// expired, after dropping those that have: ZREMRANGEBYSCORE and ZRANGE in
// one MULTI/EXEC transaction, one round trip.
func (r *RedisStore) UserSessions(ctx context.Context, userID string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("goredisstore: user sessions: %w", err)
	}
	key := r.userKey(userID)
	var members *redis.StringSliceCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(time.Now().UnixMilli(), 10))
		members = p.ZRange(ctx, key, 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("goredisstore: user sessions: %w", err)
	}
	return members.Val(), nil
}
