package redisstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

// addUserSessionSrc is AddUserSession's Lua script, which Redis runs
// atomically on the user's sorted set KEYS[1]: it adds the token ARGV[2]
// with the score ARGV[1], its expiry in Unix milliseconds, drops the
// members whose expiry is ARGV[3] (now) or earlier, and makes the set
// expire with its last member, so that a user who never comes back leaves
// nothing behind.
const addUserSessionSrc = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then
	return 0
end
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`

// addUserSessionScript runs addUserSessionSrc on one key.
var addUserSessionScript = redis.NewScript(1, addUserSessionSrc)

// userKey returns the key of the sorted set that indexes userID's
// sessions, which must not start with the sessions' prefix (All, here and
// in SCS v2, would read it as a session): with a prefix that ends in
// "session:", the prefix with "user:" in its place ("scs:user:<userID>"
// with the default prefix); with any other prefix, "scs:user:", the prefix
// and the ID.
func (r *RedisStore) userKey(userID string) string {
	if base, ok := strings.CutSuffix(r.prefix, "session:"); ok {
		return base + "user:" + userID
	}
	return "scs:user:" + r.prefix + userID
}

// AddUserSession records that the session token belongs to userID until
// expiry, in the sorted set at "scs:user:<userID>" (see the README), with
// the expiry in Unix milliseconds as the token's score, in one round trip.
// With RemoveUserSessions and UserSessions it makes the store an
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
