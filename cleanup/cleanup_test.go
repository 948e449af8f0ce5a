package cleanup

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunnerCallsUntilStopped(t *testing.T) {
	var calls atomic.Int32
	r := New(10*time.Millisecond, func(context.Context) error { calls.Add(1); return nil })
	r.Start()
	r.Start() // a second Start starts no second goroutine
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("fn was not called repeatedly")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Stop()
	n := calls.Load()
	time.Sleep(50 * time.Millisecond)
	if calls.Load() != n {
		t.Fatal("fn was called after Stop returned")
	}
	r.Stop()
}

func TestRunnerZeroIntervalAndStopBeforeStart(t *testing.T) {
	r := New(0, func(context.Context) error { t.Error("called with interval 0"); return nil })
	r.Start()
	r.Stop()
	r.Stop()
	if r.started {
		t.Fatal("interval 0 started a goroutine")
	}
	r = New(time.Millisecond, func(context.Context) error { t.Error("called after Stop"); return nil })
	r.Stop()
	r.Start()
	if r.started {
		t.Fatal("Start after Stop started a goroutine")
	}
}

func TestRunnerReportsErrors(t *testing.T) {
	errc := make(chan error, 1)
	boom := errors.New("boom")
	r := New(time.Millisecond, func(context.Context) error { return boom })
	r.OnError = func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	r.Start()
	defer r.Stop()
	select {
	case err := <-errc:
		if err != boom {
			t.Fatalf("OnError got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnError not called")
	}
}

func TestStopCancelsRunningCall(t *testing.T) {
	started := make(chan struct{})
	r := New(time.Millisecond, func(ctx context.Context) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	})
	r.OnError = func(err error) { t.Errorf("error after Stop reported: %v", err) }
	r.Start()
	<-started
	r.Stop() // returns only because the context was cancelled
}
