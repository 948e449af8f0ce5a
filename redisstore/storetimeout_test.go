package redisstore

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// privateRedis starts a redis-server of the test's own on a free loopback
// port, in a temporary directory, and returns its process and address. It
// is stopped when the test ends. The test fails in CI, and is skipped
// elsewhere, when redis-server is not installed.
func privateRedis(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if storetest.InCI() {
			t.Fatalf("redis-server is not installed: %v", err)
		}
		t.Skipf("redis-server is not installed (%v); with CI=true this test fails instead", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := redis.Dial("tcp", addr, redis.DialConnectTimeout(time.Second), redis.DialReadTimeout(time.Second))
		if err == nil {
			_, err = c.Do("PING")
			c.Close()
			if err == nil {
				return cmd, addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("private redis-server on %s did not start: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling for start-up, not ordering
	}
}

// TestStoreTimeoutBoundsAFrozenServer freezes a private Redis with SIGSTOP
// and checks that a request with StoreTimeout set answers 500 within the
// bound instead of waiting for the server, and that requests recover after
// SIGCONT.
func TestStoreTimeoutBoundsAFrozenServer(t *testing.T) {
	server, addr := privateRedis(t)
	pool := &redis.Pool{
		MaxIdle:     8,
		MaxActive:   8,
		IdleTimeout: time.Minute,
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", addr, redis.DialConnectTimeout(time.Second))
		},
	}
	defer pool.Close()

	const bound = 500 * time.Millisecond
	s := scs.New()
	s.Store = New(pool)
	s.StoreTimeout = bound
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { s.Put(r.Context(), "k", "v") })
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s.GetString(r.Context(), "k")) })
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()
	client := &http.Client{Timeout: bound + 3*time.Second} // the hang guard
	get := func(path, token string) (int, string, string, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.AddCookie(&http.Cookie{Name: "session", Value: token})
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v (StoreTimeout %v did not bound the request)", path, err, bound)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var cookie string
		for _, c := range resp.Cookies() {
			cookie = c.Value
		}
		return resp.StatusCode, string(body), cookie, time.Since(start)
	}

	code, _, token, _ := get("/put", "")
	if code != 200 || token == "" {
		t.Fatalf("put: %d, cookie %q", code, token)
	}

	if err := server.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	code, body, _, took := get("/get", token)
	if code != http.StatusInternalServerError {
		t.Errorf("frozen server: status %d body %q, want 500", code, body)
	}
	t.Logf("a request to the frozen server took %v (StoreTimeout %v)", took, bound)

	if err := server.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if code, body, _, _ := get("/get", token); code != 200 || body != "v" {
		t.Errorf("after SIGCONT: status %d body %q, want 200 and the session's value", code, body)
	}
}
