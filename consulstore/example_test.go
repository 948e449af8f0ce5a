package consulstore_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/hashicorp/consul/api"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/consulstore"
)

func Example() {
	// Connect to the Consul agent: api.DefaultConfig reads CONSUL_HTTP_ADDR
	// and the other CONSUL_* variables, and defaults to 127.0.0.1:8500.
	cfg := api.DefaultConfig()
	if addr := os.Getenv("SCS_CONSUL_TEST_ADDR"); addr != "" {
		cfg.Address = addr
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}

	// Keep the sessions in Consul's KV store under "scs:session:".
	store := consulstore.New(client)
	defer store.StopCleanup()
	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from Consul!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	srv := httptest.NewServer(sessionManager.LoadAndSave(mux))
	defer srv.Close()

	// A first request stores a value, a second one with the cookie reads it.
	res, err := http.Get(srv.URL + "/put")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	cookie := res.Cookies()[0]
	defer store.Delete(cookie.Value)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/get", nil)
	req.AddCookie(cookie)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(string(body))
	// Output: Hello from Consul!
}
