// Package etcdstore is an scs session store over etcd, through the v3 client
// (go.etcd.io/etcd/client/v3).
//
// Each session is one key, prefix+token, whose value is the encoded session
// and which is attached to a lease that ends at the session's expiry, so etcd
// deletes expired sessions by itself and the store runs no cleanup goroutine.
// The layout is SCS v2's etcdstore's.
//
// Lease TTLs are whole seconds, and etcd raises short ones to its minimum
// (2s with the default heartbeat and election timeout), so a session may be
// found for up to about two seconds after its expiry, more when committed
// less than that minimum before it.
package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seed3bbca6c1/scs"
)

// DefaultPrefix is the key prefix New uses, as in SCS v2.
const DefaultPrefix = "scs:session:"

// defaultPageSize is how many keys each range read of All returns.
const defaultPageSize = 1000

// EtcdStore is an scs session store over an etcd client. It is safe for
// concurrent use. The zero value is not usable; create one with New or
// NewWithPrefix.
//
// Sessions whose expiries fall in the same second share one lease, which
// ends at the first whole second at or after their expiry (see Commit); the
// store remembers those leases in memory.
type EtcdStore struct {
	// MaxRequestBytes is the largest request the etcd server accepts: its
	// --max-request-bytes. Session data may take it less 1 KiB (for the
	// key and the request's framing); Commit and CompareAndSwap refuse
	// larger data before writing, with an error wrapping
	// scs.ErrPayloadTooLarge, so the stored session stays as it was.
	// CompareAndSwap sends the old data too, so with MergeConcurrent the
	// old and new data together must fit. Zero means 1.5 MiB, etcd's
	// default; if you raised --max-request-bytes (and the client's
	// MaxCallSendMsgSize, 2 MiB by default), set the same here, before
	// the store's first use. A negative value turns the check off.
	MaxRequestBytes int

	client   *clientv3.Client
	prefix   string
	pageSize int64

	mu       sync.Mutex                 // guards the fields below
	leases   map[int64]clientv3.LeaseID // expiry second (Unix, rounded up) → lease ending then
	prunedAt int64                      // Unix second leases was last pruned of past seconds
}

// New returns a store that keeps sessions in etcd under keys
// "scs:session:<token>".
func New(client *clientv3.Client) *EtcdStore {
	return NewWithPrefix(client, DefaultPrefix)
}

// NewWithPrefix returns a store that keeps sessions under keys
// prefix+token, so that several session managers can share one etcd cluster.
// The prefix is used as given; All lists the keys that start with it, so no
// prefix should start with another one in use.
func NewWithPrefix(client *clientv3.Client, prefix string) *EtcdStore {
	return &EtcdStore{
		client:   client,
		prefix:   prefix,
		pageSize: defaultPageSize,
		leases:   make(map[int64]clientv3.LeaseID),
	}
}

// Find returns the data of the session token. found is false when there is
// no such session or its lease has ended.
func (e *EtcdStore) Find(token string) (b []byte, found bool, err error) {
	return e.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (e *EtcdStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("etcdstore: find: %w", err)
	}
	res, err := e.client.Get(ctx, e.prefix+token)
	if err != nil {
		return nil, false, fmt.Errorf("etcdstore: find: %w", err)
	}
	if len(res.Kvs) == 0 {
		return nil, false, nil
	}
	return res.Kvs[0].Value, true, nil
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval). A lease this store granted
// costs no more than Find; another one (granted by another process, or
// before a restart) costs one more round trip, to ask etcd its time to live.
func (e *EtcdStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("etcdstore: find: %w", err)
	}
	res, err := e.client.Get(ctx, e.prefix+token)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("etcdstore: find: %w", err)
	}
	if len(res.Kvs) == 0 {
		return nil, time.Time{}, false, nil
	}
	kv := res.Kvs[0]
	if kv.Lease == 0 {
		return kv.Value, time.Time{}, true, nil
	}
	lease := clientv3.LeaseID(kv.Lease)
	if sec, ok := e.leaseSecond(lease); ok {
		return kv.Value, time.Unix(sec, 0), true, nil
	}
	ttl, err := e.client.TimeToLive(ctx, lease)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("etcdstore: find: lease time to live: %w", err)
	}
	if ttl.TTL < 0 {
		return nil, time.Time{}, false, nil // the lease ended after the Get
	}
	return kv.Value, time.Now().Add(time.Duration(ttl.TTL) * time.Second), true, nil
}

