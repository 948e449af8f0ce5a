package scs

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// This file holds the helpers the package's tests share: a manager, and
// the two ways they send requests (do, in process; fetch, through a real
// server).

// newManager returns a manager with a fresh memstore and no cleanup
// goroutine, stopped when the test ends.
func newManager(t *testing.T) *SessionManager {
	t.Helper()
	s := New()
	ms := memstore.NewWithCleanupInterval(0)
	s.Store = ms
	return s
}

// do serves one request through s.LoadAndSave(h) with the given cookie
// value ("" for none) and returns the recorded response.
func do(t *testing.T, s *SessionManager, h http.HandlerFunc, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: s.Cookie.Name, Value: cookie})
	}
	w := httptest.NewRecorder()
	s.LoadAndSave(h).ServeHTTP(w, r)
	return w
}

// sessionCookie returns the Set-Cookie for name in w, or nil.
func sessionCookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func put(s *SessionManager, key string, val any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), key, val) }
}

func getString(s *SessionManager, key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s.GetString(r.Context(), key)) }
}

// fetch sends a GET to url with the given Cookie header ("" for none) and
// returns the response with its body read.
func fetch(t *testing.T, url, cookie string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func (c *countingStore) Find(token string) ([]byte, bool, error) {
	c.mu.Lock()
	c.finds++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	return c.Store.Find(token)
}

func (c *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	c.mu.Lock()
	c.commits++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.Store.Commit(token, b, expiry)
}

func (c *countingStore) Delete(token string) error {
	c.mu.Lock()
	c.dels++
	err := c.fail
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.Store.Delete(token)
}

func (e *expiryCounting) Commit(token string, b []byte, expiry time.Time) error {
	e.commits++
	return e.MemStore.Commit(token, b, expiry)
}

func (e *expiryCounting) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	e.commits++
	return e.MemStore.Update(ctx, token, b, expiry)
}

// countingStore counts the calls that reach the store and can fail them.
type countingStore struct {
	Store
	mu                   sync.Mutex
	finds, commits, dels int
	fail                 error
}

type parentKey struct{}

// expiryCounting is a memstore that counts writes (Commit and Update) and,
// through the embedded *memstore.MemStore, implements ExpiryStore.
type expiryCounting struct {
	*memstore.MemStore
	commits int
}
