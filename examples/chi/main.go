// Command chi shows sessions with the go-chi/chi router. chi middleware is
// plain func(http.Handler) http.Handler, so sessionManager.LoadAndSave is
// chi middleware as it is: r.Use it, for the whole router or for a group.
// This program is a module of its own, so that chi is not a dependency of
// the scs module.
//
//	go run -C examples/chi .
//	curl -i --cookie-jar cj --cookie cj -X POST localhost:4000/cart/apple
//	curl -i --cookie-jar cj --cookie cj localhost:4000/cart
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/seed3bbca6c1/scs"
)

func main() {
	addr := flag.String("addr", ":4000", "address to listen on")
	flag.Parse()

	sessionManager := scs.New()
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, newRouter(sessionManager)))
}

// newRouter keeps a shopping cart in the session: POST /cart/{item} adds
// one, GET /cart lists them, DELETE /cart empties it. /health has no session:
// LoadAndSave applies only to the /cart group.
func newRouter(sessionManager *scs.SessionManager) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Get("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	r.Route("/cart", func(r chi.Router) {
		r.Use(sessionManager.LoadAndSave)
		r.Post("/{item}", func(w http.ResponseWriter, r *http.Request) {
			cart, _ := sessionManager.Get(r.Context(), "cart").([]string)
			sessionManager.Put(r.Context(), "cart", append(cart, chi.URLParam(r, "item")))
			w.WriteHeader(http.StatusNoContent)
		})
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			cart, _ := sessionManager.Get(r.Context(), "cart").([]string)
			fmt.Fprintln(w, strings.Join(cart, ","))
		})
		r.Delete("/", func(w http.ResponseWriter, r *http.Request) {
			sessionManager.Remove(r.Context(), "cart")
			w.WriteHeader(http.StatusNoContent)
		})
	})
	return r
}