// leaseSecond returns the Unix second at which a lease this store granted
// ends.
func (e *EtcdStore) leaseSecond(lease clientv3.LeaseID) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for sec, id := range e.leases {
		if id == lease {
			return sec, true
		}
	}
	return 0, false
}

// Commit stores b as the data of the session token until expiry, replacing
// the data and expiry of an existing session. An expiry that has passed
// deletes the session.
func (e *EtcdStore) Commit(token string, b []byte, expiry time.Time) error {
	return e.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
//
// The key is put with a lease that ends at the first whole second at or after
// expiry (within a second more, as TTLs are whole seconds). That lease is
// granted by the first commit whose expiry falls in that second and reused by
// the following ones, so most commits are one round trip (a put) and etcd
// keeps one lease per second of expiries instead of one per commit.
func (e *EtcdStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: commit: %w", err)
	}
	if err := e.checkSize("commit", len(b)); err != nil {
		return err
	}
	key := e.prefix + token
	now := time.Now()
	if !expiry.After(now) {
		if _, err := e.client.Delete(ctx, key); err != nil {
			return fmt.Errorf("etcdstore: commit: %w", err)
		}
		return nil
	}
	sec := expiry.Unix()
	if expiry.After(time.Unix(sec, 0)) {
		sec++
	}
	for attempt := 0; ; attempt++ {
		lease, err := e.lease(ctx, sec, now)
		if err != nil {
			return fmt.Errorf("etcdstore: commit: grant lease: %w", err)
		}
		_, err = e.client.Put(ctx, key, string(b), clientv3.WithLease(lease))
		if errors.Is(err, rpctypes.ErrLeaseNotFound) && attempt == 0 {
			// The lease was revoked, or ended a moment early: forget
			// it and grant a new one, once.
			e.forget(sec, lease)
			now = time.Now()
			continue
		}
		if err != nil {
			return fmt.Errorf("etcdstore: commit: %w", err)
		}
		return nil
	}
}

// CompareAndSwap stores b as the data of the session token until expiry, as
// Commit does, if and only if the session is live and holds exactly old; it
// reports whether it did. The comparison and the write are one etcd
// transaction, so no other write comes between them. A missing or expired
// session is not swapped, and a cancelled context gives an error and writes
// nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (e *EtcdStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	if err := e.checkSize("compare and swap", len(old)+len(b)); err != nil {
		return false, err
	}
	// etcd fails a value comparison on a missing key, so a missing or
	// ended session is never swapped.
	key := e.prefix + token
	return e.writeIf(ctx, "compare and swap", key, clientv3.Compare(clientv3.Value(key), "=", string(old)), b, expiry)
}

// Update stores b as the data of the session token until expiry, as Commit
// does, if and only if the session is live, and reports whether it did; it
// never creates the key. The check (the key exists: its lease has not run
// out and no one deleted it) and the write are one etcd transaction. A
// cancelled context gives an error and writes nothing. It makes the store an
// scs.UpdateStore, so that a session destroyed or renewed by one request is
// not written back by another.
func (e *EtcdStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	if err := e.checkSize("update", len(b)); err != nil {
		return false, err
	}
	key := e.prefix + token
	return e.writeIf(ctx, "update", key, clientv3.Compare(clientv3.CreateRevision(key), ">", 0), b, expiry)
}

// writeIf writes b under key until expiry (deletes key when expiry has
// passed, as CommitCtx does) in one transaction, if cond holds, and reports
// whether it did. op names the caller in errors.
func (e *EtcdStore) writeIf(ctx context.Context, op, key string, cond clientv3.Cmp, b []byte, expiry time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("etcdstore: %s: %w", op, err)
	}
	now := time.Now()
	if !expiry.After(now) {
		res, err := e.client.Txn(ctx).If(cond).Then(clientv3.OpDelete(key)).Commit()
		if err != nil {
			return false, fmt.Errorf("etcdstore: %s: %w", op, err)
		}
		return res.Succeeded, nil
	}
	sec := expiry.Unix()
	if expiry.After(time.Unix(sec, 0)) {
		sec++
	}
	for attempt := 0; ; attempt++ {
		lease, err := e.lease(ctx, sec, now)
		if err != nil {
			return false, fmt.Errorf("etcdstore: %s: grant lease: %w", op, err)
		}
		put := clientv3.OpPut(key, string(b), clientv3.WithLease(lease))
		res, err := e.client.Txn(ctx).If(cond).Then(put).Commit()
		if errors.Is(err, rpctypes.ErrLeaseNotFound) && attempt == 0 {
			// As in CommitCtx: the lease is gone, so grant a new
			// one, once. The failed transaction wrote nothing.
			e.forget(sec, lease)
			now = time.Now()
			continue
		}
		if err != nil {
			return false, fmt.Errorf("etcdstore: %s: %w", op, err)
		}
		return res.Succeeded, nil
	}
}

