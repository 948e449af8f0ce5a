// Package goredisstore is an scs session store over Redis, through the
// go-redis client (github.com/redis/go-redis/v9): a single server, a
// Sentinel-managed one, a Cluster or a Ring.
//
// Each session is one Redis string at prefix+token holding the encoded
// session, with the session's expiry as the key's own expiry (millisecond
// precision), so Redis removes expired sessions by itself and the store runs
// no cleanup goroutine. The layout is SCS v2's goredisstore's and
// redisstore's, so the two stores read each other's sessions.
package goredisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs/internal/redislayout"
)

// DefaultPrefix is the key prefix New and NewUniversal use, as in SCS v2.
const DefaultPrefix = "scs:session:"

// scanCount is the COUNT hint given to each SCAN of All; each batch of keys
// found is read in one round trip.
const scanCount = 1000

// compareAndSwapScript runs redislayout.CompareAndSwap (see CompareAndSwap).
var compareAndSwapScript = redis.NewScript(redislayout.CompareAndSwap)

// RedisStore is an scs session store over a go-redis client. It is safe for
// concurrent use. The zero value is not usable; create one with New,
// NewWithPrefix, NewUniversal or NewUniversalWithPrefix.
type RedisStore struct {
	client redis.UniversalClient
	prefix string

	// With WithReplicaWait: WAIT for waitReplicas replicas, for at most
	// waitTimeout, after each session write; 0 replicas: no WAIT.
	waitReplicas int
	waitTimeout  time.Duration
}

// DefaultReplicaWaitTimeout is the WAIT timeout WithReplicaWait uses when
// it is given none.
const DefaultReplicaWaitTimeout = 100 * time.Millisecond

// ErrNotReplicated is the error, wrapped, of a session write that the
// master applied but that fewer replicas than WithReplicaWait asks for
// acknowledged within its timeout. The write stays on the master (Redis
// cannot undo it) and may reach the replicas later, or be lost if the
// master fails first; the request that made it gets an error, so its
// client is never told that it was saved.
var ErrNotReplicated = errors.New("goredisstore: write not acknowledged by enough replicas")

// WithReplicaWait returns a store on the same client and prefix that, after
// each write of a session (Commit, Update, CompareAndSwap, Delete), sends
// WAIT replicas timeout on the connection that made the write, and fails
// the write with ErrNotReplicated when fewer than replicas replicas
// acknowledged it within timeout. A save the session manager acknowledges
// is then on a replica too, so a failover that promotes that replica keeps
// it. Redis replication stays asynchronous: WAIT narrows the window, it does
// not make a failover lossless (a replica that acknowledged may still not
// be the one promoted). It costs a round trip to the replicas per write, and
// writes to a master with fewer live replicas than replicas fail after
// timeout each, until enough replicas are back.
//
// The write and WAIT go on one connection to the key's master: through the
// client's Watch (WATCH key, the write, WAIT, UNWATCH), which on a Cluster
// follows the key's slot to its master. The user index (SetUser,
// DestroyUser) is not waited for. replicas 0 or less turns WAIT off (the
// store behaves as one from New); a timeout of 0 or less means
// DefaultReplicaWaitTimeout, and one under a millisecond a millisecond
// (WAIT's own 0, wait for ever, is never sent).
func (r *RedisStore) WithReplicaWait(replicas int, timeout time.Duration) *RedisStore {
	switch {
	case timeout <= 0:
		timeout = DefaultReplicaWaitTimeout
	case timeout < time.Millisecond: // WAIT counts in milliseconds
		timeout = time.Millisecond
	}
	if replicas < 0 {
		replicas = 0
	}
	return &RedisStore{client: r.client, prefix: r.prefix, waitReplicas: replicas, waitTimeout: timeout}
}

// writer is what a session write is sent through: the store's client, or
// the transaction of WithReplicaWait's connection.
type writer interface {
	redis.Cmdable
	Process(ctx context.Context, cmd redis.Cmder) error
}

