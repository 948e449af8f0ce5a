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

	"github.com/seed3bbca6c1/scs"
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
// another goroutine calls AddUserSession on that store for live users in a
// loop. It reports the longest AddUserSession call during the passes
// (max-add-ms), its 99.9th and 99.99th percentiles, and the calls per pass
// that took over a millisecond (slow-adds/pass). Two controls give the
// same figures: busy-*, with the pass running over another store of the
// same shape, which costs the CPU the same but holds none of the locks
// AddUserSession takes, and quiet-*, with no pass at all. On a two-core
// machine the pass and the calls share the CPU, and on a loaded one the
// scheduler alone stalls a goroutine for milliseconds: what the pass's
// locks add is the difference from busy-*.
func BenchmarkUserIndexCleanup(b *testing.B) {
	// The IDs and tokens are made once, so that the calls timed allocate
	// nothing and start no garbage collection of their own.
	ids, tokens := make([]string, users), make([]string, users)
	for i := range users {
		ids[i], tokens[i] = userID(i), token(i)
	}
	ctx := context.Background()
	s, other := memstore.NewWithCleanupInterval(0), memstore.NewWithCleanupInterval(0)
	live := time.Now().Add(time.Hour)
	for _, st := range []*memstore.MemStore{s, other} {
		for i := 0; i < users; i += 2 {
			if err := st.AddUserSession(ctx, ids[i], scs.UserIndexEntry{Token: tokens[i], Expiry: live}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var during, busy, quiet []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		expired := time.Now().Add(-time.Minute)
		for _, st := range []*memstore.MemStore{s, other} {
			for i := 1; i < users; i += 2 {
				if err := st.AddUserSession(ctx, ids[i], scs.UserIndexEntry{Token: tokens[i], Expiry: expired}); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		b.StartTimer()
		got, pass := addsDuring(b, s, ids, tokens, live, func() {
			if err := s.DeleteExpired(ctx); err != nil {
				b.Error(err)
			}
		})
		during = append(during, got...)

		b.StopTimer()
		got, _ = addsDuring(b, s, ids, tokens, live, func() {
			if err := other.DeleteExpired(ctx); err != nil {
				b.Error(err)
			}
		})
		busy = append(busy, got...)
		got, _ = addsDuring(b, s, ids, tokens, live, func() { time.Sleep(pass) })
		quiet = append(quiet, got...)
		b.StartTimer()
	}
	b.StopTimer()
	report(b, "", during)
	report(b, "busy-", busy)
	report(b, "quiet-", quiet)
}

// addsDuring runs adds on s in another goroutine while run runs, and
// returns the durations of the calls and how long run took.
func addsDuring(b *testing.B, s *memstore.MemStore, ids, tokens []string, live time.Time, run func()) ([]time.Duration, time.Duration) {
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
	run()
	took := time.Since(start)
	close(stop)
	wg.Wait()
	return got, took
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
		err := s.AddUserSession(ctx, ids[i], scs.UserIndexEntry{Token: tokens[i], Expiry: live})
		d = append(d, time.Since(t0))
		if err != nil {
			b.Error(err)
			return d
		}
	}
}
