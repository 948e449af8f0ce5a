package memusers

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

// users is the number of users in the index, half of them with an expired
// session that each cleanup pass deletes.
const users = 1_000_000

func userID(i int) string { return "user-" + strconv.Itoa(i) }

// token returns a store key of the real length, 43 characters.
func token(i int) string {
	s := strconv.Itoa(i)
	return "tok-" + s + "-abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"[:43-4-len(s)-1]
}

// BenchmarkUserIndexCleanup times one DeleteExpired pass over a store
// whose index holds a million users, half of them expired (ns/op), while
// another goroutine calls AddUserSession for live users in a loop. It
// reports the longest AddUserSession call during the passes (max-add-ms),
// its 99.9th and 99.99th percentiles, and the calls per pass that took
// over a millisecond (slow-adds/pass); then the same, as quiet-*, for as
// long again without a pass: the noise floor of a loaded machine, where
// the scheduler alone can stall a goroutine for milliseconds.
func BenchmarkUserIndexCleanup(b *testing.B) {
	// The IDs and tokens are made once, so that the calls timed allocate
	// nothing and start no garbage collection of their own.
	ids, tokens := make([]string, users), make([]string, users)
	for i := range users {
		ids[i], tokens[i] = userID(i), token(i)
	}
	ctx := context.Background()
	s := memstore.NewWithCleanupInterval(0)
	live := time.Now().Add(time.Hour)
	for i := 0; i < users; i += 2 {
		if err := s.AddUserSession(ctx, ids[i], tokens[i], live); err != nil {
			b.Fatal(err)
		}
	}
	var during, quiet []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		expired := time.Now().Add(-time.Minute)
		for i := 1; i < users; i += 2 {
			if err := s.AddUserSession(ctx, ids[i], tokens[i], expired); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		b.StartTimer()

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var got []time.Duration
		var started atomic.Bool
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Store(true)
			got = adds(b, s, ids, tokens, live, stop)
		}()
		for !started.Load() {
			runtime.Gosched()
		}
		start := time.Now()
		if err := s.DeleteExpired(ctx); err != nil {
			b.Fatal(err)
		}
		pass := time.Since(start)
		close(stop)
		wg.Wait()
		during = append(during, got...)

		b.StopTimer()
		stop = make(chan struct{})
		time.AfterFunc(pass, func() { close(stop) })
		quiet = append(quiet, adds(b, s, ids, tokens, live, stop)...)
		b.StartTimer()
	}
	b.StopTimer()
	report(b, "", during)
	report(b, "quiet-", quiet)
}

// report reports the figures of BenchmarkUserIndexCleanup for the
// durations d, with their names prefixed by prefix.
func report(b *testing.B, prefix string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	slices.Sort(d)
	slow := len(d) - sort.Search(len(d), func(i int) bool { return d[i] > time.Millisecond })
	b.ReportMetric(ms(d[len(d)-1]), prefix+"max-add-ms")
	b.ReportMetric(ms(d[len(d)*999/1000]), prefix+"p99.9-add-ms")
	b.ReportMetric(ms(d[len(d)*9999/10000]), prefix+"p99.99-add-ms")
	b.ReportMetric(float64(slow)/float64(b.N), prefix+"slow-adds/pass")
	b.ReportMetric(float64(len(d))/float64(b.N), prefix+"adds/pass")
}

// adds calls AddUserSession for random live users until stop is closed,
// and returns how long each call took.
func adds(b *testing.B, s *memstore.MemStore, ids, tokens []string, live time.Time, stop <-chan struct{}) []time.Duration {
	ctx := context.Background()
	d := make([]time.Duration, 0, 1<<22)
	for {
		select {
		case <-stop:
			return d
		default:
		}
		i := 2 * rand.IntN(users/2)
		t0 := time.Now()
		err := s.AddUserSession(ctx, ids[i], tokens[i], live)
		d = append(d, time.Since(t0))
		if err != nil {
			b.Error(err)
			return d
		}
	}
}
