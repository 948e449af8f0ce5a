// Package consulstore is a Consul KV based session store for scs.
package consulstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cleanup"
)

const (
	// defaultPrefix is the key prefix of New, the same as SCS v2's.
	defaultPrefix = "scs:session:"
	// defaultMaxValueSize is Consul's default kv_max_value_size.
	defaultMaxValueSize = 512 << 10

	// defaultCleanupInterval is the cleanup interval of New.
	defaultCleanupInterval = time.Minute

	// headerLen is the length of the expiry that starts every value.
	headerLen = 8

	// deleteBatch is how many expired keys one cleanup transaction deletes,
	// well under Consul's limit of operations per transaction (128 in 1.14).
	deleteBatch = 64
)

// ConsulStore is a session store in Consul's KV store. Each session is one
// key, the prefix followed by the token; its value is the expiry as 8 bytes of
// big-endian Unix nanoseconds, then the session data. This is SCS v2's layout,
// so sessions written by either are read by the other.
//
// Consul has no expiry of its own for KV entries, so a ConsulStore runs a
// cleanup goroutine that deletes expired sessions; expired sessions are never
// returned, whether or not the cleanup has removed them yet.
//
// Consul limits a value to 512 KiB by default (the agent's kv_max_value_size),
// so session data can be at most 512 KiB less 8 bytes; Commit and
// CompareAndSwap refuse larger data before writing, with an error wrapping
// scs.ErrPayloadTooLarge (see MaxValueSize).
//
// A ConsulStore is safe for concurrent use. Create one with New or
// NewWithOptions; the zero value is not usable.
type ConsulStore struct {
	// MaxValueSize is the largest value, in bytes, the Consul agents
	// accept: their kv_max_value_size. Session data takes it less the 8
	// bytes of the expiry; larger data is refused before writing, so the
	// stored session stays as it was. Zero means 512 KiB, Consul's default;
	// if you raised kv_max_value_size, set the same here, before the
	// store's first use. A negative value turns the check off.
	MaxValueSize int

	kv     *api.KV
	txn    *api.Txn
	prefix string
	runner *cleanup.Runner
}

// New returns a ConsulStore that keeps sessions under the key prefix
// "scs:session:" of the client's KV store and deletes expired sessions every
// minute, in a goroutine started on first use (see StopCleanup).
func New(client *api.Client) *ConsulStore {
	return NewWithOptions(client, defaultCleanupInterval, defaultPrefix)
}

// NewWithOptions returns a ConsulStore that keeps sessions under the given
// key prefix and deletes expired sessions every cleanupInterval. A
// cleanupInterval of 0 runs no cleanup goroutine, and expired sessions stay
// in Consul until deleted by other means.
//
// Stores with different prefixes can share a Consul cluster, even when one
// prefix starts with another ("scs:session:" and "scs:session:admin:"): a
// store ignores keys whose remainder after its prefix contains ':' or '/',
// which no session token does.
func NewWithOptions(client *api.Client, cleanupInterval time.Duration, prefix string) *ConsulStore {
	s := &ConsulStore{kv: client.KV(), txn: client.Txn(), prefix: prefix}
	s.runner = cleanup.New(cleanupInterval, s.deleteExpired)
	return s
}

// Find returns the data of the session token. If the token is not found or has
// expired, found is false and err is nil.
func (s *ConsulStore) Find(token string) (b []byte, found bool, err error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (s *ConsulStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	b, _, found, err = s.find(ctx, "find", token)
	return b, found, err
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (s *ConsulStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	return s.find(ctx, "find expiry", token)
}

// find is FindCtx and FindExpiry, whose errors it prefixes with op.
func (s *ConsulStore) find(ctx context.Context, op, token string) (b []byte, expiry time.Time, found bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("consulstore: %s: %w", op, err)
	}
	pair, _, err := s.kv.Get(s.prefix+token, queryOptions(ctx))
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("consulstore: %s: %w", op, err)
	}
	if pair == nil {
		return nil, time.Time{}, false, nil
	}
	b, live := decode(pair.Value, time.Now())
	if !live {
		return nil, time.Time{}, false, nil
	}
	return b, time.Unix(0, int64(binary.BigEndian.Uint64(pair.Value))), true, nil
}

