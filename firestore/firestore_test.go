package firestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/kvtest"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/storetest"
)

// The tests run against a Firestore emulator, found at
// $SCS_FIRESTORE_EMULATOR_HOST or 127.0.0.1:8686 (scripts/services.sh starts
// one there). Every store gets a project of its own, so starts empty.
const (
	emulatorEnv  = "SCS_FIRESTORE_EMULATOR_HOST"
	emulatorAddr = "127.0.0.1:8686"
)

// maxPayload is the largest payload the kit round-trips: a Firestore
// document holds at most 1 MiB, its name and field names included.
const maxPayload = MaxDataSize

// TestMain runs only the Test functions, which skip, when the test server
// does not answer outside CI: the runnable Example cannot skip itself.
func TestMain(m *testing.M) {
	addr := os.Getenv(emulatorEnv)
	if addr == "" {
		addr = emulatorAddr
	}
	os.Setenv("FIRESTORE_EMULATOR_HOST", addr)
	os.Exit(testenv.Main(m, emulatorEnv, emulatorAddr, testenv.Dial))
}

// newClient returns a client of a new, empty project on the emulator.
func newClient(t testing.TB) *firestore.Client {
	t.Helper()
	testenv.Server(t, emulatorEnv, emulatorAddr, testenv.Dial)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	client, err := firestore.NewClient(context.Background(), "scs-test-"+hex.EncodeToString(b))
	if err != nil {
		t.Fatalf("firestore.NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func newStore(t testing.TB, cfg Config) *FireStore {
	t.Helper()
	s := NewWithConfig(newClient(t), cfg)
	t.Cleanup(s.StopCleanup)
	return s
}

// stored reports whether the document of token exists, expired or not.
func stored(t testing.TB, s *FireStore, token string) bool {
	t.Helper()
	id, ok := docID(token)
	if !ok {
		t.Fatalf("token %q has no document ID", token)
	}
	_, err := s.Sessions.Doc(id).Get(context.Background())
	if status.Code(err) == codes.NotFound {
		return false
	}
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return true
}

func TestConformance(t *testing.T) {
	storetest.Suite{
		New: func(t *testing.T) scs.Store {
			s := New(newClient(t))
			t.Cleanup(s.StopCleanup)
			return s
		},
		NewWithCleanup: func(t *testing.T, interval time.Duration) scs.Store {
			return newStore(t, Config{CleanUpInterval: interval})
		},
		Stored: func(t *testing.T, st scs.Store, token string) bool {
			return stored(t, st.(*FireStore), token)
		},
		MaxPayload: maxPayload,
	}.Run(t)
}

func TestDefaults(t *testing.T) {
	s := New(newClient(t))
	defer s.StopCleanup()
	if s.Sessions.ID != "Sessions" || s.Sessions.Parent != nil {
		t.Errorf("New uses collection %q, want the top-level collection \"Sessions\"", s.Sessions.Path)
	}
	if s.Client == nil {
		t.Error("New does not keep the client in FireStore.Client")
	}
	if got := NewWithConfig(s.Client, Config{}).Sessions.ID; got != "Sessions" {
		t.Errorf("NewWithConfig(Config{}) uses collection %q, want \"Sessions\"", got)
	}
}

func TestConfigCollection(t *testing.T) {
	s := newStore(t, Config{Collection: "web_sessions"})
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("data"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.Collection("web_sessions").Doc(tok).Get(context.Background()); err != nil {
		t.Fatalf("the session is not in the configured collection: %v", err)
	}
	_, err := s.Client.Collection("Sessions").Doc(tok).Get(context.Background())
	if status.Code(err) != codes.NotFound {
		t.Fatalf("get from the default collection = %v, want NotFound", err)
	}
	// A store on the default collection of the same database sees nothing.
	if _, found, err := NewWithCleanupInterval(s.Client, 0).Find(tok); err != nil || found {
		t.Fatalf("Find on the default collection = %v, %v; want false, nil", found, err)
	}
}

func TestInvalidCollectionPanics(t *testing.T) {
	client := newClient(t)
	for _, name := range []string{"a/b", "..", "__x__"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewWithConfig(Collection: %q) did not panic", name)
				}
			}()
			NewWithConfig(client, Config{Collection: name})
		}()
	}
}