// waited runs send, the commands of one session write to key, on one
// connection to the key's master, and then WAIT there (WithReplicaWait).
func (r *RedisStore) waited(ctx context.Context, key string, send func(c writer) error) error {
	return r.client.Watch(ctx, func(tx *redis.Tx) error {
		if err := send(tx); err != nil {
			return err
		}
		n, err := tx.Wait(ctx, r.waitReplicas, r.waitTimeout).Result()
		if err != nil {
			return err
		}
		if n < int64(r.waitReplicas) {
			return fmt.Errorf("%w: %d of %d replicas within %v", ErrNotReplicated, n, r.waitReplicas, r.waitTimeout)
		}
		return nil
	}, key)
}

// The commands of each session write, sent through c. The methods send
// them through the client, or through waited with WithReplicaWait.

func commitOn(ctx context.Context, c writer, key string, b []byte, expiry time.Time) error {
	err := c.Process(ctx, redis.NewCmd(ctx, "SET", key, b, "PXAT", expiry.UnixMilli()))
	var rerr redis.Error
	if errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "ERR syntax error") {
		_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, 0)
			p.PExpireAt(ctx, key, expiry)
			return nil
		})
	}
	return err
}

func delOn(ctx context.Context, c writer, key string) (int64, error) {
	return c.Del(ctx, key).Result()
}

func updateOn(ctx context.Context, c writer, key string, b []byte, ttl time.Duration) (bool, error) {
	return c.SetXX(ctx, key, b, ttl).Result()
}

func compareAndSwapOn(ctx context.Context, c writer, key string, old, b []byte, ms int64) (int, error) {
	return compareAndSwapScript.Run(ctx, c, []string{key}, old, b, ms).Int()
}

// New returns a store that keeps sessions in the Redis server behind client,
// under keys "scs:session:<token>".
func New(client *redis.Client) *RedisStore {
	return NewUniversalWithPrefix(client, DefaultPrefix)
}

// NewWithPrefix returns a store that keeps sessions under keys
// prefix+token, so that several session managers can share one Redis
// database. The prefix is used as given; All lists the keys that start with
// it, so no prefix should start with another one in use.
func NewWithPrefix(client *redis.Client, prefix string) *RedisStore {
	return NewUniversalWithPrefix(client, prefix)
}

// NewUniversal is New for any go-redis client: a *redis.Client (also the
// Sentinel failover client from redis.NewFailoverClient), a
// *redis.ClusterClient, a *redis.Ring, or whatever redis.NewUniversalClient
// returns.
func NewUniversal(client redis.UniversalClient) *RedisStore {
	return NewUniversalWithPrefix(client, DefaultPrefix)
}

// NewUniversalWithPrefix is NewWithPrefix for any go-redis client, as
// NewUniversal.
func NewUniversalWithPrefix(client redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{client: client, prefix: prefix}
}

// Find returns the data of the session token. found is false when there is
// no such session or it has expired.
func (r *RedisStore) Find(token string) (b []byte, found bool, err error) {
	return r.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (r *RedisStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("goredisstore: find: %w", err)
	}
	b, err = r.client.Get(ctx, r.prefix+token).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("goredisstore: find: %w", err)
	}
	return b, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval). GET and PEXPIRETIME (Redis
// 7.0 and later) go in one MULTI/EXEC transaction, sent in one round trip,
// and the expiry is the key's own, to the millisecond. On an older server,
// which rejects PEXPIRETIME, it sends PTTL instead, and the expiry is the
// time the transaction was sent plus the key's remaining time to live: the
// committed expiry to within a millisecond or so plus the network delay. A
// key with no time to live, which this store never writes, is returned with
// a zero expiry, which the session manager takes as "refresh now".
func (r *RedisStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("goredisstore: find expiry: %w", err)
	}
	b, expiry, found, err = r.findExpiry(ctx, r.prefix+token, true)
	var rerr redis.Error
	if errors.As(err, &rerr) && (strings.Contains(rerr.Error(), "unknown command") || strings.HasPrefix(rerr.Error(), "EXECABORT")) {
		b, expiry, found, err = r.findExpiry(ctx, r.prefix+token, false)
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("goredisstore: find expiry: %w", err)
	}
	return b, expiry, found, nil
}

