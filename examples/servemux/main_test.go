package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed3bbca6c1/scs"
)

// TestMethodPatternsShareTheSession plays the curl session of the package
// comment: PUT, GET, DELETE, GET on one session, and a method the mux does
// not route.
func TestMethodPatternsShareTheSession(t *testing.T) {
	srv := httptest.NewServer(newHandler(scs.New()))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	do := func(method, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/prefs/colour", strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, step := range []struct {
		method, body string
		code         int
		want         string
	}{
		{"GET", "", http.StatusNotFound, "404 page not found\n"},
		{"PUT", "blue", http.StatusNoContent, ""},
		{"GET", "", http.StatusOK, "blue"},
		{"POST", "red", http.StatusMethodNotAllowed, "Method Not Allowed\n"},
		{"GET", "", http.StatusOK, "blue"},
		{"DELETE", "", http.StatusNoContent, ""},
		{"GET", "", http.StatusNotFound, "404 page not found\n"},
	} {
		if code, body := do(step.method, step.body); code != step.code || body != step.want {
			t.Errorf("%s: %d %q, want %d %q", step.method, code, body, step.code, step.want)
		}
	}
}
