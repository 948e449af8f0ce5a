// Package cleanup runs a session store's periodic deletion of expired
// sessions in one goroutine that is started on first use and stopped cleanly.
//
// Stores whose engine has no native expiry hold a *Runner, call Start from
// the methods that use the store (so a store that is never used starts no
// goroutine) and expose Stop as their StopCleanup method.
package cleanup

import (
	"context"
	"log"
	"sync"
	"time"
)

// Runner calls a function every interval in a goroutine of its own. The zero
// value is not usable; create one with New. A Runner is safe for concurrent
// use.
type Runner struct {
	interval time.Duration
	fn       func(context.Context) error

	// OnError receives the errors fn returns. Nil means log them with the
	// standard logger. Set it before the first Start.
	OnError func(error)

	mu      sync.Mutex // guards the fields below
	started bool       // Start has launched the goroutine
	stopped bool       // Stop has been called; no goroutine will start
	cancel  context.CancelFunc
	done    chan struct{} // closed when the goroutine returns
}

// New returns a Runner that calls fn every interval once started. With an
// interval of zero or less it never starts a goroutine. The context given to
// fn is cancelled by Stop.
func New(interval time.Duration, fn func(ctx context.Context) error) *Runner {
	return &Runner{interval: interval, fn: fn}
}

// Start launches the goroutine unless it runs already, Stop was called, or
// the interval is zero. It is cheap enough to call on every store operation.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.stopped || r.interval <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.started, r.cancel, r.done = true, cancel, make(chan struct{})
	go r.run(ctx, r.done)
}

// Stop ends the goroutine and waits for it to return. It is safe to call more
// than once, and before or without Start; after Stop, Start does nothing.
func (r *Runner) Stop() {
	r.mu.Lock()
	r.stopped = true
	cancel, done := r.cancel, r.done
	r.cancel = nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (r *Runner) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := r.fn(ctx); err != nil && ctx.Err() == nil {
				r.report(err)
			}
		}
	}
}

func (r *Runner) report(err error) {
	if r.OnError != nil {
		r.OnError(err)
		return
	}
	log.Printf("scs: cleanup of expired sessions: %v", err)
}
