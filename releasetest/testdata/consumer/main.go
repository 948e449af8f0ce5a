// Command consumer is the program the release test builds outside the
// repository: it imports the core and every store at a released version,
// with no replace directive, and prints one line per package. Stores over an
// embedded engine save and find a session; stores over a server are
// constructed on a client that has not connected yet.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	gcfirestore "cloud.google.com/go/firestore"
	"github.com/dgraph-io/badger/v4"
	_ "github.com/go-sql-driver/mysql"
	"github.com/gomodule/redigo/redis"
	"github.com/hashicorp/consul/api"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/lib/pq"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/microsoft/go-mssqldb"
	goredis "github.com/redis/go-redis/v9"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/tidwall/buntdb"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"go.etcd.io/bbolt"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.uber.org/zap"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/badgerstore"
	"github.com/seed3bbca6c1/scs/boltstore"
	"github.com/seed3bbca6c1/scs/bunstore"
	"github.com/seed3bbca6c1/scs/buntdbstore"
	"github.com/seed3bbca6c1/scs/cockroachdbstore"
	"github.com/seed3bbca6c1/scs/consulstore"
	"github.com/seed3bbca6c1/scs/etcdstore"
	"github.com/seed3bbca6c1/scs/firestore"
	"github.com/seed3bbca6c1/scs/goredisstore"
	"github.com/seed3bbca6c1/scs/gormstore"
	"github.com/seed3bbca6c1/scs/leveldbstore"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/mongodbstore"
	"github.com/seed3bbca6c1/scs/mssqlstore"
	"github.com/seed3bbca6c1/scs/mysqlstore"
	"github.com/seed3bbca6c1/scs/pgxstore"
	"github.com/seed3bbca6c1/scs/postgresstore"
	"github.com/seed3bbca6c1/scs/redisstore"
	"github.com/seed3bbca6c1/scs/sqlite3store"
)

func main() {
	dir, err := os.MkdirTemp("", "consumer")
	check("tempdir", err)
	defer os.RemoveAll(dir)
	path := func(name string) string { return filepath.Join(dir, name) }

	core()

	// Embedded engines: save a session and find it again.
	bdb, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	check("badger", err)
	defer bdb.Close()
	roundTrip("badgerstore", badgerstore.New(bdb))

	bolt, err := bbolt.Open(path("bolt.db"), 0o600, nil)
	check("bbolt", err)
	defer bolt.Close()
	roundTrip("boltstore", boltstore.NewWithCleanupInterval(bolt, 0))

	bunt, err := buntdb.Open(":memory:")
	check("buntdb", err)
	defer bunt.Close()
	roundTrip("buntdbstore", buntdbstore.New(bunt))

	ldb, err := leveldb.Open(storage.NewMemStorage(), nil)
	check("leveldb", err)
	defer ldb.Close()
	roundTrip("leveldbstore", leveldbstore.NewWithCleanupInterval(ldb, 0))

	lite := openSQL("sqlite3", path("sqlite3store.db"))
	_, err = lite.Exec(`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)`)
	check("sqlite3store table", err)
	roundTrip("sqlite3store", sqlite3store.NewWithCleanupInterval(lite, 0))

	gdb, err := gorm.Open(sqlite.Open(path("gormstore.db")), &gorm.Config{Logger: logger.Discard})
	check("gorm", err)
	gs, err := gormstore.NewWithCleanupInterval(gdb, 0)
	check("gormstore", err)
	roundTrip("gormstore", gs)

	bs, err := bunstore.NewWithCleanupInterval(bun.NewDB(openSQL("sqlite3", path("bunstore.db")), sqlitedialect.New()), 0)
	check("bunstore", err)
	roundTrip("bunstore", bs)

	// Server engines: clients that connect on first use, so nothing is dialled.
	constructed("postgresstore", postgresstore.NewWithCleanupInterval(openSQL("postgres", "postgres://127.0.0.1:1/none"), 0))
	constructed("cockroachdbstore", cockroachdbstore.NewWithCleanupInterval(openSQL("postgres", "postgres://127.0.0.1:1/none"), 0))
	constructed("mysqlstore", mysqlstore.NewWithCleanupInterval(openSQL("mysql", "root@tcp(127.0.0.1:1)/none?parseTime=true"), 0))
	constructed("mssqlstore", mssqlstore.NewWithCleanupInterval(openSQL("sqlserver", "sqlserver://127.0.0.1:1?database=none"), 0))

	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/none")
	check("pgxpool", err)
	defer pool.Close()
	constructed("pgxstore", pgxstore.NewWithCleanupInterval(pool, 0))

	constructed("redisstore", redisstore.New(&redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", "127.0.0.1:1") }}))

	rc := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer rc.Close()
	constructed("goredisstore", goredisstore.New(rc))

	ec, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:1"}, Logger: zap.NewNop()})
	check("etcd client", err)
	defer ec.Close()
	constructed("etcdstore", etcdstore.New(ec))

	cc, err := api.NewClient(&api.Config{Address: "127.0.0.1:1"})
	check("consul client", err)
	constructed("consulstore", consulstore.NewWithOptions(cc, 0, "scs:session:"))

	mc, err := mongo.Connect(context.Background(), options.Client().ApplyURI("mongodb://127.0.0.1:1"))
	check("mongo client", err)
	defer mc.Disconnect(context.Background())
	constructed("mongodbstore", mongodbstore.NewWithCleanupInterval(mc.Database("none"), 0))

	// The Firestore client needs no credentials when it talks to an emulator.
	check("setenv", os.Setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1"))
	fc, err := gcfirestore.NewClient(context.Background(), "none")
	check("firestore client", err)
	defer fc.Close()
	constructed("firestore", firestore.NewWithCleanupInterval(fc, 0))
}

// core runs a request that puts a value into a memstore session and a second
// one that reads it back through the cookie the first one set.
func core() {
	sm := scs.New()
	sm.Store = memstore.NewWithCleanupInterval(0)
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/put" {
			sm.Put(r.Context(), "greeting", "hello")
			return
		}
		fmt.Fprint(w, sm.GetString(r.Context(), "greeting"))
	}))
	put := httptest.NewRecorder()
	h.ServeHTTP(put, httptest.NewRequest("GET", "/put", nil))
	get := httptest.NewRequest("GET", "/get", nil)
	for _, c := range put.Result().Cookies() {
		get.AddCookie(c)
	}
	got := httptest.NewRecorder()
	h.ServeHTTP(got, get)
	if got.Body.String() != "hello" {
		fail("scs", fmt.Errorf("second request read %q, want %q", got.Body.String(), "hello"))
	}
	fmt.Println("scs: memstore session carried a value across two requests")
}

// roundTrip commits a session to s and finds it again.
func roundTrip(name string, s scs.Store) {
	token, data := "consumer-"+name, []byte("payload of "+name)
	check(name+" commit", s.Commit(token, data, time.Now().Add(time.Hour)))
	b, found, err := s.Find(token)
	check(name+" find", err)
	if !found || !bytes.Equal(b, data) {
		fail(name, fmt.Errorf("find = %q, %v; want %q, true", b, found, data))
	}
	fmt.Printf("%s: %T committed and found a session\n", name, s)
}

// constructed reports a store built on a client that has not connected.
func constructed(name string, s scs.Store) {
	fmt.Printf("%s: %T constructed\n", name, s)
}

func openSQL(driver, dsn string) *sql.DB {
	db, err := sql.Open(driver, dsn)
	check(driver, err)
	return db
}

func check(what string, err error) {
	if err != nil {
		fail(what, err)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "consumer: %s: %v\n", what, err)
	os.Exit(1)
}
