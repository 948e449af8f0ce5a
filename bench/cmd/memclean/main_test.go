package main

import (
	"io"
	"testing"
	"time"
)

// TestRunSmall runs the program on a small store of each kind: a pass must
// leave exactly the live half, and no live session may go missing while it
// runs (run fails otherwise).
func TestRunSmall(t *testing.T) {
	for _, name := range []string{"memstore", "global"} {
		if err := run(io.Discard, name, config{n: 20_000, workers: 1, quiet: 20 * time.Millisecond}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
