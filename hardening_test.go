package scs

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

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

// otherCookies returns about n bytes of cookies not named "session".
func otherCookies(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("tracker")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("=")
		b.WriteString(strings.Repeat("v", 100))
	}
	return b.String()
}

func TestLargeCookieHeaderKeepsSession(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/put", put(s, "user", "ada"))
	mux.HandleFunc("/get", getString(s, "user"))
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, _ := fetch(t, srv.URL+"/put", "")
	var token string
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie")
	}
	for _, size := range []int{18 << 10, 64 << 10} {
		others := otherCookies(size)
		for _, header := range []string{
			"session=" + token + "; " + others,
			others + "; session=" + token,
		} {
			resp, body := fetch(t, srv.URL+"/get", header)
			if resp.StatusCode != 200 || body != "ada" {
				t.Errorf("%d-byte Cookie header, session cookie %s: status %d, body %q, want the session's value",
					len(header), where(header), resp.StatusCode, body)
			}
		}
	}
}

func where(header string) string {
	if strings.HasPrefix(header, "session=") {
		return "first"
	}
	return "last"
}

func TestHeaderTokenResponsesAreNotStored(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/put", put(s, "k", "v"))
	mux.HandleFunc("/get", getString(s, "k"))
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) { s.Destroy(r.Context()) })
	mux.HandleFunc("/cached", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		s.Put(r.Context(), "k", "w")
	})
	srv := httptest.NewServer(s.LoadAndSaveHeader("X-Session-Token", mux))
	defer srv.Close()
	get := func(path, token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("X-Session-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	noStore := func(resp *http.Response) bool {
		for _, v := range resp.Header.Values("Cache-Control") {
			if strings.Contains(v, "no-store") {
				return true
			}
		}
		return false
	}

	resp := get("/put", "")
	tok := resp.Header.Get("X-Session-Token")
	if !validToken(tok) || !noStore(resp) {
		t.Fatalf("new session: token %q, Cache-Control %q; want a token and no-store", tok, resp.Header.Values("Cache-Control"))
	}
	if resp := get("/cached", tok); resp.Header.Get("X-Session-Token") != tok || !noStore(resp) {
		t.Errorf("handler set its own Cache-Control: %q; want no-store as well", resp.Header.Values("Cache-Control"))
	}
	if resp := get("/get", tok); resp.Header.Get("X-Session-Token") != "" {
		t.Errorf("an unmodified session sent its token: %v", resp.Header)
	}
	if resp := get("/destroy", tok); !noStore(resp) {
		t.Errorf("after Destroy: Cache-Control %q, want no-store", resp.Header.Values("Cache-Control"))
	}

	s.IdleTimeout = time.Hour // every request sends the token again
	resp = get("/put", "")
	tok = resp.Header.Get("X-Session-Token")
	if resp := get("/get", tok); resp.Header.Get("X-Session-Token") != tok || !noStore(resp) {
		t.Errorf("idle refresh: token %q Cache-Control %q; want the token and no-store",
			resp.Header.Get("X-Session-Token"), resp.Header.Values("Cache-Control"))
	}
}

func TestWriterIsFlusherAndHijacker(t *testing.T) {
	s := newManager(t)
	flushed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "streamed")
		f, ok := w.(http.Flusher)
		if !ok {
			t.Errorf("%T is not an http.Flusher", w)
			return
		}
		io.WriteString(w, "first\n")
		f.Flush()
		<-flushed // the client has read the first line before the handler returns
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/get", getString(s, "k"))
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "hijacked")
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("%T is not an http.Hijacker", w)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		buf.Flush()
	})
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	close(flushed)
	if err != nil || line != "first\n" {
		t.Fatalf("first streamed line %q, %v", line, err)
	}
	rest, _ := io.ReadAll(br)
	resp.Body.Close()
	var token string
	for _, c := range resp.Cookies() {
		token = c.Value
	}
	if string(rest) != "second\n" || token == "" {
		t.Fatalf("stream: rest %q, cookie %q; want the second line and the session cookie sent before the first flush", rest, token)
	}
	if _, body := fetch(t, srv.URL+"/get", "session="+token); body != "streamed" {
		t.Errorf("session after streaming = %q, want it saved before the flush", body)
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\nCookie: session="+token+"\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "raw" {
		t.Errorf("hijacked connection answered %q", body)
	}
	if _, body := fetch(t, srv.URL+"/get", "session="+token); body != "hijacked" {
		t.Errorf("session after hijack = %q, want it saved before the hijack", body)
	}
}

func TestHijackUnsupportedIsAnError(t *testing.T) {
	s := newManager(t)
	var err error
	h := s.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("%T is not an http.Hijacker", w)
			return
		}
		_, _, err = hj.Hijack()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack on a writer that cannot = %v, want http.ErrNotSupported", err)
	}
}
