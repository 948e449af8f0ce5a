// Package redislayout is what redisstore (redigo) and goredisstore
// (go-redis) share of their Redis layout: the Lua scripts they run and the
// key of the index of user sessions. Sessions written by one are read by
// the other, so these live in one place.
package redislayout

import (
	"math"
	"strconv"
	"strings"
	"time"
)

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

// The index of a user's sessions is one sorted set per user (see UserKey)
// whose scores are the sessions' expiries in Unix milliseconds and whose
// members are UserMember strings: the session's store key, then, each
// after a NUL byte, the time the session got its user and the time of its
// last save, both in Unix milliseconds ("" for the zero time), and its
// label, as given, to the end. A store key never holds a NUL (tokens are
// printable ASCII, or their SHA-256 in base64url), so the member's first
// NUL ends the store key and the third starts the label, which may hold
// any bytes, NULs included. A member without a NUL, as the first layout
// wrote, is a bare store key: zero times, no label.
//
// Every operation is on the one key, so it runs on Redis Cluster whatever
// the slots of the sessions' keys.

// AddUserSession is the Lua script of the stores' AddUserSession, which
// Redis runs atomically on the user's sorted set KEYS[1]: it drops the
// members whose expiry is ARGV[3] (now, Unix milliseconds) or earlier and
// those of the store key ARGV[4] (bare or with metadata), adds the member
// ARGV[2] (a UserMember of ARGV[4]) with the score ARGV[1], its expiry in
// Unix milliseconds, drops it again if that expiry is not after now, and
// makes the set expire with its last member, so that a user who never
// comes back leaves nothing behind. It reads all of the user's members,
// who has few.
const AddUserSession = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local tok = ARGV[4]
local pre = tok .. '\0'
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
	if m == tok or string.sub(m, 1, #pre) == pre then
		redis.call('ZREM', KEYS[1], m)
	end
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then
	return 0
end
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`

// RemoveUserSessions is the Lua script of the stores' RemoveUserSessions,
// which Redis runs atomically on the user's sorted set KEYS[1]: it removes
// the members whose store key is one of ARGV, bare or with metadata, and
// returns how many it removed.
const RemoveUserSessions = `
local drop = {}
for i = 1, #ARGV do
	drop[ARGV[i]] = true
end
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
	local tok = m
	local i = string.find(m, '\0', 1, true)
	if i then
		tok = string.sub(m, 1, i - 1)
	end
	if drop[tok] then
		redis.call('ZREM', KEYS[1], m)
		n = n + 1
	end
end
return n
`

// UserMember returns the member of the index of a user's sessions that
// records the session of the store key token (which must not hold a NUL),
// created and last active at the given times (to the millisecond), with
// label.
func UserMember(token string, created, lastActive time.Time, label string) string {
	var b strings.Builder
	b.Grow(len(token) + len(label) + 3 + 2*14)
	b.WriteString(token)
	b.WriteByte(0)
	writeMillis(&b, created)
	b.WriteByte(0)
	writeMillis(&b, lastActive)
	b.WriteByte(0)
	b.WriteString(label)
	return b.String()
}

func writeMillis(b *strings.Builder, t time.Time) {
	if !t.IsZero() {
		b.WriteString(strconv.FormatInt(t.UnixMilli(), 10))
	}
}

// ParseUserMember is the inverse of UserMember. It also reads a bare store
// key (a member without a NUL) as the store key with zero times and no
// label. ok is false for a member that is neither.
func ParseUserMember(m string) (token string, created, lastActive time.Time, label string, ok bool) {
	token, rest, found := strings.Cut(m, "\x00")
	if !found {
		return m, time.Time{}, time.Time{}, "", true
	}
	c, rest, found1 := strings.Cut(rest, "\x00")
	a, label, found2 := strings.Cut(rest, "\x00")
	if !found1 || !found2 {
		return "", time.Time{}, time.Time{}, "", false
	}
	if created, ok = parseMillis(c); !ok {
		return "", time.Time{}, time.Time{}, "", false
	}
	if lastActive, ok = parseMillis(a); !ok {
		return "", time.Time{}, time.Time{}, "", false
	}
	return token, created, lastActive, label, true
}

func parseMillis(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// UserEntry is one session of a user's index, as UserEntries reads it.
type UserEntry struct {
	Token                       string
	Expiry, Created, LastActive time.Time
	Label                       string
}

// UserEntries reads the members of a user's index and their scores, in
// pairs, as ZRANGE WITHSCORES returns them. A store key found in more than
// one member (a process of the first layout added it bare beside a member
// of this one) gives one entry, that of the later expiry, or the one with
// metadata at equal expiries. A member that UserMember did not write is
// read as the store key before its first NUL, with zero times and no label.
func UserEntries(members []string, scores []float64) []UserEntry {
	entries := make([]UserEntry, 0, len(members))
	at := make(map[string]int, len(members))
	for i, m := range members {
		var e UserEntry
		var ok bool
		e.Token, e.Created, e.LastActive, e.Label, ok = ParseUserMember(m)
		if !ok {
			e = UserEntry{Token: m[:strings.IndexByte(m, 0)]}
		}
		e.Expiry = ExpiryMillis(scores[i])
		j, seen := at[e.Token]
		if !seen {
			at[e.Token] = len(entries)
			entries = append(entries, e)
			continue
		}
		if p := entries[j]; e.Expiry.After(p.Expiry) || e.Expiry.Equal(p.Expiry) && p.LastActive.IsZero() && p.Created.IsZero() {
			entries[j] = e
		}
	}
	return entries
}

// ExpiryMillis returns the time of a score of the index, an expiry in Unix
// milliseconds.
func ExpiryMillis(score float64) time.Time {
	return time.UnixMilli(int64(math.Round(score)))
}

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
