package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// addUserSessionScript runs redislayout.AddUserSession.
var addUserSessionScript = redis.NewScript(1, redislayout.AddUserSession)

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
// cost in proportion to one user's sessions.
func (r *RedisStore) AddUserSession(ctx context.Context, userID, token string, expiry time.Time) error {
	conn, err := r.conn(ctx)
	if err != nil {
		return fmt.Errorf("redisstore: add user session: %w", err)
	}
	defer conn.Close()
	_, err = addUserSessionScript.DoContext(ctx, conn, r.userKey(userID), expiry.UnixMilli(), token, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("redisstore: add user session: %w", err)
	}
	return nil
}

// RemoveUserSessions removes tokens from userID's sorted set with one ZREM.
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
	if _, err := redis.DoContext(conn, ctx, "ZREM", args...); err != nil {
		return fmt.Errorf("redisstore: remove user sessions: %w", err)
	}
	return nil
}

// UserSessions returns the tokens in userID's sorted set that have not
// expired, after dropping those that have: ZREMRANGEBYSCORE and ZRANGE in
// one MULTI/EXEC transaction, one round trip.
func (r *RedisStore) UserSessions(ctx context.Context, userID string) ([]string, error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	defer conn.Close()
	key := r.userKey(userID)
	for _, cmd := range [][]any{{"MULTI"}, {"ZREMRANGEBYSCORE", key, "-inf", time.Now().UnixMilli()}, {"ZRANGE", key, 0, -1}} {
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
	tokens, err := redis.Strings(replies[1], nil)
	if err != nil {
		return nil, fmt.Errorf("redisstore: user sessions: %w", err)
	}
	return tokens, nil
}