// Commit stores the session data under the token with the given expiry,
// overwriting the data and expiry of an existing session.
func (s *ConsulStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context.
func (s *ConsulStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("consulstore: commit: %w", err)
	}
	if err := s.checkSize("commit", b); err != nil {
		return err
	}
	pair := &api.KVPair{Key: s.prefix + token, Value: encode(b, expiry)}
	if _, err := s.kv.Put(pair, writeOptions(ctx)); err != nil {
		return fmt.Errorf("consulstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores the session data b under the token until expiry, as
// Commit does, if and only if the session has not expired and its data is
// exactly old; it reports whether it did. It reads the entry, compares, and
// writes it with a check-and-set on the modify index it read, so a write by
// anyone else in between makes it report false and write nothing. A missing
// or expired session is not swapped, and a cancelled context gives an error
// and writes nothing. It makes the store an scs.UpdateStore (its CompareAndSwap), so that
// SessionManager.MergeConcurrent is atomic.
func (s *ConsulStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("consulstore: compare and swap: %w", err)
	}
	if err := s.checkSize("compare and swap", b); err != nil {
		return false, err
	}
	key := s.prefix + token
	pair, _, err := s.kv.Get(key, queryOptions(ctx))
	if err != nil {
		return false, fmt.Errorf("consulstore: compare and swap: %w", err)
	}
	if pair == nil {
		return false, nil
	}
	cur, live := decode(pair.Value, time.Now())
	if !live || !bytes.Equal(cur, old) {
		return false, nil
	}
	next := &api.KVPair{Key: key, Value: encode(b, expiry), ModifyIndex: pair.ModifyIndex}
	swapped, _, err = s.kv.CAS(next, writeOptions(ctx))
	if err != nil {
		return false, fmt.Errorf("consulstore: compare and swap: %w", err)
	}
	return swapped, nil
}

// Update stores the session data b under the token until expiry, as Commit
// does, if and only if the session exists and has not expired, and reports
// whether it did; it never creates the key. Consul's KV store cannot write
// only an existing key in one request, and the expiry lives in the value, so
// it reads the entry and writes it with a check-and-set on the modify index
// it read: two round trips, where Commit takes one. When someone else wrote
// the entry in between, it reads again (a few times at most), so a
// concurrent Delete always wins. A cancelled context gives an error and
// writes nothing. It makes the store an scs.UpdateStore, so that a session
// destroyed or renewed by one request is not written back by another.
func (s *ConsulStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	if err := s.checkSize("update", b); err != nil {
		return false, err
	}
	s.runner.Start()
	key := s.prefix + token
	for attempt := 0; attempt < 5; attempt++ {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("consulstore: update: %w", err)
		}
		pair, _, err := s.kv.Get(key, queryOptions(ctx))
		if err != nil {
			return false, fmt.Errorf("consulstore: update: %w", err)
		}
		if pair == nil {
			return false, nil
		}
		if _, live := decode(pair.Value, time.Now()); !live {
			return false, nil
		}
		next := &api.KVPair{Key: key, Value: encode(b, expiry), ModifyIndex: pair.ModifyIndex}
		ok, _, err := s.kv.CAS(next, writeOptions(ctx))
		if err != nil {
			return false, fmt.Errorf("consulstore: update: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, errors.New("consulstore: update: the session kept changing")
}

// Delete removes the session token and its data. Deleting a token that does
// not exist is not an error.
func (s *ConsulStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context.
func (s *ConsulStore) DeleteCtx(ctx context.Context, token string) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("consulstore: delete: %w", err)
	}
	if _, err := s.kv.Delete(s.prefix+token, writeOptions(ctx)); err != nil {
		return fmt.Errorf("consulstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every session that has not expired, keyed by token.
// With no live sessions it returns an empty, non-nil map. It reads every key
// under the prefix in one request.
func (s *ConsulStore) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (s *ConsulStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("consulstore: all: %w", err)
	}
	pairs, _, err := s.kv.List(s.prefix, queryOptions(ctx))
	if err != nil {
		return nil, fmt.Errorf("consulstore: all: %w", err)
	}
	now := time.Now()
	sessions := make(map[string][]byte)
	for _, pair := range pairs {
		token, ok := s.token(pair.Key)
		if !ok {
			continue
		}
		if b, live := decode(pair.Value, now); live {
			sessions[token] = b
		}
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is safe
// to call more than once, and on a store whose goroutine never started; after
// it, the store still works but deletes no expired sessions. Call it when a
// store is dropped before the program ends, as in tests.
func (s *ConsulStore) StopCleanup() {
	s.runner.Stop()
}

// deleteExpired is the cleanup: it deletes the sessions that expired before
// now.
func (s *ConsulStore) deleteExpired(ctx context.Context) error {
	return s.deleteExpiredAt(ctx, time.Now())
}

// deleteExpiredAt lists the keys under the prefix and deletes those whose
// expiry is before now, deleteBatch keys per transaction. Each delete checks
// the key's modify index, so a session committed again since the listing is
// left alone.
func (s *ConsulStore) deleteExpiredAt(ctx context.Context, now time.Time) error {
	pairs, _, err := s.kv.List(s.prefix, queryOptions(ctx))
	if err != nil {
		return fmt.Errorf("consulstore: cleanup: %w", err)
	}
	var ops api.TxnOps
	for _, pair := range pairs {
		if _, ok := s.token(pair.Key); !ok || len(pair.Value) < headerLen {
			continue
		}
		if _, live := decode(pair.Value, now); live {
			continue
		}
		ops = append(ops, &api.TxnOp{KV: &api.KVTxnOp{
			Verb:  api.KVDeleteCAS,
			Key:   pair.Key,
			Index: pair.ModifyIndex,
		}})
		if len(ops) == deleteBatch {
			if err := s.deleteBatch(ctx, ops); err != nil {
				return err
			}
			ops = ops[:0]
		}
	}
	return s.deleteBatch(ctx, ops)
}

// deleteBatch runs the delete-cas operations in one transaction. A key changed
// since it was listed fails its operation and so rolls the transaction back;
// the batch is then retried without the failed operations.
func (s *ConsulStore) deleteBatch(ctx context.Context, ops api.TxnOps) error {
	for len(ops) > 0 {
		ok, resp, _, err := s.txn.Txn(ops, queryOptions(ctx))
		if err != nil {
			return fmt.Errorf("consulstore: cleanup: %w", err)
		}
		if ok {
			return nil
		}
		if resp == nil || len(resp.Errors) == 0 {
			return errors.New("consulstore: cleanup: transaction rolled back without errors")
		}
		failed := make(map[int]bool, len(resp.Errors))
		for _, e := range resp.Errors {
			failed[e.OpIndex] = true
		}
		i, n := 0, len(ops)
		ops = slices.DeleteFunc(ops, func(*api.TxnOp) bool {
			i++
			return failed[i-1]
		})
		if len(ops) == n {
			return fmt.Errorf("consulstore: cleanup: transaction rolled back: %v", resp.Errors[0].What)
		}
	}
	return nil
}

// token returns the token of a key under the prefix, and false for keys that
// belong to a store with a longer prefix.
func (s *ConsulStore) token(key string) (string, bool) {
	token, ok := strings.CutPrefix(key, s.prefix)
	if !ok || strings.ContainsAny(token, ":/") {
		return "", false
	}
	return token, true
}

// checkSize returns an error wrapping scs.ErrPayloadTooLarge when the value
// for data b would be larger than MaxValueSize.
func (s *ConsulStore) checkSize(op string, b []byte) error {
	limit := s.MaxValueSize
	if limit == 0 {
		limit = defaultMaxValueSize
	}
	if limit > 0 && headerLen+len(b) > limit {
		return fmt.Errorf("consulstore: %s: %w: %d bytes of data and %d of expiry, and Consul takes values of %d "+
			"(kv_max_value_size; raise it on the agents and set ConsulStore.MaxValueSize to match)",
			op, scs.ErrPayloadTooLarge, len(b), headerLen, limit)
	}
	return nil
}

// encode returns the stored value: the expiry as big-endian Unix nanoseconds,
// then b.
func encode(b []byte, expiry time.Time) []byte {
	v := make([]byte, headerLen+len(b))
	binary.BigEndian.PutUint64(v, uint64(expiry.UnixNano()))
	copy(v[headerLen:], b)
	return v
}

// decode returns the data of a stored value and whether it is live at now.
// A value too short to hold an expiry is not live.
func decode(v []byte, now time.Time) (b []byte, live bool) {
	if len(v) < headerLen {
		return nil, false
	}
	expiry := int64(binary.BigEndian.Uint64(v))
	if now.UnixNano() >= expiry {
		return nil, false
	}
	return v[headerLen:], true
}

func queryOptions(ctx context.Context) *api.QueryOptions {
	return (&api.QueryOptions{}).WithContext(ctx)
}

func writeOptions(ctx context.Context) *api.WriteOptions {
	return (&api.WriteOptions{}).WithContext(ctx)
}