// findExpiry reads key and its expiry in one transaction, with PEXPIRETIME
// if absolute, else with PTTL.
func (r *RedisStore) findExpiry(ctx context.Context, key string, absolute bool) (b []byte, expiry time.Time, found bool, err error) {
	var (
		get *redis.StringCmd
		ttl *redis.DurationCmd
	)
	sent := time.Now()
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		if absolute {
			ttl = p.PExpireTime(ctx, key)
		} else {
			ttl = p.PTTL(ctx, key)
		}
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	b, err = get.Bytes()
	if err != nil {
		return nil, time.Time{}, false, err
	}
	// go-redis gives the replies -2 (no key) and -1 (no time to live) as
	// those many nanoseconds, and any other reply in milliseconds.
	switch d := ttl.Val(); {
	case d == -2: // the key expired between the two commands
		return nil, time.Time{}, false, nil
	case d >= 0 && absolute:
		expiry = time.UnixMilli(d.Milliseconds())
	case d >= 0:
		expiry = sent.Add(d)
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
// one command, SET with the expiry as PXAT in Unix milliseconds (Redis 6.2
// and later), sent as a raw command: go-redis's SetArgs sends EXAT in whole seconds
// before v9.17.0, and this module's floor is v9.6.3. On an older server, which rejects it as a syntax
// error, it falls back to SET then PEXPIREAT in one MULTI/EXEC transaction,
// as SCS v2 does; both leave the same key, value and expiry.
func (r *RedisStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: commit: %w", err)
	}
	key := r.prefix + token
	expired := expiry.UnixMilli() <= time.Now().UnixMilli()
	var err error
	switch {
	case expired && r.waitReplicas > 0:
		err = r.waited(ctx, key, func(c writer) error { _, err := delOn(ctx, c, key); return err })
	case expired:
		_, err = delOn(ctx, r.client, key)
	case r.waitReplicas > 0:
		err = r.waited(ctx, key, func(c writer) error { return commitOn(ctx, c, key, b, expiry) })
	default:
		err = commitOn(ctx, r.client, key, b, expiry)
	}
	if err != nil {
		return fmt.Errorf("goredisstore: commit: %w", err)
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
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("goredisstore: compare and swap: %w", err)
	}
	ms := expiry.UnixMilli()
	if ms <= time.Now().UnixMilli() {
		ms = 0
	}
	key := r.prefix + token
	if r.waitReplicas > 0 {
		var n int
		err = r.waited(ctx, key, func(c writer) (err error) { n, err = compareAndSwapOn(ctx, c, key, old, b, ms); return err })
		swapped = n == 1
	} else {
		var n int
		n, err = compareAndSwapOn(ctx, r.client, key, old, b, ms)
		swapped = n == 1
	}
	if err != nil {
		return false, fmt.Errorf("goredisstore: compare and swap: %w", err)
	}
	return swapped, nil
}

// Update stores b as the data of the session token until expiry, as Commit
// does, if and only if the session exists (and so has not expired), and
// reports whether it did; it never creates the key. It is one command, SET
// with XX and PX (the time left until expiry; Redis 2.6.12 or later), or,
// when expiry has passed, DEL, which ends the session as Commit does. A
// cancelled context gives an error and sends nothing. It makes the store an
// scs.UpdateStore, so that a session destroyed or renewed by one request is
// not written back by another.
func (r *RedisStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("goredisstore: update: %w", err)
	}
	key := r.prefix + token
	ttl := time.Until(expiry).Truncate(time.Millisecond)
	switch {
	case ttl <= 0 && r.waitReplicas > 0:
		var n int64
		err = r.waited(ctx, key, func(c writer) (err error) { n, err = delOn(ctx, c, key); return err })
		found = n == 1
	case ttl <= 0:
		var n int64
		n, err = delOn(ctx, r.client, key)
		found = n == 1
	case r.waitReplicas > 0:
		var ok bool
		err = r.waited(ctx, key, func(c writer) (err error) { ok, err = updateOn(ctx, c, key, b, ttl); return err })
		found = ok
	default:
		found, err = updateOn(ctx, r.client, key, b, ttl)
	}
	if err != nil {
		return false, fmt.Errorf("goredisstore: update: %w", err)
	}
	return found, nil
}

