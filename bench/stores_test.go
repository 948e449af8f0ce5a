package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	scspostgres "github.com/alexedwards/scs/postgresstore"
	scsredis "github.com/alexedwards/scs/redisstore"
	_ "github.com/go-sql-driver/mysql"
	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/lib/pq"
	goredis "github.com/redis/go-redis/v9"
	"github.com/seed3bbca6c1/scs/goredisstore"
	"github.com/seed3bbca6c1/scs/internal/testenv"
	"github.com/seed3bbca6c1/scs/mysqlstore"
	"github.com/seed3bbca6c1/scs/pgxstore"
	"github.com/seed3bbca6c1/scs/postgresstore"
	"github.com/seed3bbca6c1/scs/redisstore"
	"github.com/seed3bbca6c1/scs/storetest"
)

// store is the part of a session store the round-trip benchmarks use.
type store interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
}

// storeCase is one store, or the raw driver, on one engine. Benchmarks are
// named <driver>/<who>, who being ours, scs (SCS v2's store, where the
// bench module has it) or raw: the driver alone, issuing the one command
// the store needs, which is the floor a store can reach.
type storeCase struct {
	driver, who string
	s           store
}

// The statements the SQL stores send, which their raw cases send too.
const (
	pgFind      = "SELECT data FROM sessions WHERE token = $1 AND expiry > current_timestamp"
	pgCommit    = "INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry"
	mysqlFind   = "SELECT data FROM sessions WHERE token = ? AND CAST(token AS BINARY) = ? AND expiry > UTC_TIMESTAMP(6)"
	mysqlCommit = "INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE data = VALUES(data), expiry = VALUES(expiry)"
)

// postgresDSN returns the DSN of the local PostgreSQL test server, with
// SCS's sessions table created.
func postgresDSN(b testing.TB) string {
	dsn := testenv.Server(b, "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", nil)
	db := openSQL(b, "postgres", dsn, "PostgreSQL (SCS_POSTGRES_TEST_DSN)")
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry)`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	return dsn
}

// openSQL opens a database/sql pool, closed when the benchmark ends, and
// skips (fails in CI) when the server does not answer.
func openSQL(b testing.TB, driver, dsn, what string) *sql.DB {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		if testenv.InCI() {
			b.Fatalf("%s does not answer: %v", what, err)
		}
		b.Skipf("%s does not answer: %v", what, err)
	}
	return db
}

// mysqlDB returns a pool on the local MySQL or MariaDB test server, with
// mysqlstore's sessions table created.
func mysqlDB(b testing.TB) *sql.DB {
	dsn := testenv.Server(b, "SCS_MYSQL_TEST_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true", nil)
	db := openSQL(b, "mysql", dsn, "MySQL (SCS_MYSQL_TEST_DSN)")
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS sessions (token CHAR(43) PRIMARY KEY, data BLOB NOT NULL, expiry TIMESTAMP(6) NOT NULL, INDEX sessions_expiry_idx (expiry))`); err != nil {
		b.Fatal(err)
	}
	return db
}

