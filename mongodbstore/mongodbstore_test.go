package mongodbstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

const (
	uriEnv     = "SCS_MONGODB_TEST_URI"
	defaultURI = "mongodb://127.0.0.1:27017"
)

func TestMain(m *testing.M) {
	code := testenv.Main(m, uriEnv, defaultURI, ping)
	clientMu.Lock()
	if client != nil {
		_ = client.Disconnect(context.Background())
	}
	clientMu.Unlock()
	os.Exit(code)
}

var (
	pingMu   sync.Mutex
	pingErrs = map[string]error{} // result of the first ping of each URI
)

// ping is the probe for testenv.Server: it connects and pings, once per
// URI, so that without a server every test skips at once instead of each
// waiting for the driver's server selection to time out.
func ping(uri string) error {
	pingMu.Lock()
	defer pingMu.Unlock()
	err, ok := pingErrs[uri]
	if !ok {
		err = pingOnce(uri)
		pingErrs[uri] = err
	}
	return err
}

func pingOnce(uri string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).SetServerSelectionTimeout(2*time.Second))
	if err != nil {
		return err
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	return c.Ping(ctx, nil)
}

var (
	clientMu sync.Mutex
	client   *mongo.Client // shared by the tests of this binary; closed in TestMain
)

func testClient(t testing.TB) *mongo.Client {
	t.Helper()
	uri := testenv.Server(t, uriEnv, defaultURI, ping)
	clientMu.Lock()
	defer clientMu.Unlock()
	if client == nil {
		c, err := mongo.Connect(context.Background(), options.Client().ApplyURI(uri))
		if err != nil {
			t.Fatalf("connect %s: %v", uri, err)
		}
		client = c
	}
	return client
}

// testDB returns a new, empty database that is dropped when the test ends.
func testDB(t testing.TB) *mongo.Database {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	db := testClient(t).Database("scs_test_" + hex.EncodeToString(b))
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Errorf("drop database %s: %v", db.Name(), err)
		}
	})
	return db
}

func stored(t *testing.T, st scs.Store, token string) bool {
	t.Helper()
	n, err := st.(*MongoDBStore).collection.CountDocuments(context.Background(), bson.D{{Key: "token", Value: token}})
	if err != nil {
		t.Fatalf("count documents: %v", err)
	}
	return n > 0
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			s := New(testDB(t))
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			s := NewWithCleanupInterval(testDB(t), interval)
			t.Cleanup(s.StopCleanup)
			return s
		},
		Stored:              stored,
		SkipMergeContention: ferretDB(t),
	}.Run(t)
}

func TestConformanceWithIndexes(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			s := NewWithCleanupInterval(testDB(t), 0)
			if err := s.EnsureIndexes(context.Background()); err != nil {
				t.Fatalf("EnsureIndexes: %v", err)
			}
			return s
		},
		SkipMergeContention: ferretDB(t),
	}.Run(t)
}

// ferretDB returns why MergeContention cannot pass when the test server is
// FerretDB, whose buildInfo has a ferretdbVersion, and "" for MongoDB itself. FerretDB
// v1 runs UpdateOne as a read of the matching documents and a separate
// write, so two concurrent compare-and-swaps can both succeed; MongoDB
// updates a single document atomically.
func ferretDB(t *testing.T) string {
	var info bson.M
	if err := testClient(t).Database("admin").RunCommand(context.Background(), bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		t.Fatalf("buildInfo: %v", err)
	}
	if _, ok := info["ferretdbVersion"]; !ok {
		return ""
	}
	return "the test server is FerretDB, whose UpdateOne is a read and a separate write: no compare-and-swap is atomic there (see README)"
}

// scsItem is SCS v2's mongodbstore document type as SCS declares it: no bson
// tags, so the driver's default lower-cased field names apply.
type scsItem struct {
	Token      string
	Object     []byte
	Expiration int64
}

