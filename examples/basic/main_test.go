package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestServerAnswersTheQuickStart builds and starts the program, then plays
// the README's curl session against it with a cookie jar.
func TestServerAnswersTheQuickStart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "basic")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, addr)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, body := get(t, client, "http://"+addr+"/put")
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("/put: %d %q", resp.StatusCode, body)
	}
	want := regexp.MustCompile(`^session=[A-Za-z0-9_-]{43}; Path=/; Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; Max-Age=86400; HttpOnly; SameSite=Lax$`)
	if sc := resp.Header.Get("Set-Cookie"); !want.MatchString(sc) {
		t.Errorf("Set-Cookie = %q", sc)
	}
	if resp.Header.Get("Cache-Control") != `no-cache="Set-Cookie"` || resp.Header.Get("Vary") != "Cookie" {
		t.Errorf("headers %v", resp.Header)
	}

	resp, body = get(t, client, "http://"+addr+"/get")
	if resp.StatusCode != 200 || body != "Hello from a session!" {
		t.Fatalf("/get: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Length") != "21" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("/get headers %v", resp.Header)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("/get wrote a cookie for an unmodified session")
	}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not listen on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
