package bench

import (
	"bytes"
	"database/sql"
	"testing"
	"time"

	scspostgres "github.com/alexedwards/scs/postgresstore"
	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/gomodule/redigo/redis"
	_ "github.com/lib/pq"
	"github.com/seed3bbca6c1/scs/postgresstore"
	"github.com/seed3bbca6c1/scs/redisstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// store is the part of a session store the round-trip benchmarks use.
type store interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
}

// roundTripStores returns ours and SCS v2's PostgreSQL and Redis stores on
// the local test servers, by name, sharing one connection pool per server.
func roundTripStores(b *testing.B) []struct {
	name string
	s    store
} {
	dsn := storetest.Server(b, "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", nil)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		b.Skipf("PostgreSQL (SCS_POSTGRES_TEST_DSN) does not answer: %v", err)
	}
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry)`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	addr := storetest.Server(b, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", storetest.Dial)
	pool := &redis.Pool{MaxIdle: 8, Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
	b.Cleanup(func() { pool.Close() })
	return []struct {
		name string
		s    store
	}{
		{"postgres-ours", postgresstore.NewWithCleanupInterval(db, 0)},
		{"postgres-scs", scspostgres.NewWithCleanupInterval(db, 0)},
		{"redis-ours", redisstore.New(pool)},
		{"redis-scs", scsredis.New(pool)},
	}
}

// storePayload is a session of the read scenario, as the codec encodes it.
func storePayload(b *testing.B) []byte {
	p, err := codecPayload()
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkStoreFind(b *testing.B) {
	payload := storePayload(b)
	for _, st := range roundTripStores(b) {
		b.Run(st.name, func(b *testing.B) {
			tok := storetest.Token(b)
			if err := st.s.Commit(tok, payload, time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			if got, found, err := st.s.Find(tok); err != nil || !found || !bytes.Equal(got, payload) {
				b.Fatalf("Find after Commit = %v, %v", found, err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := st.s.Find(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStoreCommit(b *testing.B) {
	payload := storePayload(b)
	for _, st := range roundTripStores(b) {
		b.Run(st.name, func(b *testing.B) {
			tok := storetest.Token(b)
			expiry := time.Now().Add(time.Hour)
			for b.Loop() {
				if err := st.s.Commit(tok, payload, expiry); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
