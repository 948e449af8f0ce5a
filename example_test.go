package scs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// serve sends a request with the given cookies through h and returns the
// response's cookies and body.
func serve(h http.Handler, path string, cookies []*http.Cookie) ([]*http.Cookie, string) {
	r := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Result().Cookies(); len(got) > 0 {
		cookies = got
	}
	return cookies, w.Body.String()
}

func ExampleSessionManager_LoadAndSave() {
	sessionManager := scs.New()
	sessionManager.Lifetime = 24 * time.Hour

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "message", "Hello from a session!")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sessionManager.GetString(r.Context(), "message"))
	})
	handler := sessionManager.LoadAndSave(mux) // http.ListenAndServe(":4000", handler)

	cookies, _ := serve(handler, "/put", nil)
	_, body := serve(handler, "/get", cookies)
	fmt.Println(body)
	// Output: Hello from a session!
}

func ExampleSessionManager_RenewToken() {
	sessionManager := scs.New()
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Renew the token on any change of privilege, against session
		// fixation; then make the change.
		if err := sessionManager.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sessionManager.Put(r.Context(), "userID", 123)
	})
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %d", sessionManager.GetInt(r.Context(), "userID"))
	})

	before, _ := serve(sessionManager.LoadAndSave(http.NotFoundHandler()), "/", nil)
	after, _ := serve(sessionManager.LoadAndSave(login), "/login", before)
	_, body := serve(sessionManager.LoadAndSave(whoami), "/", after)
	fmt.Println(body)
	// Output: user 123
}

func ExampleSessionManager_Pop() {
	sessionManager := scs.New()
	mux := http.NewServeMux()
	mux.HandleFunc("/save", func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "flash", "Saved!")
	})
	mux.HandleFunc("/show", func(w http.ResponseWriter, r *http.Request) {
		// A flash message is shown once: Pop reads and removes it.
		fmt.Fprintf(w, "flash: %q", sessionManager.PopString(r.Context(), "flash"))
	})
	h := sessionManager.LoadAndSave(mux)

	cookies, _ := serve(h, "/save", nil)
	cookies, first := serve(h, "/show", cookies)
	_, second := serve(h, "/show", cookies)
	fmt.Println(first)
	fmt.Println(second)
	// Output:
	// flash: "Saved!"
	// flash: ""
}

func ExampleSessionManager_Iterate() {
	sessionManager := scs.New()
	for _, id := range []int{4, 7, 4} {
		ctx, _ := sessionManager.Load(context.Background(), "")
		sessionManager.Put(ctx, "userID", id)
		sessionManager.Commit(ctx)
	}

	// Revoke every session of user 4.
	err := sessionManager.Iterate(context.Background(), func(ctx context.Context) error {
		if sessionManager.GetInt(ctx, "userID") == 4 {
			return sessionManager.Destroy(ctx)
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}

	left := 0
	sessionManager.Iterate(context.Background(), func(ctx context.Context) error {
		left++
		return nil
	})
	fmt.Println(left, "session left")
	// Output: 1 session left
}

func ExampleSessionManager_LoadAndSaveHeader() {
	sessionManager := scs.New()
	api := sessionManager.LoadAndSaveHeader("X-Session-Token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := sessionManager.GetInt(r.Context(), "calls") + 1
		sessionManager.Put(r.Context(), "calls", n)
		fmt.Fprintf(w, "call %d", n)
	}))

	var token string
	for i := 0; i < 2; i++ {
		r := httptest.NewRequest("POST", "/api", nil)
		r.Header.Set("X-Session-Token", token) // the client sends back what it was given
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		token = w.Header().Get("X-Session-Token")
		fmt.Println(w.Body.String())
	}
	// Output:
	// call 1
	// call 2
}

// Two requests of one session run at the same time and change different
// keys. With MergeConcurrent both changes are kept; without it, the request
// that saves last would overwrite the other's change, as in SCS v2.
func Example_mergeConcurrent() {
	sessionManager := scs.New()
	sessionManager.MergeConcurrent = true

	ctx, _ := sessionManager.Load(context.Background(), "")
	sessionManager.Put(ctx, "user", "alice")
	token, _, _ := sessionManager.Commit(ctx)

	cart, _ := sessionManager.Load(context.Background(), token)  // request 1
	prefs, _ := sessionManager.Load(context.Background(), token) // request 2
	sessionManager.Put(cart, "cart", 3)
	sessionManager.Put(prefs, "theme", "dark")
	sessionManager.Commit(cart)
	sessionManager.Commit(prefs)

	after, _ := sessionManager.Load(context.Background(), token)
	fmt.Println(sessionManager.Keys(after))
	// Output: [cart theme user]
}

// With an idle timeout every request extends the session's expiry, which
// costs a store write each time. IdleRefreshInterval skips the write while
// the stored expiry is recent: here the second request, a read, writes
// nothing.
func Example_idleRefreshInterval() {
	sessionManager := scs.New()
	sessionManager.IdleTimeout = 30 * time.Minute
	sessionManager.IdleRefreshInterval = time.Minute

	h := sessionManager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			sessionManager.Put(r.Context(), "user", "alice")
		}
		fmt.Fprintf(w, "%s, saved: %v", sessionManager.GetString(r.Context(), "user"),
			sessionManager.Status(r.Context()) == scs.Modified)
	}))
	cookies, first := serve(h, "/login", nil)
	_, second := serve(h, "/", cookies)
	fmt.Println(first)
	fmt.Println(second)
	// Output:
	// alice, saved: true
	// alice, saved: false
}
