package scs_test

import (
	"context"
	"expvar"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/seed3bbca6c1/scs"
)

// Log every session event with log/slog. Event.ID names a session without
// revealing its token, so it is safe to log and to search logs for.
func ExampleEvent_slog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{} // for a stable output
			case "session":
				// IDs differ on every run; show their length here.
				return slog.Int("session_id_len", len(a.Value.String()))
			}
			return a
		},
	}))

	sessionManager := scs.New()
	sessionManager.OnEvent = func(ctx context.Context, e scs.Event) {
		level := slog.LevelInfo
		if e.Err != nil {
			level = slog.LevelError
		}
		logger.Log(ctx, level, "session "+e.Kind.String(), "session", e.ID, "err", e.Err)
	}
	handler := sessionManager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			sessionManager.RenewToken(r.Context())
			sessionManager.Put(r.Context(), "user", "alice")
		case "/logout":
			sessionManager.Destroy(r.Context())
		}
	}))

	cookies, _ := serve(handler, "/login", nil)
	cookies, _ = serve(handler, "/login", cookies)
	serve(handler, "/logout", cookies)
	// Output:
	// level=INFO msg="session created" session_id_len=12 err=<nil>
	// level=INFO msg="session loaded" session_id_len=12 err=<nil>
	// level=INFO msg="session renewed" session_id_len=12 err=<nil>
	// level=INFO msg="session created" session_id_len=12 err=<nil>
	// level=INFO msg="session loaded" session_id_len=12 err=<nil>
	// level=INFO msg="session destroyed" session_id_len=12 err=<nil>
}

// Count session events by kind, for a metrics endpoint. An expvar.Map
// published with expvar.Publish("scs_events", events) shows the counts at
// /debug/vars.
func ExampleEvent_counting() {
	events := new(expvar.Map)
	sessionManager := scs.New()
	sessionManager.OnEvent = func(_ context.Context, e scs.Event) {
		events.Add(e.Kind.String(), 1)
	}
	handler := sessionManager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "visits", sessionManager.GetInt(r.Context(), "visits")+1)
	}))

	var cookies []*http.Cookie
	for range 3 {
		cookies, _ = serve(handler, "/", cookies)
	}
	fmt.Println(events.String())
	// Output: {"created": 1, "loaded": 2, "saved": 2}
}
