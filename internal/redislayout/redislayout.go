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
// for a store whose session keys start with prefix:
//
//   - with a prefix that ends in "session:", the prefix with "user:" in
//     place of "session:", then the escaped user ID: "scs:user:alice" with
//     the default prefix "scs:session:";
//   - with any other prefix, "scs:user:[", the escaped prefix, "]:", then
//     the escaped user ID: "scs:user:[app1%3A]:alice" for the prefix
//     "app1:".
//
// Escaping (see Escape) keeps ASCII letters, digits and "-._~@+=" and
// writes every other byte as %XX, so an escaped part holds no ':', '{',
// '}' nor glob character. The key is therefore unambiguous: its last ':'
// ends the part that depends only on the prefix (which ends in "user:" in
// the first form, in "]:" in the second, and determines the prefix), and
// what follows is the user ID, escaped. Two stores with different prefixes
// on one Redis never share an index key, whatever their user IDs.
//
// The key does not start with prefix (All, in SCS v2's stores, would read
// it as a session) unless prefix is empty or a prefix of "scs:user:". The
// user ID's part holds no hash tag, so on Redis Cluster the key's slot
// depends on the whole key, or on a hash tag in the first form's prefix.
func UserKey(prefix, userID string) string {
	if base, ok := strings.CutSuffix(prefix, "session:"); ok {
		return base + "user:" + Escape(userID)
	}
	return "scs:user:[" + Escape(prefix) + "]:" + Escape(userID)
}

// Escape returns s with every byte other than an ASCII letter, a digit or
// one of "-._~@+=" written as '%' and two upper-case hex digits. Distinct
// strings give distinct results, and a result never holds ':'.
func Escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !plain(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plain(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// plain reports whether Escape keeps c as it is.
func plain(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~@+=", c) >= 0
}
