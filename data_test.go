package scs

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDataMethods(t *testing.T) {
	s := newManager(t)
	ctx, err := s.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status(ctx) != Unmodified || s.Token(ctx) != "" {
		t.Fatal("new session is not unmodified and tokenless")
	}
	if len(s.Keys(ctx)) != 0 || s.Keys(ctx) == nil {
		t.Error("Keys of an empty session is not an empty slice")
	}
	s.Pop(ctx, "missing")
	s.Remove(ctx, "missing")
	if err := s.Clear(ctx); err != nil || s.Status(ctx) != Unmodified {
		t.Error("Pop, Remove or Clear of nothing modified the session")
	}
	for _, k := range []string{"zeta", "alpha", "Mid", "beta"} {
		s.Put(ctx, k, k)
	}
	if got := strings.Join(s.Keys(ctx), ","); got != "Mid,alpha,beta,zeta" {
		t.Errorf("Keys = %s", got)
	}
	if !s.Exists(ctx, "alpha") || s.Exists(ctx, "gamma") {
		t.Error("Exists")
	}
	if s.Pop(ctx, "alpha") != "alpha" || s.Exists(ctx, "alpha") {
		t.Error("Pop did not return and remove")
	}
	s.Remove(ctx, "beta")
	if s.Exists(ctx, "beta") {
		t.Error("Remove")
	}
	if err := s.Clear(ctx); err != nil || len(s.Keys(ctx)) != 0 {
		t.Error("Clear")
	}
	d := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetDeadline(ctx, d)
	if !s.Deadline(ctx).Equal(d) || s.Status(ctx) != Modified {
		t.Error("SetDeadline")
	}
}

func TestTypedGetters(t *testing.T) {
	s := newManager(t)
	ctx, _ := s.Load(context.Background(), "")
	now := time.Now()
	vals := map[string]any{"s": "str", "b": true, "i": 42, "i64": int64(64), "i32": int32(32), "f": 1.5, "by": []byte("x"), "t": now}
	for k, v := range vals {
		s.Put(ctx, k, v)
	}
	if s.GetString(ctx, "s") != "str" || !s.GetBool(ctx, "b") || s.GetInt(ctx, "i") != 42 || s.GetInt64(ctx, "i64") != 64 ||
		s.GetInt32(ctx, "i32") != 32 || s.GetFloat(ctx, "f") != 1.5 || string(s.GetBytes(ctx, "by")) != "x" || !s.GetTime(ctx, "t").Equal(now) {
		t.Error("typed getters on the right types")
	}
	// Wrong types and missing keys give zero values.
	if s.GetString(ctx, "i") != "" || s.GetBool(ctx, "s") || s.GetInt(ctx, "i64") != 0 || s.GetInt64(ctx, "i") != 0 ||
		s.GetInt32(ctx, "i") != 0 || s.GetFloat(ctx, "i") != 0 || s.GetBytes(ctx, "s") != nil || !s.GetTime(ctx, "s").IsZero() ||
		s.GetString(ctx, "nope") != "" {
		t.Error("typed getters on wrong types are not zero")
	}
	if s.PopString(ctx, "s") != "str" || s.PopBool(ctx, "b") != true || s.PopInt(ctx, "i") != 42 || s.PopFloat(ctx, "f") != 1.5 ||
		string(s.PopBytes(ctx, "by")) != "x" || !s.PopTime(ctx, "t").Equal(now) {
		t.Error("typed pops on the right types")
	}
	if s.Exists(ctx, "s") || s.Exists(ctx, "t") {
		t.Error("typed pops did not remove")
	}
	s.Put(ctx, "n", 1)
	if s.PopString(ctx, "n") != "" || s.Exists(ctx, "n") || s.PopBool(ctx, "n") || s.PopInt(ctx, "i64") != 0 ||
		s.PopFloat(ctx, "x") != 0 || s.PopBytes(ctx, "x") != nil || !s.PopTime(ctx, "x").IsZero() {
		t.Error("typed pops on wrong types")
	}
}

func TestNoSessionDataPanics(t *testing.T) {
	s := New()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "no session data in context") {
			t.Fatalf("recover() = %v, want the no-session-data panic", r)
		}
	}()
	s.Get(context.Background(), "x")
}

func TestConcurrentPutGetInOneRequest(t *testing.T) {
	s := newManager(t)
	w := do(t, s, func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					key := fmt.Sprintf("g%d", g)
					s.Put(r.Context(), key, i)
					s.GetInt(r.Context(), key)
					s.Keys(r.Context())
					s.Exists(r.Context(), "g0")
				}
			}(g)
		}
		wg.Wait()
	}, "")
	tok := sessionCookie(w, "session").Value
	w = do(t, s, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d%d", len(s.Keys(r.Context())), s.GetInt(r.Context(), "g7"))
	}, tok)
	if w.Body.String() != "899" {
		t.Errorf("after concurrent puts: %q, want 8 keys and g7=99", w.Body.String())
	}
}