func TestFindReadsSCSDocument(t *testing.T) {
	db := testDB(t)
	tok := storetest.Token(t)
	item := scsItem{Token: tok, Object: []byte("written by SCS v2"), Expiration: time.Now().Add(time.Hour).UnixNano()}
	if _, err := db.Collection("sessions").InsertOne(context.Background(), item); err != nil {
		t.Fatal(err)
	}
	expired := scsItem{Token: storetest.Token(t), Object: []byte("old"), Expiration: time.Now().Add(-time.Second).UnixNano()}
	if _, err := db.Collection("sessions").InsertOne(context.Background(), expired); err != nil {
		t.Fatal(err)
	}

	s := NewWithCleanupInterval(db, 0)
	b, found, err := s.Find(tok)
	if err != nil || !found || !bytes.Equal(b, item.Object) {
		t.Fatalf("Find = %q, %v, %v; want %q, true, nil", b, found, err, item.Object)
	}
	if _, found, err := s.Find(expired.Token); err != nil || found {
		t.Fatalf("Find(expired) = %v, %v; want false, nil", found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 1 || !bytes.Equal(all[tok], item.Object) {
		t.Fatalf("All = %q, %v; want only %s", all, err, tok)
	}

	// Commit overwrites the SCS document in place instead of adding one.
	if err := s.Commit(tok, []byte("rewritten"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := db.Collection("sessions").CountDocuments(context.Background(), bson.D{{Key: "token", Value: tok}})
	if err != nil || n != 1 {
		t.Fatalf("%d documents for the token after Commit (err %v), want 1", n, err)
	}
}

func TestCommitWritesSCSLayout(t *testing.T) {
	db := testDB(t)
	s := NewWithCleanupInterval(db, 0)
	tok := storetest.Token(t)
	expiry := time.Now().Add(time.Hour)
	payload := []byte{0, 1, 2, 0xff}
	if err := s.Commit(tok, payload, expiry); err != nil {
		t.Fatal(err)
	}

	// The raw document has SCS's field names and BSON types.
	var raw bson.Raw
	if err := db.Collection("sessions").FindOne(context.Background(), bson.D{{Key: "token", Value: tok}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if v := raw.Lookup("token"); v.Type != bson.TypeString || v.StringValue() != tok {
		t.Errorf("token = %v, want string %q", v, tok)
	}
	if v := raw.Lookup("object"); v.Type != bson.TypeBinary {
		t.Errorf("object has BSON type %v, want binary", v.Type)
	} else if sub, data := v.Binary(); sub != 0 || !bytes.Equal(data, payload) {
		t.Errorf("object = subtype %d %x, want subtype 0 %x", sub, data, payload)
	}
	if v := raw.Lookup("expiration"); v.Type != bson.TypeInt64 || v.Int64() != expiry.UnixNano() {
		t.Errorf("expiration = %v, want int64 %d", v, expiry.UnixNano())
	}

	// And it decodes into SCS's own type, which is how SCS v2 reads it.
	var item scsItem
	if err := db.Collection("sessions").FindOne(context.Background(), bson.D{{Key: "token", Value: tok}}).Decode(&item); err != nil {
		t.Fatal(err)
	}
	if item.Token != tok || !bytes.Equal(item.Object, payload) || item.Expiration != expiry.UnixNano() {
		t.Fatalf("SCS reads %+v", item)
	}
}

func TestCollectionName(t *testing.T) {
	db := testDB(t)
	s := NewWithConfig(db, Config{CollectionName: "web_sessions"})
	t.Cleanup(s.StopCleanup)
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"web_sessions": 1, "sessions": 0} {
		n, err := db.Collection(name).CountDocuments(context.Background(), bson.D{{Key: "token", Value: tok}})
		if err != nil || n != want {
			t.Errorf("collection %s holds %d documents (err %v), want %d", name, n, err, want)
		}
	}
}

func TestDeleteRemovesDuplicates(t *testing.T) {
	// Without the unique index, racing first commits can leave two
	// documents for one token; Delete must remove both.
	db := testDB(t)
	tok := storetest.Token(t)
	exp := time.Now().Add(time.Hour).UnixNano()
	docs := []any{scsItem{tok, []byte("a"), exp}, scsItem{tok, []byte("b"), exp}}
	if _, err := db.Collection("sessions").InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	s := NewWithCleanupInterval(db, 0)
	if err := s.Delete(tok); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(tok); err != nil || found {
		t.Fatalf("Find after Delete = %v, %v; want false, nil", found, err)
	}
}

func TestEnsureIndexes(t *testing.T) {
	db := testDB(t)
	s := NewWithCleanupInterval(db, 0)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // idempotent
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("EnsureIndexes (call %d): %v", i+1, err)
		}
	}
	cur, err := db.Collection("sessions").Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	var uniqueToken, expiration bool
	for _, spec := range specs {
		keys, _ := spec["key"].(bson.M)
		if _, ok := keys["token"]; ok && spec["unique"] == true {
			uniqueToken = true
		}
		if _, ok := keys["expiration"]; ok {
			expiration = true
		}
	}
	if !uniqueToken || !expiration {
		t.Fatalf("indexes %v: want a unique one on token and one on expiration", specs)
	}

	// Concurrent first commits of one token all succeed and leave one
	// document.
	tok := storetest.Token(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.Commit(tok, []byte(fmt.Sprint(i)), time.Now().Add(time.Minute))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	n, err := db.Collection("sessions").CountDocuments(ctx, bson.D{{Key: "token", Value: tok}})
	if err != nil || n != 1 {
		t.Fatalf("%d documents for the token (err %v), want 1", n, err)
	}

	// A collection with duplicate tokens cannot get the unique index.
	dup := NewWithConfig(db, Config{CollectionName: "dups"})
	docs := []any{scsItem{tok, nil, 0}, scsItem{tok, nil, 0}}
	if _, err := db.Collection("dups").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := dup.EnsureIndexes(ctx); err == nil {
		t.Fatal("EnsureIndexes on a collection with duplicate tokens gave no error")
	}
}

func TestCleanupDeletesInBatches(t *testing.T) {
	db := testDB(t)
	coll := db.Collection("sessions")
	ctx := context.Background()
	past := time.Now().Add(-time.Minute).UnixNano()
	docs := make([]any, 2*cleanupBatch+10)
	for i := range docs {
		docs[i] = scsItem{Token: fmt.Sprintf("expired-%d", i), Object: []byte("x"), Expiration: past}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	live := storetest.Token(t)
	s := NewWithCleanupInterval(db, 0)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	if err := s.deleteExpired(ctx); err != nil {
		t.Fatalf("deleteExpired: %v", err)
	}
	n, err := coll.CountDocuments(ctx, bson.D{})
	if err != nil || n != 1 {
		t.Fatalf("%d documents left after cleanup (err %v), want only the live one", n, err)
	}
	if b, found, err := s.Find(live); err != nil || !found || string(b) != "live" {
		t.Fatalf("Find(live) = %q, %v, %v", b, found, err)
	}
}

func TestFindComparesNumericExpiration(t *testing.T) {
	// A document whose expiration another tool wrote as a double (as the
	// mongo shell does for plain numbers) still compares numerically.
	db := testDB(t)
	tok := storetest.Token(t)
	doc := bson.D{
		{Key: "token", Value: tok},
		{Key: "object", Value: primitive.Binary{Data: []byte("x")}},
		{Key: "expiration", Value: float64(time.Now().Add(time.Hour).UnixNano())},
	}
	if _, err := db.Collection("sessions").InsertOne(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	s := NewWithCleanupInterval(db, 0)
	if b, found, err := s.Find(tok); err != nil || !found || string(b) != "x" {
		t.Fatalf("Find = %q, %v, %v; want x, true, nil", b, found, err)
	}
}

// benchStore returns a store with its indexes, as an application runs it.
func benchStore(b *testing.B) *MongoDBStore {
	s := NewWithCleanupInterval(testDB(b), 0)
	if err := s.EnsureIndexes(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkFind(b *testing.B) {
	kvtest.BenchmarkFind(b, benchStore(b), bytes.Repeat([]byte("x"), 200))
}

func BenchmarkCommit(b *testing.B) {
	kvtest.BenchmarkCommit(b, benchStore(b), bytes.Repeat([]byte("x"), 200))
}
