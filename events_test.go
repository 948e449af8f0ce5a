package scs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// eventLog collects the events OnEvent receives.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) record(_ context.Context, e Event) {
	if e.Kind == EventWeakStore {
		return // the countingStore hides memstore's UpdateStore on purpose
	}
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// take returns the events collected since the last take.
func (l *eventLog) take() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events
	l.events = nil
	return ev
}

// eventServer is an HTTP server of a manager on a memstore that records
// its events, with one client that keeps its cookie.
type eventServer struct {
	t      *testing.T
	s      *SessionManager
	store  *countingStore
	log    *eventLog
	srv    *httptest.Server
	client *http.Client
	tokens map[string]bool // every token the client was sent
}

func newEventServer(t *testing.T) *eventServer {
	t.Helper()
	s := newManager(t)
	es := &eventServer{t: t, s: s, store: &countingStore{Store: s.Store}, log: &eventLog{}, tokens: map[string]bool{}}
	s.Store = es.store
	s.OnEvent = es.log.record
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "store failed", http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, s.GetString(r.Context(), "k"))
	})
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		s.Put(r.Context(), "k", r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		if err := s.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	es.srv = httptest.NewServer(s.LoadAndSave(mux))
	t.Cleanup(es.srv.Close)
	jar, _ := cookiejar.New(nil)
	es.client = &http.Client{Jar: jar}
	return es
}

// get requests path and returns the status and the session token the
// client holds afterwards ("" for none).
func (es *eventServer) get(path string) (int, string) {
	es.t.Helper()
	resp, err := es.client.Get(es.srv.URL + path)
	if err != nil {
		es.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == es.s.Cookie.Name && c.Value != "" {
			es.tokens[c.Value] = true
		}
	}
	var token string
	for _, c := range es.client.Jar.Cookies(resp.Request.URL) {
		if c.Name == es.s.Cookie.Name {
			token = c.Value
		}
	}
	return resp.StatusCode, token
}

// want checks that the events since the last check are of the given kinds
// and name the given tokens' sessions ("" for no session), in order.
func (es *eventServer) want(step string, kinds []EventKind, tokens []string) {
	es.t.Helper()
	got := es.log.take()
	if len(got) != len(kinds) {
		es.t.Errorf("%s: events %v, want kinds %v", step, got, kinds)
		return
	}
	for i, e := range got {
		if e.Kind != kinds[i] || e.ID != tokenID(tokens[i]) {
			es.t.Errorf("%s: event %d is %v %q, want %v %q", step, i, e.Kind, e.ID, kinds[i], tokenID(tokens[i]))
		}
	}
}

func TestEventsThroughHTTP(t *testing.T) {
	es := newEventServer(t)
	var all []Event
	collect := func() { es.log.mu.Lock(); all = append(all, es.log.events...); es.log.mu.Unlock() }

	_, tok := es.get("/put?v=1")
	collect()
	es.want("new session", []EventKind{EventCreated}, []string{tok})

	es.get("/get")
	collect()
	es.want("reload", []EventKind{EventLoaded}, []string{tok})

	es.get("/put?v=2")
	collect()
	es.want("change", []EventKind{EventLoaded, EventSaved}, []string{tok, tok})

	_, renewed := es.get("/renew")
	collect()
	if renewed == tok || renewed == "" {
		t.Fatalf("RenewToken did not send a new token")
	}
	es.want("renew", []EventKind{EventLoaded, EventRenewed, EventCreated}, []string{tok, tok, renewed})

	es.get("/put?v=3")
	collect()
	es.want("change after renew", []EventKind{EventLoaded, EventSaved}, []string{renewed, renewed})

	es.get("/destroy")
	collect()
	es.want("destroy", []EventKind{EventLoaded, EventDestroyed}, []string{renewed, renewed})

	_, tok = es.get("/put?v=4")
	collect()
	es.want("new session after destroy", []EventKind{EventCreated}, []string{tok})

	es.store.mu.Lock()
	es.store.fail = errors.New("store is down")
	es.store.mu.Unlock()
	if code, _ := es.get("/get"); code != http.StatusInternalServerError {
		t.Errorf("load with a failing store answered %d", code)
	}
	got := es.log.take()
	all = append(all, got...)
	if len(got) != 1 || got[0].Kind != EventStoreError || got[0].ID != tokenID(tok) || !errors.Is(got[0].Err, es.store.fail) {
		t.Errorf("store error: events %v, want one store-error for the session with the store's error", got)
	}

	if len(es.tokens) < 3 {
		t.Fatalf("the client was sent only %d tokens", len(es.tokens))
	}
	for _, e := range all {
		for token := range es.tokens {
			if e.ID == "" || strings.Contains(e.ID, token) || strings.Contains(token, e.ID) {
				t.Errorf("event %v has ID %q, which is empty or reveals token %q", e.Kind, e.ID, token)
			}
		}
	}
}

func TestEventIDsWithHashTokenInStore(t *testing.T) {
	es := newEventServer(t)
	es.s.HashTokenInStore = true
	_, tok := es.get("/put?v=1")
	es.get("/destroy")
	es.want("hashed", []EventKind{EventCreated, EventLoaded, EventDestroyed}, []string{tok, tok, tok})
}

func TestDefaultErrorFuncLogsHashedID(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	s := newManager(t)
	cs := &countingStore{Store: s.Store}
	s.Store = cs
	tok := sessionCookie(do(t, s, put(s, "k", "v"), ""), "session").Value
	cs.fail = errors.New("store is down")

	// Loading fails: the ID comes from the cookie.
	if w := do(t, s, getString(s, "k"), tok); w.Code != http.StatusInternalServerError {
		t.Errorf("load failure answered %d", w.Code)
	}
	// Saving fails: the ID comes from the session in the context.
	cs.fail = nil
	do(t, s, func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		cs.fail = errors.New("store is down")
		cs.mu.Unlock()
		s.Put(r.Context(), "k", "w")
	}, tok)
	// No session in the context and no cookie: no ID, and no panic.
	s.ErrorFunc(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), errors.New("store is down"))

	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.Contains(l, "level=WARN") { // the weak store's warning
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("logged %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"session=" + tokenID(tok), "session=" + tokenID(tok), `session=""`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "store is down") || !strings.Contains(lines[i], "level=ERROR") {
			t.Errorf("line %d = %q, want %s, the error and level ERROR", i, lines[i], want)
		}
		if strings.Contains(lines[i], tok) {
			t.Errorf("line %d reveals the token: %q", i, lines[i])
		}
	}
}