// redigoPool returns a redigo pool on the local Redis test server.
func redigoPool(b testing.TB) *redis.Pool {
	addr := testenv.Server(b, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
	pool := &redis.Pool{MaxIdle: 64, Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
	b.Cleanup(func() { pool.Close() })
	return pool
}

// goredisClient returns a go-redis client on the local Redis test server.
func goredisClient(b testing.TB) *goredis.Client {
	addr := testenv.Server(b, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	b.Cleanup(func() { c.Close() })
	return c
}

// storeCases returns every store case, sharing one pool per engine and
// driver. Each engine's cases come only if its server answers.
func storeCases(b testing.TB) []storeCase {
	pool := redigoPool(b)
	grc := goredisClient(b)

	pgdsn := postgresDSN(b)
	pq := openSQL(b, "postgres", pgdsn, "PostgreSQL (SCS_POSTGRES_TEST_DSN)")
	pgx, err := pgxpool.New(context.Background(), pgdsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pgx.Close)

	my := mysqlDB(b)

	return []storeCase{
		{"redigo", "ours", redisstore.New(pool)},
		{"redigo", "scs", scsredis.New(pool)},
		{"redigo", "raw", rawRedigo{pool}},
		{"goredis", "ours", goredisstore.New(grc)},
		{"goredis", "raw", rawGoredis{grc}},
		{"pq", "ours", postgresstore.NewWithCleanupInterval(pq, 0)},
		{"pq", "scs", scspostgres.NewWithCleanupInterval(pq, 0)},
		{"pq", "raw", rawSQL{pq, pgFind, pgCommit, false}},
		{"pgx", "ours", pgxstore.NewWithCleanupInterval(pgx, 0)},
		{"pgx", "raw", rawPgx{pgx}},
		{"mysql", "ours", mysqlstore.NewWithCleanupInterval(my, 0)},
		{"mysql", "raw", rawSQL{my, mysqlFind, mysqlCommit, true}},
	}
}

// rawRedigo is redigo alone: GET, and SET with PXAT.
type rawRedigo struct{ pool *redis.Pool }

func (r rawRedigo) Find(token string) ([]byte, bool, error) {
	c := r.pool.Get()
	defer c.Close()
	b, err := redis.Bytes(c.Do("GET", "scs:session:"+token))
	if errors.Is(err, redis.ErrNil) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (r rawRedigo) Commit(token string, b []byte, expiry time.Time) error {
	c := r.pool.Get()
	defer c.Close()
	_, err := c.Do("SET", "scs:session:"+token, b, "PXAT", expiry.UnixMilli())
	return err
}

// rawGoredis is go-redis alone: GET, and SET with PXAT.
type rawGoredis struct{ c *goredis.Client }

func (r rawGoredis) Find(token string) ([]byte, bool, error) {
	b, err := r.c.Get(context.Background(), "scs:session:"+token).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (r rawGoredis) Commit(token string, b []byte, expiry time.Time) error {
	return r.c.SetArgs(context.Background(), "scs:session:"+token, b, goredis.SetArgs{ExpireAt: expiry}).Err()
}

// rawSQL is a database/sql driver alone, sending the store's statements.
type rawSQL struct {
	db             *sql.DB
	find, commit   string
	tokenTwiceFind bool // mysqlstore's Find compares the token twice
}

func (r rawSQL) Find(token string) (b []byte, found bool, err error) {
	var row *sql.Row
	if r.tokenTwiceFind {
		row = r.db.QueryRowContext(context.Background(), r.find, token, token)
	} else {
		row = r.db.QueryRowContext(context.Background(), r.find, token)
	}
	err = row.Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (r rawSQL) Commit(token string, b []byte, expiry time.Time) error {
	if r.tokenTwiceFind { // MySQL: the store truncates to the column's microseconds
		expiry = expiry.UTC().Truncate(time.Microsecond)
	}
	_, err := r.db.ExecContext(context.Background(), r.commit, token, b, expiry)
	return err
}

// rawPgx is pgx alone, sending the store's statements.
type rawPgx struct{ pool *pgxpool.Pool }

func (r rawPgx) Find(token string) (b []byte, found bool, err error) {
	err = r.pool.QueryRow(context.Background(), pgFind, token).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (r rawPgx) Commit(token string, b []byte, expiry time.Time) error {
	_, err := r.pool.Exec(context.Background(), pgCommit, token, b, expiry)
	return err
}

// storePayload is a session of the read scenario, as the codec encodes it.
func storePayload(b testing.TB) []byte {
	p, err := codecPayload()
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkStoreFind reads one session per iteration; the raw cases read
// it with the driver alone.
func BenchmarkStoreFind(b *testing.B) {
	payload := storePayload(b)
	for _, st := range storeCases(b) {
		b.Run(st.driver+"/"+st.who, func(b *testing.B) {
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

// BenchmarkStoreCommit writes one session per iteration; the raw cases
// write it with the driver alone.
func BenchmarkStoreCommit(b *testing.B) {
	payload := storePayload(b)
	for _, st := range storeCases(b) {
		b.Run(st.driver+"/"+st.who, func(b *testing.B) {
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

// TestStoreCases checks, once and without timing, that every case of the
// store benchmarks reads back what it wrote, and that the raw cases keep the
// stores' layout: what a raw case writes, the store of its driver reads.
func TestStoreCases(t *testing.T) {
	payload := storePayload(t)
	cases := storeCases(t)
	ours := map[string]store{}
	for _, st := range cases {
		if st.who == "ours" {
			ours[st.driver] = st.s
		}
	}
	for _, st := range cases {
		tok := storetest.Token(t)
		if err := st.s.Commit(tok, payload, time.Now().Add(time.Minute)); err != nil {
			t.Fatalf("%s/%s: Commit: %v", st.driver, st.who, err)
		}
		for _, s := range []store{st.s, ours[st.driver]} {
			if got, found, err := s.Find(tok); err != nil || !found || !bytes.Equal(got, payload) {
				t.Fatalf("%s/%s: Find after Commit = %v, %v", st.driver, st.who, found, err)
			}
		}
	}
}
