package goredisstore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/goredisstore"
)

func Example() {
	addr := os.Getenv("SCS_REDIS_TEST_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()

	// Sessions live under "scs:session:<token>" and expire with Redis's own
	// key expiry. For a Cluster or Sentinel, pass any redis.UniversalClient
	// to goredisstore.NewUniversal instead.
	store := goredisstore.New(client)
	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from Redis!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	handler := sessionManager.LoadAndSave(mux)

	// The first request stores a value; the second sends the session
	// cookie back and reads the value from Redis.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest(http.MethodGet, "/put", nil))
	cookie := put.Result().Cookies()[0]
	defer store.Delete(cookie.Value)

	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	req.AddCookie(cookie)
	get := httptest.NewRecorder()
	handler.ServeHTTP(get, req)
	fmt.Println(get.Body.String())
	// Output: Hello from Redis!
}
