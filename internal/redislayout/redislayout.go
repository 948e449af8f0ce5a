// Package redislayout is what redisstore (redigo) and goredisstore
// (go-redis) share of their Redis layout: the Lua scripts they run and the
// key of the index of user sessions. Sessions written by one are read by
// the other, so these live in one place.
package redislayout

import "strings"

// CompareAndSwap is the Lua script of the stores' CompareAndSwap, which
// Redis runs atomically on one key: if KEYS[1] holds ARGV[1], it sets it
// to ARGV[2] with ARGV[3], Unix milliseconds, as its expiry (or deletes it
// when ARGV[3] is "0", an expiry that has passed, as Commit does) and
// returns 1; otherwise, missing key included, it returns 0.
const CompareAndSwap = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur ~= ARGV[1] then
	return 0
end
if ARGV[3] == '0' then
	redis.call('DEL', KEYS[1])
else
	redis.call('SET', KEYS[1], ARGV[2])
	redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return 1
`

// AddUserSession is the Lua script of the stores' AddUserSession, which
// Redis runs atomically on the user's sorted set KEYS[1]: it adds the
// token ARGV[2] with the score ARGV[1], its expiry in Unix milliseconds,
// drops the members whose expiry is ARGV[3] (now) or earlier, and makes the
// set expire with its last member, so that a user who never comes back
// leaves nothing behind.
const AddUserSession = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then
	return 0
end
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`

// UserKey returns the key of the sorted set that indexes userID's sessions
// for a store whose session keys start with prefix. It must not start with
// prefix itself (All, in the stores and in SCS v2, would read it as a
// session): with a prefix that ends in "session:", the prefix with "user:"
// in its place ("scs:user:<userID>" with the default prefix); with any
// other prefix, "scs:user:", the prefix and the ID.
func UserKey(prefix, userID string) string {
	if base, ok := strings.CutSuffix(prefix, "session:"); ok {
		return base + "user:" + userID
	}
	return "scs:user:" + prefix + userID
}
