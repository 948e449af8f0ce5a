package scs

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteHeaderCommitsFirst(t *testing.T) {
	s := newManager(t)
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		w.WriteHeader(http.StatusCreated)
		s.Put(r.Context(), "late", "x") // after the headers: not saved
	}, "")
	if w.Code != 201 || sessionCookie(w, "session") == nil {
		t.Fatalf("code %d cookie %v", w.Code, sessionCookie(w, "session"))
	}
	tok := sessionCookie(w, "session").Value
	if w := do(t, s, getString(s, "late"), tok); w.Body.String() != "" {
		t.Error("a Put after the headers left was saved")
	}
}

func TestFlushAndHijackThroughResponseController(t *testing.T) {
	s := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", "v")
		rc := http.NewResponseController(w)
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		io.WriteString(w, "after flush")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		buf.Flush()
	})
	srv := httptest.NewServer(s.LoadAndSave(mux))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Set-Cookie") == "" || string(body) != "after flush" {
		t.Errorf("flush: cookie %q body %q", resp.Header.Get("Set-Cookie"), body)
	}

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	if string(body) != "hijacked" {
		t.Errorf("hijack body %q", body)
	}
}