// TestReadsSCSDocuments writes documents as SCS v2's firestore store does
// (a struct with the fields Data and Expiry) and reads them back.
func TestReadsSCSDocuments(t *testing.T) {
	s := newStore(t, Config{})
	type scsDoc struct {
		Data   []byte
		Expiry time.Time
	}
	ctx := context.Background()
	live, expired := storetest.Token(t), storetest.Token(t)
	if _, err := s.Client.Collection("Sessions").Doc(live).Set(ctx, scsDoc{[]byte("from scs"), time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.Collection("Sessions").Doc(expired).Set(ctx, scsDoc{[]byte("old"), time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	b, found, err := s.Find(live)
	if err != nil || !found || string(b) != "from scs" {
		t.Fatalf("Find(SCS document) = %q, %v, %v; want %q, true, nil", b, found, err, "from scs")
	}
	if _, found, err := s.Find(expired); err != nil || found {
		t.Fatalf("Find(expired SCS document) = %v, %v; want false, nil", found, err)
	}
	all, err := s.All()
	if err != nil || len(all) != 1 || string(all[live]) != "from scs" {
		t.Fatalf("All = %q, %v; want only the live SCS session", all, err)
	}
}

// TestWritesSCSDocuments checks the exact document Commit writes: ID = token,
// fields Data (bytes) and Expiry (timestamp) and nothing else.
func TestWritesSCSDocuments(t *testing.T) {
	s := newStore(t, Config{})
	tok := storetest.Token(t)
	expiry := time.Date(2099, 1, 2, 3, 4, 5, 678901000, time.UTC)
	if err := s.Commit(tok, []byte("to scs"), expiry); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Client.Collection("Sessions").Doc(tok).Get(context.Background())
	if err != nil {
		t.Fatalf("get the committed document: %v", err)
	}
	fields := snap.Data()
	if len(fields) != 2 {
		t.Errorf("document fields = %v, want exactly Data and Expiry", fields)
	}
	if b, ok := fields["Data"].([]byte); !ok || string(b) != "to scs" {
		t.Errorf("Data = %#v, want the bytes %q", fields["Data"], "to scs")
	}
	if e, ok := fields["Expiry"].(time.Time); !ok || !e.Equal(expiry) {
		t.Errorf("Expiry = %#v, want the timestamp %v", fields["Expiry"], expiry)
	}

	// An empty payload is stored as empty bytes, not as null.
	if err := s.Commit(tok, nil, expiry); err != nil {
		t.Fatal(err)
	}
	snap, err = s.Client.Collection("Sessions").Doc(tok).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := snap.Data()["Data"].([]byte); !ok || len(b) != 0 {
		t.Errorf("Data of a nil payload = %#v, want empty bytes", snap.Data()["Data"])
	}
}

// TestReservedTokens covers tokens that Firestore would refuse as document
// IDs because they start and end with "__".
func TestReservedTokens(t *testing.T) {
	s := newStore(t, Config{})
	tok := "__" + storetest.Token(t)[:39] + "__"
	if err := s.Commit(tok, []byte("reserved"), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("Commit(%s): %v", tok, err)
	}
	if b, found, err := s.Find(tok); err != nil || !found || string(b) != "reserved" {
		t.Fatalf("Find(%s) = %q, %v, %v", tok, b, found, err)
	}
	if _, err := s.Sessions.Doc(reservedPrefix + tok).Get(context.Background()); err != nil {
		t.Fatalf("no document %s%s: %v", reservedPrefix, tok, err)
	}
	all, err := s.All()
	if err != nil || string(all[tok]) != "reserved" || len(all) != 1 {
		t.Fatalf("All = %q, %v; want the reserved token's session under its token", all, err)
	}
	if err := s.Delete(tok); err != nil {
		t.Fatal(err)
	}
	if stored(t, s, tok) {
		t.Fatal("Delete left the document of a reserved token")
	}
}

// TestInvalidTokens checks that tokens no document can have (a tampered
// cookie) are not found and not stored, without a round trip.
func TestInvalidTokens(t *testing.T) {
	s := newStore(t, Config{})
	for _, tok := range []string{"", "a/b", ".", "..", "\xff", strings.Repeat("a", 1501)} {
		if b, found, err := s.Find(tok); err != nil || found || b != nil {
			t.Errorf("Find(%.20q) = %q, %v, %v; want nil, false, nil", tok, b, found, err)
		}
		if err := s.Delete(tok); err != nil {
			t.Errorf("Delete(%.20q) = %v, want nil", tok, err)
		}
		if err := s.Commit(tok, []byte("x"), time.Now().Add(time.Minute)); err == nil {
			t.Errorf("Commit(%.20q) succeeded, want an error", tok)
		}
	}
}

func TestDocIDRoundTrip(t *testing.T) {
	for _, tok := range []string{storetest.Token(t), "__abc__", "____", "___", "__", "~__abc__", "_x_"} {
		id, ok := docID(tok)
		if !ok {
			t.Errorf("docID(%q) is not valid", tok)
			continue
		}
		if reserved(id) {
			t.Errorf("docID(%q) = %q, a reserved ID", tok, id)
		}
		if got := tokenOf(id); got != tok && !strings.HasPrefix(tok, reservedPrefix) {
			t.Errorf("tokenOf(docID(%q)) = %q", tok, got)
		}
	}
}

// TestCleanupDeletesInBatches checks that one cleanup run deletes more
// expired sessions than fit in one transaction, and nothing live.
func TestCleanupDeletesInBatches(t *testing.T) {
	s := newStore(t, Config{})
	ctx := context.Background()
	n := deleteBatch + 20
	expired := make([]string, n)
	for i := range expired {
		expired[i] = storetest.Token(t)
		if err := s.Commit(expired[i], []byte("old"), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	live := storetest.Token(t)
	if err := s.Commit(live, []byte("live"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.deleteExpired(ctx); err != nil {
		t.Fatalf("deleteExpired: %v", err)
	}
	docs, err := s.Sessions.Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Ref.ID != live {
		t.Fatalf("after cleanup %d documents are left, want only the live one", len(docs))
	}
}

func TestCleanupCancelled(t *testing.T) {
	s := newStore(t, Config{})
	tok := storetest.Token(t)
	if err := s.Commit(tok, []byte("old"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.deleteExpired(ctx); err == nil {
		t.Error("deleteExpired with a cancelled context returned no error")
	}
	if !stored(t, s, tok) {
		t.Error("deleteExpired with a cancelled context deleted a document")
	}
}

func TestFindReturnsStoredBytes(t *testing.T) {
	s := newStore(t, Config{})
	tok := storetest.Token(t)
	want := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)
	if err := s.Commit(tok, want, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	b, found, err := s.Find(tok)
	if err != nil || !found || !bytes.Equal(b, want) {
		t.Fatalf("Find = %d bytes, %v, %v", len(b), found, err)
	}
}

// BenchmarkFind measures one Find of a small live session.
func BenchmarkFind(b *testing.B) {
	kvtest.BenchmarkFind(b, newStore(b, Config{}), bytes.Repeat([]byte("x"), 256))
}

// BenchmarkCommit measures one Commit of a small session.
func BenchmarkCommit(b *testing.B) {
	kvtest.BenchmarkCommit(b, newStore(b, Config{}), bytes.Repeat([]byte("x"), 256))
}

// TestOversizedSessionKeepsOldOne checks through HTTP requests that a
// session over the document limit is refused before writing, with
// scs.ErrPayloadTooLarge, and the session saved before stays intact.
func TestOversizedSessionKeepsOldOne(t *testing.T) {
	storetest.OversizedSession(t, newStore(t, Config{}), maxPayload)
}
