package mongodbstore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/mongodbstore"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func Example() {
	uri := os.Getenv("SCS_MONGODB_TEST_URI") // e.g. mongodb://127.0.0.1:27017
	if uri == "" {
		uri = "mongodb://127.0.0.1:27017"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	db := client.Database("scs_example")
	defer db.Drop(context.Background())

	store := mongodbstore.New(db)
	defer store.StopCleanup()
	// Optional: a unique index on token and one on expiration.
	if err := store.EnsureIndexes(ctx); err != nil {
		log.Fatal(err)
	}

	sessionManager := scs.New()
	sessionManager.Store = store

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from a session!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	handler := sessionManager.LoadAndSave(mux) // http.ListenAndServe(":4000", handler)

	// Two requests: the first stores a value, the second reads it back with
	// the session cookie the first one set.
	put := httptest.NewRecorder()
	handler.ServeHTTP(put, httptest.NewRequest("GET", "/put", nil))
	get := httptest.NewRequest("GET", "/get", nil)
	for _, c := range put.Result().Cookies() {
		get.AddCookie(c)
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, get)
	fmt.Println(w.Body.String())
	// Output: Hello from a session!
}
