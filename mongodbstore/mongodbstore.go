// Package mongodbstore is a MongoDB session store for scs, data-compatible
// with SCS v2's mongodbstore.
//
// Sessions live in one collection (default "sessions") as documents
// {token: string, object: binary, expiration: int64 Unix nanoseconds}.
package mongodbstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed3bbca6c1/scs/cleanup"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// cleanupBatch is how many expired documents one cleanup round deletes per
// statement, so that a large backlog never makes one long-running delete.
const cleanupBatch = 1000

// document is a session as SCS v2's mongodbstore writes it. The field names
// are bson's defaults for SCS's struct (lower-cased Go names).
type document struct {
	Token      string `bson:"token"`
	Object     []byte `bson:"object"`
	Expiration int64  `bson:"expiration"`
}

// Config configures a MongoDBStore made with NewWithConfig.
type Config struct {
	// CleanupInterval is how often expired sessions are deleted. Zero means
	// never: no cleanup goroutine runs and expired documents stay until
	// they are overwritten or deleted (Find still ignores them).
	CleanupInterval time.Duration

	// CollectionName is the collection that holds the sessions. Empty means
	// "sessions".
	CollectionName string
}

// MongoDBStore is a session store backed by a MongoDB collection. It is safe
// for concurrent use. Create one with New, NewWithCleanupInterval or
// NewWithConfig; the zero value is not usable.
type MongoDBStore struct {
	collection *mongo.Collection
	runner     *cleanup.Runner
}

// New returns a store that keeps sessions in the "sessions" collection of db
// and deletes expired ones every minute, from a goroutine that starts on
// first use.
func New(db *mongo.Database) *MongoDBStore {
	return NewWithConfig(db, Config{CleanupInterval: time.Minute})
}

// NewWithCleanupInterval is New with the given cleanup interval; an interval
// of 0 runs no cleanup goroutine.
func NewWithCleanupInterval(db *mongo.Database, cleanupInterval time.Duration) *MongoDBStore {
	return NewWithConfig(db, Config{CleanupInterval: cleanupInterval})
}

// NewWithConfig returns a store configured by config. It does no I/O; see
// EnsureIndexes for the indexes the collection should have.
func NewWithConfig(db *mongo.Database, config Config) *MongoDBStore {
	name := config.CollectionName
	if name == "" {
		name = "sessions"
	}
	s := &MongoDBStore{collection: db.Collection(name)}
	s.runner = cleanup.New(config.CleanupInterval, s.deleteExpired)
	return s
}

// EnsureIndexes creates, if missing, a unique index on token (so Find and
// Commit need no collection scan and a token has one document) and an index
// on expiration (for the cleanup). Call it once at start-up. It fails if the
// collection already holds two documents with the same token. SCS v2 created
// no indexes; both stores work without them, only slower.
func (s *MongoDBStore) EnsureIndexes(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongodbstore: ensure indexes: %w", err)
	}
	// One index per command: FerretDB 1.24 fails a createIndexes command
	// that names two indexes which both exist already.
	for _, idx := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "token", Value: 1}}, Options: options.Index().SetUnique(true)},
		{Keys: bson.D{{Key: "expiration", Value: 1}}},
	} {
		if _, err := s.collection.Indexes().CreateOne(ctx, idx); err != nil {
			return fmt.Errorf("mongodbstore: ensure indexes: %w", err)
		}
	}
	return nil
}

// Find returns the data of a live session token. A missing or expired
// token gives found == false and a nil error.
func (s *MongoDBStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// FindCtx is Find with a context.
func (s *MongoDBStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, _, found, err := s.find(ctx, "find", token)
	return b, found, err
}

// FindExpiry is Find that also returns the session's expiry, making the
// store an scs.ExpiryStore (for SessionManager.IdleRefreshInterval).
func (s *MongoDBStore) FindExpiry(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	return s.find(ctx, "find expiry", token)
}

// find is FindCtx and FindExpiry, whose errors it prefixes with op.
func (s *MongoDBStore) find(ctx context.Context, op, token string) ([]byte, time.Time, bool, error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("mongodbstore: %s: %w", op, err)
	}
	filter := bson.D{
		{Key: "token", Value: token},
		{Key: "expiration", Value: bson.D{{Key: "$gt", Value: time.Now().UnixNano()}}},
	}
	opts := options.FindOne().SetProjection(bson.D{{Key: "object", Value: 1}, {Key: "expiration", Value: 1}, {Key: "_id", Value: 0}})
	var doc document
	err := s.collection.FindOne(ctx, filter, opts).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("mongodbstore: %s: %w", op, err)
	}
	if doc.Object == nil {
		doc.Object = []byte{}
	}
	return doc.Object, time.Unix(0, doc.Expiration), true, nil
}

// Commit stores b under token until expiry, replacing the data and expiry
// of an existing token.
func (s *MongoDBStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx is Commit with a context. It is one upsert.
func (s *MongoDBStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongodbstore: commit: %w", err)
	}
	if b == nil {
		b = []byte{} // stored as empty binary, never as null
	}
	filter := bson.D{{Key: "token", Value: token}}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "object", Value: b},
		{Key: "expiration", Value: expiry.UnixNano()},
	}}}
	opts := options.Update().SetUpsert(true)
	_, err := s.collection.UpdateOne(ctx, filter, update, opts)
	if mongo.IsDuplicateKeyError(err) {
		// Two upserts of a new token raced on the unique index and this one
		// lost; the document exists now, so the update matches it.
		_, err = s.collection.UpdateOne(ctx, filter, update, opts)
	}
	if err != nil {
		return fmt.Errorf("mongodbstore: commit: %w", err)
	}
	return nil
}

