// Package redisstore is an scs session store over Redis, through the redigo
// client (github.com/gomodule/redigo).
//
// Each session is one Redis string at prefix+token holding the encoded
// session, with the session's expiry as the key's own expiry (millisecond
// precision), so Redis removes expired sessions by itself and the store runs
// no cleanup goroutine. The layout is SCS v2's redisstore's.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// DefaultPrefix is the key prefix New uses, as in SCS v2.
const DefaultPrefix = "scs:session:"

// scanCount is the COUNT hint given to each SCAN of All; each batch of keys
// found is read with one MGET.
const scanCount = 1000

// compareAndSwapScript runs redislayout.CompareAndSwap (see CompareAndSwap).
var compareAndSwapScript = redis.NewScript(1, redislayout.CompareAndSwap)

// RedisStore is an scs session store over a redigo connection pool. It is
// safe for concurrent use. The zero value is not usable; create one with New
// or NewWithPrefix.
type RedisStore struct {
	pool   *redis.Pool
	prefix string
}

// New returns a store that keeps sessions in the Redis server behind pool,
// under keys "scs:session:<token>".
func New(pool *redis.Pool) *RedisStore {
	return NewWithPrefix(pool, DefaultPrefix)
}

// NewWithPrefix returns a store that keeps sessions under keys
// prefix+token, so that several session managers can share one Redis
// database. The prefix is used as given; All lists the keys that start with
// it, so no prefix should start with another one in use.
func NewWithPrefix(pool *redis.Pool, prefix string) *RedisStore {
	return &RedisStore{pool: pool, prefix: prefix}
}

// Find returns the data of the session token. found is false when there is
// no such session or it has expired.
func (r *RedisStore) Find(token string) (b []byte, found bool, err error) {
	return r.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context, which bounds both getting a connection
// from the pool and the command.
func (r *RedisStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: find: %w", err)
	}
	defer conn.Close()
	b, err = redis.Bytes(run(ctx, conn, "GET", r.prefix+token))
	if errors.Is(err, redis.ErrNil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: find: %w", err)
	}
	return b, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval). GET and PTTL go in one
// MULTI/EXEC transaction, sent in one round trip, and the expiry is the time
// the transaction was sent plus the key's remaining time to live: the
// committed expiry to within a millisecond or so (PTTL's precision plus the
// network delay). A key with no time to live, which this store never
// writes, is returned with a zero expiry, which the session manager takes
// as "refresh now".
func (r *RedisStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("redisstore: find expiry: %w", err)
	}
	defer conn.Close()
	key := r.prefix + token
	for _, cmd := range [][]any{{"MULTI"}, {"GET", key}, {"PTTL", key}} {
		if err := conn.Send(cmd[0].(string), cmd[1:]...); err != nil {
			return nil, time.Time{}, false, fmt.Errorf("redisstore: find expiry: %w", err)
		}
	}
	sent := time.Now()
	replies, err := redis.Values(run(ctx, conn, "EXEC"))
	if err == nil && len(replies) != 2 {
		err = fmt.Errorf("%d replies to GET and PTTL", len(replies))
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("redisstore: find expiry: %w", err)
	}
	b, err = redis.Bytes(replies[0], nil)
	if errors.Is(err, redis.ErrNil) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("redisstore: find expiry: %w", err)
	}
	ttl, err := redis.Int64(replies[1], nil)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("redisstore: find expiry: %w", err)
	}
	switch {
	case ttl == -2: // the key expired between the two commands
		return nil, time.Time{}, false, nil
	case ttl >= 0:
		expiry = sent.Add(time.Duration(ttl) * time.Millisecond)
	}
	return b, expiry, true, nil
}

// Commit stores b as the data of the session token until expiry, replacing
// the data and expiry of an existing session. An expiry that has passed
// deletes the session.
func (r *RedisStore) Commit(token string, b []byte, expiry time.Time) error {
	return r.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context. The value and its expiry are set by
// one command, SET with PXAT and the expiry in Unix milliseconds (Redis 6.2
// and later). On an older server, which rejects PXAT as a syntax error, it
// falls back to SET then PEXPIREAT in one MULTI/EXEC transaction, as SCS v2
// does; both leave the same key, value and expiry.
func (r *RedisStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	conn, err := r.conn(ctx)
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	defer conn.Close()
	key := r.prefix + token
	ms := expiry.UnixMilli()
	if ms <= time.Now().UnixMilli() {
		if _, err := run(ctx, conn, "DEL", key); err != nil {
			return fmt.Errorf("redisstore: commit: %w", err)
		}
		return nil
	}
	_, err = run(ctx, conn, "SET", key, b, "PXAT", ms)
	if e, ok := err.(redis.Error); ok && strings.HasPrefix(string(e), "ERR syntax error") {
		err = commitTx(ctx, conn, key, b, ms)
	}
	if err != nil {
		return fmt.Errorf("redisstore: commit: %w", err)
	}
	return nil
}

// commitTx sets key to b with ms, Unix milliseconds, as its expiry in one
// MULTI/EXEC transaction, sent in one round trip: Commit on servers older
// than Redis 6.2, which have no SET ... PXAT.
func commitTx(ctx context.Context, conn redis.Conn, key string, b []byte, ms int64) error {
	for _, cmd := range [][]any{{"MULTI"}, {"SET", key, b}, {"PEXPIREAT", key, ms}} {
		if err := conn.Send(cmd[0].(string), cmd[1:]...); err != nil {
			return err
		}
	}
	// EXEC flushes the pipeline and returns the replies of the queued
	// commands; an error in one of them comes back as a redis.Error.
	replies, err := redis.Values(run(ctx, conn, "EXEC"))
	if err != nil {
		return err
	}
	for _, reply := range replies {
		if e, ok := reply.(redis.Error); ok {
			return e
		}
	}
	return nil
}

// CompareAndSwap stores b as the data of the session token until expiry, as
// Commit does, if and only if the session holds exactly old; it reports
// whether it did. A missing or expired session is not swapped, and a
// cancelled context gives an error and sends nothing. It makes the store an
// scs.UpdateStore (CompareAndSwap), so that SessionManager.MergeConcurrent is
// atomic. The comparison and the write are one Lua script, run atomically
// by Redis in one round trip (EVALSHA, falling back to EVAL the first time
// the server sees the script).
func (r *RedisStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return false, fmt.Errorf("redisstore: compare and swap: %w", err)
	}
	defer conn.Close()
	n, err := redis.Int(compareAndSwapScript.DoContext(ctx, conn, r.prefix+token, old, b, scriptExpiry(expiry)))
	if err != nil {
		return false, fmt.Errorf("redisstore: compare and swap: %w", err)
	}
	return n == 1, nil
}

