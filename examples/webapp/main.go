// Command webapp is a small but complete web application on scs sessions, to
// copy from: log in (with a new token, and "remember me"), log out, log out
// everywhere, a Devices page to sign out any one session, flash messages, CSRF-safe forms and private pages that
// browsers do not cache.
//
//	go run -C examples/webapp .                    # SQLite, in the user's cache folder
//	go run -C examples/webapp . -store postgres -dsn postgres://postgres@127.0.0.1:5432/postgres
//	go run -C examples/webapp . -store redis -redis 127.0.0.1:6379
//	go run -C examples/webapp . -store cookie      # sessions sealed in the cookie
//
// Then open http://127.0.0.1:4000 and log in as alice / wonderland.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/mattn/go-sqlite3"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cookiestore"
	"github.com/seed3bbca6c1/scs/pgxstore"
	"github.com/seed3bbca6c1/scs/redisstore"
	"github.com/seed3bbca6c1/scs/sqlite3store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4000", "address to listen on")
	store := flag.String("store", "sqlite3", "session store: sqlite3, postgres, redis or cookie")
	cookieKey := flag.String("cookie-key", "", "AES key in hex, 32 bytes (-store cookie; default: a new random key, so sessions end when the server restarts)")
	dbPath := flag.String("db", defaultDBPath(), "SQLite database file (-store sqlite3)")
	dsn := flag.String("dsn", "postgres://postgres@127.0.0.1:5432/postgres", "PostgreSQL URL (-store postgres)")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address (-store redis)")
	redisPrefix := flag.String("redis-prefix", "scs:session:", "Redis key prefix (-store redis)")
	flag.Parse()

	key, err := hex.DecodeString(*cookieKey)
	if err != nil {
		log.Fatalf("webapp: -cookie-key: %v", err)
	}
	if len(key) == 0 {
		key = nil
	}
	sessionManager := scs.New()
	closeStore, err := openStore(sessionManager, storeConfig{*store, *dbPath, *dsn, *redisAddr, *redisPrefix, key})
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()

	srv := &http.Server{
		Addr:              *addr,
		Handler:           newApp(sessionManager, demoUsers()).routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	if *store == "sqlite3" {
		log.Printf("webapp: sessions in %s", *dbPath)
	}
	log.Printf("webapp: %s store, listening on http://%s", *store, *addr)
	log.Fatal(srv.ListenAndServe())
}

// defaultDBPath is where the SQLite database goes unless -db says: in the
// user's cache folder (~/.cache/scs-webapp/webapp.db on Linux), outside the
// repository, so that running the example leaves the working tree clean.
func defaultDBPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "scs-webapp", "webapp.db")
}

// storeConfig is what the flags say about the session store.
type storeConfig struct {
	kind        string // sqlite3, postgres or redis
	dbPath      string // SQLite database file
	dsn         string // PostgreSQL URL
	redisAddr   string // Redis host:port
	redisPrefix string // Redis key prefix
	cookieKey   []byte // AES key of the sealed cookies
}

// openStore opens the session store c names, creating its table where the
// store needs one, sets it as sm's Store (or, for the cookie store, its
// Sealer), and returns a func that closes it.
func openStore(sm *scs.SessionManager, c storeConfig) (func(), error) {
	st, sealer, closeStore, err := openBackend(c)
	if err != nil {
		return nil, err
	}
	if sealer != nil {
		sm.Sealer = sealer
	} else {
		sm.Store = st
	}
	return closeStore, nil
}

