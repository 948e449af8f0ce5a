package etcdstore_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/etcdstore"
)

func Example() {
	endpoints := os.Getenv("SCS_ETCD_TEST_ENDPOINTS")
	if endpoints == "" {
		endpoints = "127.0.0.1:2379"
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(endpoints, ","),
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// Sessions live under "scs:session:<token>", each attached to a lease
	// that ends at the session's expiry.
	store := etcdstore.New(client)
	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from etcd!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	handler := sessionManager.LoadAndSave(mux)

	// The first request stores a value; the second sends the session
	// cookie back and reads the value from etcd.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest(http.MethodGet, "/put", nil))
	cookie := put.Result().Cookies()[0]
	defer store.Delete(cookie.Value)

	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	req.AddCookie(cookie)
	get := httptest.NewRecorder()
	handler.ServeHTTP(get, req)
	fmt.Println(get.Body.String())
	// Output: Hello from etcd!
}