// Update stores b as the data of the session token until expiry, as Commit
// does, if and only if the session exists (and so has not expired), and
// reports whether it did; it never creates the key. It is one command, SET
// with XX and PX (the time left until expiry, in milliseconds; Redis
// 2.6.12 or later), or, when expiry has passed, DEL, which ends the session
// as Commit does. A cancelled context gives an error and sends nothing. It
// makes the store an scs.UpdateStore, so that a session destroyed or
// renewed by one request is not written back by another.
func (r *RedisStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return false, fmt.Errorf("redisstore: update: %w", err)
	}
	defer conn.Close()
	key := r.prefix + token
	ttl := expiry.UnixMilli() - time.Now().UnixMilli()
	if ttl <= 0 {
		n, err := redis.Int(redis.DoContext(conn, ctx, "DEL", key))
		if err != nil {
			return false, fmt.Errorf("redisstore: update: %w", err)
		}
		return n == 1, nil
	}
	reply, err := redis.DoContext(conn, ctx, "SET", key, b, "PX", ttl, "XX")
	if err != nil {
		return false, fmt.Errorf("redisstore: update: %w", err)
	}
	return reply != nil, nil
}

// scriptExpiry is the expiry CompareAndSwap's script takes: Unix
// milliseconds, or 0 when expiry has passed.
func scriptExpiry(expiry time.Time) int64 {
	ms := expiry.UnixMilli()
	if ms <= time.Now().UnixMilli() {
		return 0
	}
	return ms
}

// Delete removes the session token. Deleting a missing session is not an
// error.
func (r *RedisStore) Delete(token string) error {
	return r.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (r *RedisStore) DeleteCtx(ctx context.Context, token string) error {
	conn, err := r.conn(ctx)
	if err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	defer conn.Close()
	if _, err := run(ctx, conn, "DEL", r.prefix+token); err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every live session, keyed by token.
func (r *RedisStore) All() (map[string][]byte, error) {
	return r.AllCtx(context.Background())
}

// AllCtx is All with a context. It walks the keyspace with SCAN (MATCH on the
// prefix, COUNT 1000), reading each batch of keys with one MGET, so it never
// blocks the server the way KEYS would. A session created or deleted while
// All runs may or may not be in the result.
func (r *RedisStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	conn, err := r.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("redisstore: all: %w", err)
	}
	defer conn.Close()
	pattern := escapeGlob(r.prefix) + "*"
	sessions := make(map[string][]byte)
	cursor := "0"
	for {
		reply, err := redis.Values(redis.DoContext(conn, ctx, "SCAN", cursor, "MATCH", pattern, "COUNT", scanCount))
		if err != nil {
			return nil, fmt.Errorf("redisstore: all: scan: %w", err)
		}
		var keys []string
		if _, err := redis.Scan(reply, &cursor, &keys); err != nil {
			return nil, fmt.Errorf("redisstore: all: scan: %w", err)
		}
		if len(keys) > 0 {
			args := make([]any, len(keys))
			for i, k := range keys {
				args[i] = k
			}
			values, err := redis.ByteSlices(redis.DoContext(conn, ctx, "MGET", args...))
			if err != nil {
				return nil, fmt.Errorf("redisstore: all: mget: %w", err)
			}
			for i, v := range values {
				// A nil value is a key that expired or was deleted
				// since SCAN saw it.
				if v != nil {
					sessions[strings.TrimPrefix(keys[i], r.prefix)] = v
				}
			}
		}
		if cursor == "0" {
			return sessions, nil
		}
	}
}

// conn returns a connection from the pool, or the context's error without
// touching the pool when ctx is already done.
func (r *RedisStore) conn(ctx context.Context) (redis.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.pool.GetContext(ctx)
}

// run runs one command on conn. A context that can never be done, such as
// context.Background(), takes the connection's plain Do: redigo's
// DoContext starts a goroutine and makes a channel for every command, to
// watch for a cancellation that cannot come. Any other context goes through
// DoContext, which ends the command when ctx is done.
func run(ctx context.Context, conn redis.Conn, cmd string, args ...any) (any, error) {
	if ctx.Done() == nil {
		return conn.Do(cmd, args...)
	}
	return redis.DoContext(conn, ctx, cmd, args...)
}

// escapeGlob escapes the characters that SCAN's MATCH pattern treats
// specially, so that a prefix matches only itself.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