// lease returns the lease for sessions expiring in the second before Unix
// second sec, granting it when there is none yet.
func (e *EtcdStore) lease(ctx context.Context, sec int64, now time.Time) (clientv3.LeaseID, error) {
	e.mu.Lock()
	id, ok := e.leases[sec]
	e.mu.Unlock()
	if ok {
		return id, nil
	}
	// A lease granted now with this TTL ends at or after sec, as the server
	// starts counting when it receives the request.
	ttl := int64((time.Unix(sec, 0).Sub(now) + time.Second - 1) / time.Second)
	res, err := e.client.Grant(ctx, max(ttl, 1))
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if id, ok := e.leases[sec]; ok {
		// Another commit granted one meanwhile; use that one, and let
		// this one end unused.
		return id, nil
	}
	e.leases[sec] = res.ID
	if n := now.Unix(); n > e.prunedAt {
		for s := range e.leases {
			if s < n {
				delete(e.leases, s)
			}
		}
		e.prunedAt = n
	}
	return res.ID, nil
}

// forget drops lease from the leases remembered for second sec.
func (e *EtcdStore) forget(sec int64, lease clientv3.LeaseID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.leases[sec] == lease {
		delete(e.leases, sec)
	}
}

// Delete removes the session token. Deleting a missing session is not an
// error.
func (e *EtcdStore) Delete(token string) error {
	return e.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context. The session's lease is left to end by
// itself, as other sessions may share it.
func (e *EtcdStore) DeleteCtx(ctx context.Context, token string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: delete: %w", err)
	}
	if _, err := e.client.Delete(ctx, e.prefix+token); err != nil {
		return fmt.Errorf("etcdstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every live session, keyed by token.
func (e *EtcdStore) All() (map[string][]byte, error) {
	return e.AllCtx(context.Background())
}

// AllCtx is All with a context. It reads the keys under the prefix in pages
// of 1000, so no single response grows with the number of sessions. A
// session created or deleted while All runs may or may not be in the result.
func (e *EtcdStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: all: %w", err)
	}
	sessions := make(map[string][]byte)
	end := clientv3.GetPrefixRangeEnd(e.prefix)
	from := e.prefix
	if from == "" {
		from = "\x00" // etcd takes no empty key; "\x00" is the smallest one
	}
	for {
		res, err := e.client.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(e.pageSize))
		if err != nil {
			return nil, fmt.Errorf("etcdstore: all: %w", err)
		}
		for _, kv := range res.Kvs {
			sessions[string(kv.Key[len(e.prefix):])] = kv.Value
		}
		if !res.More || len(res.Kvs) == 0 {
			return sessions, nil
		}
		// The next page starts just after the last key of this one.
		from = string(res.Kvs[len(res.Kvs)-1].Key) + "\x00"
	}
}

// defaultMaxRequestBytes is etcd's default --max-request-bytes.
const defaultMaxRequestBytes = 3 << 19 // 1.5 MiB

// requestOverhead is what MaxRequestBytes keeps for the key and framing.
const requestOverhead = 1 << 10

// MaxPayload returns the most session data Commit accepts: MaxRequestBytes
// (or its default) less 1 KiB; zero when the check is off.
func (e *EtcdStore) MaxPayload() int {
	limit := e.MaxRequestBytes
	if limit == 0 {
		limit = defaultMaxRequestBytes
	}
	if limit < 0 {
		return 0
	}
	return max(limit-requestOverhead, 0)
}

// checkSize returns an error wrapping scs.ErrPayloadTooLarge when a request
// carrying n bytes of session data would be larger than the server takes.
func (e *EtcdStore) checkSize(op string, n int) error {
	if limit := e.MaxPayload(); e.MaxRequestBytes >= 0 && n > limit {
		return fmt.Errorf("etcdstore: %s: %w: %d bytes of session data, and an etcd request takes %d "+
			"(the server's --max-request-bytes less 1 KiB; raise it and set EtcdStore.MaxRequestBytes to match)",
			op, scs.ErrPayloadTooLarge, n, limit)
	}
	return nil
}
