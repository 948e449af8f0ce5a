// Package faults tests how scs behaves when its store's engine crashes:
// each test starts its own Redis or PostgreSQL server on a private port,
// drives requests through LoadAndSave, kills the server with SIGKILL in the
// middle of the load, restarts it on the same data and checks that requests
// fail fast while it is down, succeed again soon after it answers, and that
// no update acknowledged to a client was lost. TestRedisClusterFailover
// does a failover instead: it kills a master of a private Redis Cluster,
// lets its replica take over, and measures what that costs the clients.
//
// The module is never published; it needs the redis-server and PostgreSQL
// server programs installed (scripts/services.sh installs them).
package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/enginetest"
)

// The load's shape.
const (
	clients = 20

	// killAfter is how long the load runs before the engine is killed,
	// downFor how long the engine stays down, and runAfter how long the
	// load goes on once the engine answers again.
	killAfter = 3 * time.Second
	downFor   = 2 * time.Second
	runAfter  = 4 * time.Second

	// requestTimeout bounds every request: the hang guard. A request that
	// needs it has hung.
	requestTimeout = 5 * time.Second

	// recoveryLimit is how soon after the engine answers again every
	// client must have had a request succeed.
	recoveryLimit = 5 * time.Second
)

// counterApp is the application under load: each request increments the
// counter "n" in its session and answers the new value, which the client
// then knows is saved (LoadAndSave saves the session before the body
// leaves). GET /get answers the counter without changing it. A panic
// anywhere is counted and answered 500.
func counterApp(sm *scs.SessionManager, panics *atomic.Int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/inc", func(w http.ResponseWriter, r *http.Request) {
		n := sm.GetInt(r.Context(), "n") + 1
		sm.Put(r.Context(), "n", n)
		io.WriteString(w, strconv.Itoa(n))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strconv.Itoa(sm.GetInt(r.Context(), "n")))
	})
	h := sm.LoadAndSave(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				panics.Add(1)
				http.Error(w, fmt.Sprint("panic: ", v), http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// client is one user of the application, with its own cookie jar.
type client struct {
	http *http.Client
	url  string

	// Written by the client's goroutine, read after it ends.
	acked     int         // the last counter value acknowledged with a 200
	ok, fail  int         // requests answered 200, and otherwise
	hung      int         // requests that hit requestTimeout or failed in transport
	successes []time.Time // when each 200 arrived
	failures  []time.Time // when each non-200 arrived
	lastErr   error
}

func newClient(t *testing.T, url string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{http: &http.Client{Jar: jar, Timeout: requestTimeout}, url: url}
}

// get sends one GET and returns the status and body.
func (c *client) get(path string) (int, string, error) {
	resp, err := c.http.Get(c.url + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// run increments the counter until stop is closed.
func (c *client) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		status, body, err := c.get("/inc")
		now := time.Now()
		switch {
		case err != nil:
			c.hung++
			c.lastErr = err
		case status == http.StatusOK:
			n, err := strconv.Atoi(body)
			if err != nil {
				c.hung++
				c.lastErr = fmt.Errorf("body %q: %w", body, err)
				continue
			}
			c.ok++
			c.acked = n
			c.successes = append(c.successes, now)
		default:
			c.fail++
			c.failures = append(c.failures, now)
			// A failing engine answers at once; pause a little so the
			// outage is not a busy loop for 20 clients.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// figures is what one crash run measured.
type figures struct {
	requests       int           // requests answered, in all
	outageErrors   int           // non-200 answers between the kill and the engine answering
	recovery       time.Duration // engine answering → every client has had a 200
	firstOK        time.Duration // engine answering → the first 200
	lost           int           // clients whose stored counter is below the acknowledged one
	hung, panicked int
}

// crashUnderLoad runs the load against an application on sm, kills the
// engine after killAfter, restarts it after downFor, runs for runAfter
// more, then checks what the brief of the module promises. ready reports
// whether the engine answers.
func crashUnderLoad(t *testing.T, e *enginetest.Engine, sm *scs.SessionManager, ready func() error) figures {
	var panics atomic.Int64
	var errs atomic.Int64
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		errs.Add(1)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
	srv := httptest.NewServer(counterApp(sm, &panics))
	defer srv.Close()

	cs := make([]*client, clients)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range cs {
		cs[i] = newClient(t, srv.URL)
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			c.run(stop)
		}(cs[i])
	}

	time.Sleep(killAfter) // the load runs
	killed := time.Now()
	e.Kill()
	time.Sleep(downFor) // the engine is down
	e.Start()
	up := e.WaitReady(30*time.Second, ready)
	time.Sleep(runAfter) // the load goes on
	close(stop)
	wg.Wait()

	var f figures
	f.panicked = int(panics.Load())
	for i, c := range cs {
		f.requests += c.ok + c.fail
		f.hung += c.hung
		if c.hung > 0 {
			t.Errorf("client %d: %d requests hung or failed in transport, last: %v", i, c.hung, c.lastErr)
		}
		for _, at := range c.failures {
			if at.After(killed) && at.Before(up) {
				f.outageErrors++
			}
		}
		first := time.Duration(-1)
		for _, at := range c.successes {
			if at.After(up) {
				first = at.Sub(up)
				break
			}
		}
		if first < 0 {
			t.Errorf("client %d: no request succeeded in the %v after the engine answered again", i, runAfter)
			continue
		}
		if first > f.recovery {
			f.recovery = first
		}
		if f.firstOK == 0 || first < f.firstOK {
			f.firstOK = first
		}

		// The counter now stored must be at least the last one the
		// client was told was saved.
		status, body, err := c.get("/get")
		if err != nil || status != http.StatusOK {
			t.Errorf("client %d: reading the counter after recovery: %d %q %v", i, status, body, err)
			continue
		}
		stored, _ := strconv.Atoi(body)
		if stored < c.acked {
			f.lost++
			t.Errorf("client %d: stored counter %d, but %d was acknowledged", i, stored, c.acked)
		}
		if c.acked == 0 {
			t.Errorf("client %d: no update acknowledged at all", i)
		}
	}

	if f.panicked > 0 {
		t.Errorf("%d handler panics", f.panicked)
	}
	if f.outageErrors == 0 {
		t.Errorf("no request failed while the engine was down: the kill did not take effect")
	}
	if f.recovery > recoveryLimit {
		t.Errorf("requests succeeded again only %v after the engine answered; want within %v", f.recovery, recoveryLimit)
	}
	if int64(f.outageErrors) > errs.Load() {
		t.Errorf("%d failed requests but ErrorFunc called %d times", f.outageErrors, errs.Load())
	}
	t.Logf("%s: %d requests by %d clients; killed with SIGKILL for %v (%v until it answered again); "+
		"%d answered 500 meanwhile, 0 hung (bound %v); first success %v and every client's %v after it answered; "+
		"updates lost: %d; panics: %d",
		e.Name(), f.requests, clients, downFor, up.Sub(killed).Round(time.Millisecond),
		f.outageErrors, requestTimeout, f.firstOK.Round(time.Millisecond), f.recovery.Round(time.Millisecond),
		f.lost, f.panicked)
	return f
}

// readyBefore runs ready with a short timeout.
func readyBefore(ready func(context.Context) error) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return ready(ctx)
	}
}
