package bench

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	scspostgres "github.com/alexedwards/scs/postgresstore"
	scsredis "github.com/alexedwards/scs/redisstore"
	scsv2 "github.com/alexedwards/scs/v2"
	scsmemstore "github.com/alexedwards/scs/v2/memstore"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/goredisstore"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/mysqlstore"
	"github.com/seed3bbca6c1/scs/pgxstore"
	"github.com/seed3bbca6c1/scs/postgresstore"
	"github.com/seed3bbca6c1/scs/redisstore"
)

// The idle settings of the writes comparison: sessions stay alive for 30
// minutes after their last use, and ours refresh that in the store at most
// once a minute.
const (
	idleTimeout         = 30 * time.Minute
	idleRefreshInterval = time.Minute
)

// counter counts a store's writes (Commit calls).
type counter struct{ writes atomic.Int64 }

// countingStore is a store that counts its Commits and keeps FindExpiry,
// which ours need to skip writes.
type countingStore struct {
	scs.Store
	scs.ExpiryStore
	*counter
}

func (c countingStore) Find(token string) ([]byte, bool, error) { return c.Store.Find(token) }

func (c countingStore) Commit(token string, b []byte, expiry time.Time) error {
	c.writes.Add(1)
	return c.Store.Commit(token, b, expiry)
}

// countingV2 is countingStore for SCS v2's stores.
type countingV2 struct {
	scsv2.Store
	*counter
}

func (c countingV2) Commit(token string, b []byte, expiry time.Time) error {
	c.writes.Add(1)
	return c.Store.Commit(token, b, expiry)
}

// idleCase is one library on one store, serving read-only requests with an
// idle timeout.
type idleCase struct {
	store, who string
	get        http.Handler // reads the five values
	seed       http.Handler // creates the session
	n          *counter
}

// ours builds an idleCase of this library on s, which must implement
// scs.ExpiryStore.
func idleOurs(name string, s interface {
	scs.Store
	scs.ExpiryStore
}) idleCase {
	n := &counter{}
	m := scs.New()
	m.Store = countingStore{s, s, n}
	m.IdleTimeout, m.IdleRefreshInterval = idleTimeout, idleRefreshInterval
	l := scsLike("ours", m, nil)
	return idleCase{name, "ours", l.get, l.seed, n}
}

func idleSCS(name string, s scsv2.Store) idleCase {
	n := &counter{}
	m := scsv2.New()
	m.Store = countingV2{s, n}
	m.IdleTimeout = idleTimeout
	l := scsLike("scs", m, nil)
	return idleCase{name, "scs", l.get, l.seed, n}
}

// idleCases returns ours and, where the bench module has it, SCS v2 on each
// store the bench module reaches.
func idleCases(b testing.TB) []idleCase {
	pool := redigoPool(b)
	pq := openSQL(b, "postgres", postgresDSN(b), "PostgreSQL (SCS_POSTGRES_TEST_DSN)")
	pgx, err := pgxpool.New(b.Context(), postgresDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pgx.Close)
	mem, scsMem := memstore.NewWithCleanupInterval(0), scsmemstore.NewWithCleanupInterval(0)
	cases := []idleCase{
		idleOurs("memstore", mem),
		idleSCS("memstore", scsMem),
		idleOurs("redisstore", redisstore.New(pool)),
		idleSCS("redisstore", scsredis.New(pool)),
		idleOurs("goredisstore", goredisstore.New(goredisClient(b))),
		idleOurs("postgresstore", postgresstore.NewWithCleanupInterval(pq, 0)),
		idleSCS("postgresstore", scspostgres.NewWithCleanupInterval(pq, 0)),
		idleOurs("pgxstore", pgxstore.NewWithCleanupInterval(pgx, 0)),
	}
	return append(cases, idleOurs("mysqlstore", mysqlstore.NewWithCleanupInterval(mysqlDB(b), 0)))
}

// BenchmarkIdleRead serves read-only requests of one session with
// IdleTimeout 30 minutes, ours with IdleRefreshInterval one minute, and
// reports the store writes per 1,000 requests next to the time per request.
// SCS v2 writes on every request; ours write when the stored expiry is a
// minute behind, which a run of a few seconds never reaches.
func BenchmarkIdleRead(b *testing.B) {
	for _, c := range idleCases(b) {
		b.Run(c.store+"/"+c.who, func(b *testing.B) {
			ck := seededWith(b, c.seed)
			c.n.writes.Store(0)
			for b.Loop() {
				serve(c.get, request(ck))
			}
			b.ReportMetric(float64(c.n.writes.Load())*1000/float64(b.N), "writes/1k-req")
		})
	}
}

// TestIdleReadWrites checks what BenchmarkIdleRead reports: 100 read-only
// requests right after a session is created write it 100 times with SCS
// v2 and never with ours.
func TestIdleReadWrites(t *testing.T) {
	for _, c := range idleCases(t) {
		ck := seededWith(t, c.seed)
		c.n.writes.Store(0)
		for range 100 {
			if w := serve(c.get, request(ck)); w.Code != http.StatusOK {
				t.Fatalf("%s/%s: status %d", c.store, c.who, w.Code)
			}
		}
		want := int64(0)
		if c.who == "scs" {
			want = 100
		}
		if got := c.n.writes.Load(); got != want {
			t.Errorf("%s/%s: %d store writes for 100 read-only requests, want %d", c.store, c.who, got, want)
		}
	}
}
