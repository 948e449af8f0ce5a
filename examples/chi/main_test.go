package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/seed3bbca6c1/scs"
)

// TestCartLivesInTheSession adds to the cart through chi's routes, reads it
// back, empties it, and checks that routes outside the group get no session
// cookie.
func TestCartLivesInTheSession(t *testing.T) {
	srv := httptest.NewServer(newRouter(scs.New()))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	do := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := do("POST", "/cart/apple")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Set-Cookie") == "" {
		t.Fatalf("first add: %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	do("POST", "/cart/pear")
	if _, body := do("GET", "/cart"); body != "apple,pear\n" {
		t.Errorf("cart %q", body)
	}
	do("DELETE", "/cart")
	if _, body := do("GET", "/cart"); body != "\n" {
		t.Errorf("cart after DELETE %q", body)
	}
	if resp, _ := do("GET", "/health"); resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Vary") != "" {
		t.Errorf("/health went through LoadAndSave: %v", resp.Header)
	}
}