// openBackend opens the store, or the sealer, that c names.
func openBackend(c storeConfig) (scs.Store, scs.Sealer, func(), error) {
	switch c.kind {
	case "sqlite3":
		if err := os.MkdirAll(filepath.Dir(c.dbPath), 0o700); err != nil {
			return nil, nil, nil, err
		}
		db, err := sql.Open("sqlite3", c.dbPath)
		if err != nil {
			return nil, nil, nil, err
		}
		if _, err := db.Exec(sqliteSchema); err != nil {
			db.Close()
			return nil, nil, nil, fmt.Errorf("webapp: create sessions table: %w", err)
		}
		if err := migrateSQLite(db); err != nil {
			db.Close()
			return nil, nil, nil, fmt.Errorf("webapp: add the columns of sessions_users: %w", err)
		}
		st := sqlite3store.New(db)
		return st, nil, func() { st.StopCleanup(); db.Close() }, nil
	case "postgres":
		pool, err := pgxpool.New(context.Background(), c.dsn)
		if err != nil {
			return nil, nil, nil, err
		}
		if _, err := pool.Exec(context.Background(), postgresSchema); err != nil {
			pool.Close()
			return nil, nil, nil, fmt.Errorf("webapp: create sessions table: %w", err)
		}
		st := pgxstore.New(pool)
		return st, nil, func() { st.StopCleanup(); pool.Close() }, nil
	case "redis":
		pool := &redis.Pool{
			MaxIdle: 10,
			Dial:    func() (redis.Conn, error) { return redis.Dial("tcp", c.redisAddr) },
		}
		return redisstore.NewWithPrefix(pool, c.redisPrefix), nil, func() { pool.Close() }, nil
	case "cookie":
		key := c.cookieKey
		if key == nil {
			key = make([]byte, 32)
			rand.Read(key)
		}
		st, err := cookiestore.New(key)
		if err != nil {
			return nil, nil, nil, err
		}
		return nil, st, func() {}, nil
	}
	return nil, nil, nil, fmt.Errorf("webapp: unknown -store %q: want sqlite3, postgres, redis or cookie", c.kind)
}

// The tables of sqlite3store and pgxstore, as their READMEs give them. A real
// application creates them with its other migrations.
const (
	sqliteSchema = `CREATE TABLE IF NOT EXISTS sessions (
	token TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry);
CREATE TABLE IF NOT EXISTS sessions_users (
	user_id TEXT NOT NULL,
	token TEXT NOT NULL,
	expiry REAL NOT NULL,
	created INTEGER NOT NULL,
	last_active INTEGER NOT NULL,
	label BLOB NOT NULL,
	PRIMARY KEY (user_id, token)
);`

	postgresSchema = `CREATE TABLE IF NOT EXISTS sessions (
	token TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry);
CREATE TABLE IF NOT EXISTS sessions_users (
	user_id TEXT NOT NULL,
	token TEXT NOT NULL,
	expiry TIMESTAMPTZ NOT NULL,
	created BIGINT NOT NULL,
	last_active BIGINT NOT NULL,
	label BYTEA NOT NULL,
	PRIMARY KEY (user_id, token)
);
ALTER TABLE sessions_users
	ADD COLUMN IF NOT EXISTS created BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS last_active BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS label BYTEA NOT NULL DEFAULT '';`
)

// sqliteIndexColumns are the columns that the index of user sessions gained
// for the Devices page (times and labels), with the statements of
// sqlite3store's README that add them to a table created before; SQLite has
// no ADD COLUMN IF NOT EXISTS. An entry added before then reads as created
// and last active at the Unix epoch, with no label, until its session's
// next save.
var sqliteIndexColumns = []struct{ name, add string }{
	{"created", "ALTER TABLE sessions_users ADD COLUMN created INTEGER NOT NULL DEFAULT 0"},
	{"last_active", "ALTER TABLE sessions_users ADD COLUMN last_active INTEGER NOT NULL DEFAULT 0"},
	{"label", "ALTER TABLE sessions_users ADD COLUMN label BLOB NOT NULL DEFAULT x''"},
}

// migrateSQLite adds to sessions_users the columns it lacks: a database
// that an earlier version of this program created keeps its logins.
func migrateSQLite(db *sql.DB) error {
	rows, err := db.Query("SELECT name FROM pragma_table_info('sessions_users')")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range sqliteIndexColumns {
		if !have[c.name] {
			if _, err := db.Exec(c.add); err != nil {
				return err
			}
		}
	}
	return nil
}
