// Command memclean measures memstore at scale: the heap each session takes,
// and how long Find and Commit wait while a cleanup pass runs over the
// store. It fills a store with -n sessions, every other one already
// expired, then times Find and Commit calls from -workers goroutines, first
// for -quiet without a pass (the machine's noise floor), then during one
// pass of DeleteExpired, and prints the percentiles of both. It does the
// same for memstore as it was with one lock over one map ("global"), so
// that one run shows both under the same machine load.
//
//	go run ./cmd/memclean [-n 1000000] [-workers 1] [-quiet 1s] [-stores memstore,global]
package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 1_000_000, "sessions in the store, half of them expired")
	flag.IntVar(&cfg.workers, "workers", 1, "goroutines calling Find and Commit (with GOMAXPROCS 2, one leaves the other CPU to the pass)")
	stores := flag.String("stores", "memstore,global", "stores to measure, comma-separated: memstore (this module's), global (the one-lock design it replaced)")
	flag.DurationVar(&cfg.quiet, "quiet", time.Second, "how long to time Find and Commit without a cleanup pass")
	flag.Parse()
	for _, name := range strings.Split(*stores, ",") {
		if err := run(os.Stdout, name, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "memclean:", err)
			os.Exit(1)
		}
	}
}

// store is what the program uses of memstore.MemStore.
type store interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
	All() (map[string][]byte, error)
	DeleteExpired(ctx context.Context) error
}

func newStore(name string) (store, error) {
	switch name {
	case "memstore":
		return memstore.NewWithCleanupInterval(0), nil
	case "global":
		return newGlobalStore(), nil
	}
	return nil, fmt.Errorf("unknown store %q", name)
}

type config struct {
	n, workers int
	quiet      time.Duration
}

// salt makes the tokens of one run look random while token(i) stays cheap.
var salt = func() (b [32]byte) {
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}()

// token returns the i-th session's token: 43 base64url characters, as the
// session manager makes. It is rebuilt on each use, as a server parses it
// from each request's cookie, so that the program holds no tokens of its own
// and the heap it measures is the store's.
func token(i int) string {
	b := salt
	binary.LittleEndian.PutUint64(b[:8], binary.LittleEndian.Uint64(b[:8])^uint64(i))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func run(w io.Writer, name string, cfg config) error {
	payload, err := scs.GobCodec{}.Encode(time.Now().Add(24*time.Hour), map[string]interface{}{
		"message": "Hello from a session!", "count": 1, "admin": true,
		"when": time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "blob": make([]byte, 64),
	})
	if err != nil {
		return err
	}
	before := heap()
	s, err := newStore(name)
	if err != nil {
		return err
	}
	now := time.Now()
	live, expired := now.Add(time.Hour), now.Add(-time.Minute)
	for i := range cfg.n {
		exp := live
		if i%2 == 1 {
			exp = expired
		}
		if err := s.Commit(token(i), payload, exp); err != nil {
			return err
		}
	}
	after := heap()
	per := float64(after-before) / float64(cfg.n)
	fmt.Fprintf(w, "\n%s\nsessions: %d, every other one expired; payload %d B; GOMAXPROCS %d, %d workers\n", name, cfg.n, len(payload), runtime.GOMAXPROCS(0), cfg.workers)
	fmt.Fprintf(w, "heap: %.0f B/session, %.0f B/session beyond the payload\n", per, per-float64(len(payload)))

	quiet := measure(s, cfg, payload, func() { time.Sleep(cfg.quiet) })
	var pass time.Duration
	var passErr error
	during := measure(s, cfg, payload, func() {
		start := time.Now()
		passErr = s.DeleteExpired(context.Background())
		pass = time.Since(start)
	})
	if passErr != nil {
		return passErr
	}
	all, _ := s.All()
	fmt.Fprintf(w, "cleanup pass: %v, %d sessions left\n", pass.Round(time.Millisecond), len(all))
	fmt.Fprintf(w, "| call | when | calls | p50 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|\n")
	for _, op := range []string{"Find", "Commit"} {
		quiet[op].print(w, op, "no pass")
		during[op].print(w, op, "during the pass")
	}
	if len(all) != cfg.n-cfg.n/2 {
		return fmt.Errorf("%d sessions left after the pass, want %d", len(all), cfg.n-cfg.n/2)
	}
	return nil
}

// latencies are the durations of one kind of call, in nanoseconds.
type latencies []int64

func (l latencies) print(w io.Writer, op, when string) {
	slices.Sort(l)
	q := func(p float64) time.Duration {
		if len(l) == 0 {
			return 0
		}
		return time.Duration(l[min(len(l)-1, int(p*float64(len(l))))])
	}
	fmt.Fprintf(w, "| %s | %s | %d | %v | %v | %v | %v |\n", op, when, len(l), q(0.5), q(0.99), q(0.999), q(1))
}

// measure times Find and Commit calls on live sessions from cfg.workers
// goroutines for as long as during runs, and returns their durations by
// call.
func measure(s store, cfg config, payload []byte, during func()) map[string]latencies {
	var stop atomic.Bool
	var wg sync.WaitGroup
	finds := make([]latencies, cfg.workers)
	commits := make([]latencies, cfg.workers)
	expiry := time.Now().Add(time.Hour)
	for w := range cfg.workers {
		finds[w] = make(latencies, 0, 1<<20)
		commits[w] = make(latencies, 0, 1<<18)
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for k := 0; !stop.Load(); k++ {
				tok := token(r.IntN(cfg.n/2+cfg.n%2) * 2) // a live session
				start := time.Now()
				if k%4 == 3 {
					s.Commit(tok, payload, expiry)
					commits[w] = append(commits[w], int64(time.Since(start)))
				} else {
					if _, found, _ := s.Find(tok); !found {
						panic("a live session was not found")
					}
					finds[w] = append(finds[w], int64(time.Since(start)))
				}
			}
		})
	}
	during()
	stop.Store(true)
	wg.Wait()
	return map[string]latencies{"Find": slices.Concat(finds...), "Commit": slices.Concat(commits...)}
}