// CompareAndSwap stores b under token until expiry, as Commit does, if and
// only if the session is live and its data is exactly old; it reports
// whether it did. It is one UpdateOne whose filter holds the token, the old
// data and expiration > now, so no other write comes between the comparison
// and the write. A missing or expired session is not swapped, and a
// cancelled context gives an error and writes nothing. It makes the store an
// scs.UpdateStore (CompareAndSwap), so that SessionManager.MergeConcurrent is atomic.
func (s *MongoDBStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mongodbstore: compare and swap: %w", err)
	}
	if old == nil {
		old = []byte{}
	}
	if b == nil {
		b = []byte{}
	}
	filter := bson.D{
		{Key: "token", Value: token},
		{Key: "object", Value: old},
		{Key: "expiration", Value: bson.D{{Key: "$gt", Value: time.Now().UnixNano()}}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "object", Value: b},
		{Key: "expiration", Value: expiry.UnixNano()},
	}}}
	res, err := s.collection.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, fmt.Errorf("mongodbstore: compare and swap: %w", err)
	}
	// MatchedCount, not ModifiedCount: writing the data and expiry the
	// session already has modifies nothing but is still a swap.
	return res.MatchedCount == 1, nil
}

// Update stores b under token until expiry, as Commit does, if and only if
// the session exists and is live, and reports whether it did; it never
// creates the document. It is one UpdateOne, without upsert, whose filter
// holds the token and expiration > now. A cancelled context gives an error
// and writes nothing. It makes the store an scs.UpdateStore, so that a
// session destroyed or renewed by one request is not written back by
// another.
func (s *MongoDBStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mongodbstore: update: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	filter := bson.D{
		{Key: "token", Value: token},
		{Key: "expiration", Value: bson.D{{Key: "$gt", Value: time.Now().UnixNano()}}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "object", Value: b},
		{Key: "expiration", Value: expiry.UnixNano()},
	}}}
	res, err := s.collection.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, fmt.Errorf("mongodbstore: update: %w", err)
	}
	// MatchedCount: writing what the document holds modifies nothing but
	// still finds it.
	return res.MatchedCount == 1, nil
}

// Delete removes token and its data. Deleting a missing token is not an
// error.
func (s *MongoDBStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteCtx is Delete with a context. It removes every document of the
// token, so a duplicate left by racing upserts without the unique index of
// EnsureIndexes cannot bring a deleted session back.
func (s *MongoDBStore) DeleteCtx(ctx context.Context, token string) error {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongodbstore: delete: %w", err)
	}
	if _, err := s.collection.DeleteMany(ctx, bson.D{{Key: "token", Value: token}}); err != nil {
		return fmt.Errorf("mongodbstore: delete: %w", err)
	}
	return nil
}

// All returns the data of every live session keyed by token; an empty,
// non-nil map when there is none.
func (s *MongoDBStore) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// AllCtx is All with a context.
func (s *MongoDBStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	s.runner.Start()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mongodbstore: all: %w", err)
	}
	filter := bson.D{{Key: "expiration", Value: bson.D{{Key: "$gt", Value: time.Now().UnixNano()}}}}
	opts := options.Find().SetProjection(bson.D{{Key: "token", Value: 1}, {Key: "object", Value: 1}, {Key: "_id", Value: 0}})
	cur, err := s.collection.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("mongodbstore: all: %w", err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	sessions := map[string][]byte{}
	for cur.Next(ctx) {
		var doc document
		if err := cur.Decode(&doc); err != nil {
			return nil, fmt.Errorf("mongodbstore: all: %w", err)
		}
		if doc.Object == nil {
			doc.Object = []byte{}
		}
		sessions[doc.Token] = doc.Object
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongodbstore: all: %w", err)
	}
	return sessions, nil
}

// StopCleanup stops the cleanup goroutine and waits for it to end. It is
// safe to call more than once, and on a store that runs no goroutine.
func (s *MongoDBStore) StopCleanup() {
	s.runner.Stop()
}

// deleteExpired deletes expired sessions in batches of cleanupBatch: it
// reads the ids of a batch, then deletes those still expired (a session
// committed again in between is kept).
func (s *MongoDBStore) deleteExpired(ctx context.Context) error {
	for {
		expired := bson.D{{Key: "expiration", Value: bson.D{{Key: "$lte", Value: time.Now().UnixNano()}}}}
		opts := options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(cleanupBatch)
		cur, err := s.collection.Find(ctx, expired, opts)
		if err != nil {
			return fmt.Errorf("mongodbstore: cleanup: %w", err)
		}
		var ids []struct {
			ID any `bson:"_id"`
		}
		if err := cur.All(ctx, &ids); err != nil {
			return fmt.Errorf("mongodbstore: cleanup: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		in := make(bson.A, len(ids))
		for i, id := range ids {
			in[i] = id.ID
		}
		filter := append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}}, expired...)
		if _, err := s.collection.DeleteMany(ctx, filter); err != nil {
			return fmt.Errorf("mongodbstore: cleanup: %w", err)
		}
		if len(ids) < cleanupBatch {
			return nil
		}
	}
}