// Delete removes the session token. Deleting a missing session is not an
// error.
func (r *RedisStore) Delete(token string) error {
	return r.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (r *RedisStore) DeleteCtx(ctx context.Context, token string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("goredisstore: delete: %w", err)
	}
	key := r.prefix + token
	var err error
	if r.waitReplicas > 0 {
		err = r.waited(ctx, key, func(c writer) error { _, err := delOn(ctx, c, key); return err })
	} else {
		_, err = delOn(ctx, r.client, key)
	}
	if err != nil {
		return fmt.Errorf("goredisstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every live session, keyed by token.
func (r *RedisStore) All() (map[string][]byte, error) {
	return r.AllCtx(context.Background())
}

// AllCtx is All with a context. It walks the keyspace with SCAN (MATCH on the
// prefix, COUNT 1000), reading each batch of keys in one round trip, so it
// never blocks a server the way KEYS would. On a Cluster it scans every
// master, on a Ring every shard. A session created or deleted while All runs
// may or may not be in the result.
func (r *RedisStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("goredisstore: all: %w", err)
	}
	var (
		mu       sync.Mutex // guards sessions: masters are scanned concurrently
		sessions = make(map[string][]byte)
		err      error
	)
	add := func(keys []string, values [][]byte) {
		mu.Lock()
		defer mu.Unlock()
		for i, v := range values {
			// A nil value is a key that expired or was deleted since
			// SCAN saw it.
			if v != nil {
				sessions[strings.TrimPrefix(keys[i], r.prefix)] = v
			}
		}
	}
	switch c := r.client.(type) {
	case *redis.ClusterClient:
		// A node refuses an MGET whose keys are in different hash slots,
		// so each batch is read with pipelined GETs through the cluster
		// client, which also follows slots that move meanwhile.
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return r.scan(ctx, node, func(keys []string) error {
				values, err := getPipelined(ctx, c, keys)
				if err == nil {
					add(keys, values)
				}
				return err
			})
		})
	case *redis.Ring:
		err = c.ForEachShard(ctx, func(ctx context.Context, shard *redis.Client) error {
			return r.scan(ctx, shard, func(keys []string) error {
				values, err := mget(ctx, shard, keys)
				if err == nil {
					add(keys, values)
				}
				return err
			})
		})
	default:
		err = r.scan(ctx, c, func(keys []string) error {
			values, err := mget(ctx, c, keys)
			if err == nil {
				add(keys, values)
			}
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("goredisstore: all: %w", err)
	}
	return sessions, nil
}

// scan calls fetch with each non-empty batch of keys under the prefix that
// SCAN finds on one server.
func (r *RedisStore) scan(ctx context.Context, c redis.Cmdable, fetch func(keys []string) error) error {
	pattern := escapeGlob(r.prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		if len(keys) > 0 {
			if err := fetch(keys); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// mget reads keys with one MGET; a missing key gives a nil value.
func mget(ctx context.Context, c redis.Cmdable, keys []string) ([][]byte, error) {
	vals, err := c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("mget: %w", err)
	}
	values := make([][]byte, len(vals))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			values[i] = []byte(s)
		}
	}
	return values, nil
}

// getPipelined reads keys with one pipelined GET each; a missing key gives a
// nil value.
func getPipelined(ctx context.Context, c redis.Cmdable, keys []string) ([][]byte, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("get: %w", err)
	}
	values := make([][]byte, len(keys))
	for i, cmd := range cmds {
		b, err := cmd.Bytes()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, fmt.Errorf("get: %w", err)
		default:
			values[i] = b
		}
	}
	return values, nil
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
