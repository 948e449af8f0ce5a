package main

import (
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/internal/testenv"
)

// TestRunSmoke drives both libraries on both stores briefly: every request
// must find its session (the handler answers 500 otherwise, which fails
// the run), and the report must have a row for each.
func TestRunSmoke(t *testing.T) {
	addr := testenv.Server(t, "SCS_REDIS_TEST_ADDR", "127.0.0.1:6379", testenv.Dial)
	var out strings.Builder
	cfg := config{clients: 4, rounds: 1, writeEvery: 3, duration: 200 * time.Millisecond, stores: []string{"memstore", "redis"}, redisAddr: addr}
	if err := run(&out, cfg); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"| - | none |", "| memstore | ours |", "| memstore | scs |", "| redis | ours |", "| redis | scs |"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("no row %q in\n%s", row, out.String())
		}
	}
}
