package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/seed3bbca6c1/scs/internal/testenv"
)

// TestOtherStoresLogInAndOutEverywhere runs the login and "log out
// everywhere" flow on the stores the -store flag picks besides SQLite, on
// the test servers (SCS_POSTGRES_TEST_DSN, SCS_REDIS_TEST_ADDR), each in a
// schema or key prefix of its own.
func TestOtherStoresLogInAndOutEverywhere(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		dsn := testenv.Server(t, "SCS_POSTGRES_TEST_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", pingPostgres)
		schema := "webapp_" + rand.Text()[:10]
		admin, err := pgxpool.New(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec(context.Background(), fmt.Sprintf("CREATE SCHEMA %s", schema)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec(context.Background(), fmt.Sprintf("DROP SCHEMA %s CASCADE", schema)) })
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		logInAndOutEverywhere(t, storeConfig{kind: "postgres", dsn: u.String()})
	})
	t.Run("redis", func(t *testing.T) {
		addr := testenv.Server(t, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
		logInAndOutEverywhere(t, storeConfig{kind: "redis", redisAddr: addr, redisPrefix: "webapp:" + rand.Text()[:10] + ":"})
	})
}

func pingPostgres(dsn string) error {
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	return pool.Ping(context.Background())
}

func logInAndOutEverywhere(t *testing.T, c storeConfig) {
	srv, _ := startAppWith(t, c)
	laptop, phone := newVisitor(t, srv.URL), newVisitor(t, srv.URL)
	laptop.ua = uaFirefoxWindows
	laptop.login("alice", "wonderland")
	phone.login("alice", "wonderland")
	if resp, _ := phone.do("GET", "/account", nil); resp.StatusCode != 200 {
		t.Fatalf("/account after login: %d", resp.StatusCode)
	}
	// The Devices page: the phone's own session once, the laptop's under
	// its label. (A test server may hold other runs' sessions of alice.)
	current, labelled := 0, 0
	for _, r := range phone.devices() {
		if r.current {
			current++
		} else if r.label == "Firefox on Windows" {
			labelled++
		}
	}
	if current != 1 || labelled < 1 {
		t.Errorf("devices: %d current, %d of the laptop; want 1, at least 1", current, labelled)
	}
	resp, _ := laptop.do("POST", "/logout-everywhere", url.Values{"csrf_token": {laptop.csrf("/account")}})
	if resp.StatusCode != 303 {
		t.Fatalf("logout-everywhere: %d", resp.StatusCode)
	}
	if resp, _ := phone.do("GET", "/account", nil); resp.StatusCode != 303 {
		t.Errorf("the phone is still logged in: %d", resp.StatusCode)
	}
}
