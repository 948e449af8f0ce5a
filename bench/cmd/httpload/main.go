// Command httpload serves this library and SCS v2 side by side through real
// loopback HTTP and drives each with concurrent clients: every client holds
// its own session and its own keep-alive connection, and sends requests
// that read the session's five values, one in -write-every also changing
// one. For each store and library it prints requests per second and the
// 50th and 99th percentile latencies, after those of a handler without
// sessions: the ceiling that the HTTP server and client alone set. The libraries take turns, -rounds
// times, so that machine noise hits both alike; the client runs in the same
// process as the servers and shares their CPUs.
//
//	go run ./cmd/httpload [-clients 200] [-duration 10s] [-rounds 1] [-stores memstore,redis]
package main

import (
	"context"
	"encoding/gob"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	scsredis "github.com/alexedwards/scs/redisstore"
	scsv2 "github.com/alexedwards/scs/v2"
	scsmemstore "github.com/alexedwards/scs/v2/memstore"
	"github.com/gomodule/redigo/redis"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/redisstore"
)

func init() {
	gob.Register(time.Time{}) // SCS v2 needs it for time values
}

type config struct {
	clients, rounds, writeEvery int
	duration                    time.Duration
	stores                      []string
	redisAddr                   string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.clients, "clients", 200, "concurrent clients, each with its own session and connection")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each library is driven per round")
	flag.IntVar(&cfg.rounds, "rounds", 1, "rounds; in each, every library is driven once, in turn")
	flag.IntVar(&cfg.writeEvery, "write-every", 10, "one request in this many changes the session (0: none)")
	stores := flag.String("stores", "memstore,redis", "stores, comma-separated: memstore, redis")
	addr := os.Getenv("SCS_REDIS_TEST_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	flag.StringVar(&cfg.redisAddr, "redis", addr, "Redis server address")
	flag.Parse()
	cfg.stores = strings.Split(*stores, ",")
	if err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

// manager is the API ours and SCS v2 share.
type manager interface {
	LoadAndSave(http.Handler) http.Handler
	Put(ctx context.Context, key string, val interface{})
	GetString(ctx context.Context, key string) string
	GetInt(ctx context.Context, key string) int
	GetBool(ctx context.Context, key string) bool
	GetTime(ctx context.Context, key string) time.Time
	GetBytes(ctx context.Context, key string) []byte
}

// The session's values, as in the bench module's scenarios.
var (
	msg  = "Hello from a session!"
	when = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	blob = make([]byte, 64)
)

// handler serves the load: /seed creates a session with the five values,
// / reads them (answering 500 if they are not there) and, with ?w=1, also
// increments the count.
func handler(m manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/seed", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m.Put(ctx, "message", msg)
		m.Put(ctx, "count", 1)
		m.Put(ctx, "admin", true)
		m.Put(ctx, "when", when)
		m.Put(ctx, "blob", blob)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		n := m.GetInt(ctx, "count")
		if m.GetString(ctx, "message") != msg || n < 1 || !m.GetBool(ctx, "admin") || !m.GetTime(ctx, "when").Equal(when) || len(m.GetBytes(ctx, "blob")) != len(blob) {
			http.Error(w, "session lost", http.StatusInternalServerError)
			return
		}
		if r.URL.RawQuery == "w=1" {
			m.Put(ctx, "count", n+1)
		}
		w.Write([]byte("ok"))
	})
	return m.LoadAndSave(mux)
}

// bare is handler's read without sessions.
func bare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/seed" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "none"})
			return
		}
		w.Write([]byte("ok"))
	})
}

// target is one library on one store.
type target struct {
	store, lib string
	h          http.Handler
}

func targets(cfg config) ([]target, func(), error) {
	// The handler without sessions: the ceiling the HTTP stack and the
	// client set, which no session library can pass.
	ts := []target{{"-", "none", bare()}}
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	for _, st := range cfg.stores {
		ours, theirs := scs.New(), scsv2.New()
		switch st {
		case "memstore":
			m := memstore.New()
			closers = append(closers, m.StopCleanup)
			ours.Store, theirs.Store = m, scsmemstore.New()
		case "redis":
			c, err := net.DialTimeout("tcp", cfg.redisAddr, 2*time.Second)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("redis (SCS_REDIS_TEST_ADDR, -redis) at %s: %w", cfg.redisAddr, err)
			}
			c.Close()
			pool := &redis.Pool{MaxIdle: cfg.clients, Dial: func() (redis.Conn, error) { return redis.Dial("tcp", cfg.redisAddr) }}
			closers = append(closers, func() { pool.Close() })
			ours.Store, theirs.Store = redisstore.New(pool), scsredis.New(pool)
		default:
			closeAll()
			return nil, nil, fmt.Errorf("unknown store %q", st)
		}
		ts = append(ts, target{st, "ours", handler(ours)}, target{st, "scs", handler(theirs)})
	}
	return ts, closeAll, nil
}

// result is what driving one target for one round measured.
type result struct {
	requests int
	elapsed  time.Duration
	lat      []time.Duration
}

func run(w io.Writer, cfg config) error {
	ts, closeAll, err := targets(cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	results := make([]result, len(ts))
	for round := range cfg.rounds {
		for i, t := range ts {
			r, err := drive(t.h, cfg)
			if err != nil {
				return fmt.Errorf("%s/%s, round %d: %w", t.store, t.lib, round+1, err)
			}
			results[i].requests += r.requests
			results[i].elapsed += r.elapsed
			results[i].lat = append(results[i].lat, r.lat...)
		}
	}
	fmt.Fprintf(w, "%d clients, %v per library and round, %d rounds, one request in %d writes\n", cfg.clients, cfg.duration, cfg.rounds, cfg.writeEvery)
	fmt.Fprintf(w, "| store | library | requests | req/s | p50 | p99 | x SCS req/s |\n|---|---|---|---|---|---|---|\n")
	for i, t := range ts {
		r := results[i]
		slices.Sort(r.lat)
		rps := float64(r.requests) / r.elapsed.Seconds()
		ratio := ""
		if t.lib == "ours" && i+1 < len(ts) && ts[i+1].lib == "scs" {
			theirs := results[i+1]
			ratio = fmt.Sprintf("%.2f", rps/(float64(theirs.requests)/theirs.elapsed.Seconds()))
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %v | %v | %s |\n", t.store, t.lib, r.requests, rps, quantile(r.lat, 0.5), quantile(r.lat, 0.99), ratio)
	}
	return nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Round(time.Microsecond)
}

// drive serves h on a loopback listener and has cfg.clients clients send
// requests for cfg.duration, each with its own session.
func drive(h http.Handler, cfg config) (result, error) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	cookies := make([]string, cfg.clients)
	for i := range cookies {
		resp, err := client.Get(srv.URL + "/seed")
		if err != nil {
			return result{}, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "session" {
				cookies[i] = c.Name + "=" + c.Value
			}
		}
		if cookies[i] == "" {
			return result{}, errors.New("seeding set no session cookie")
		}
	}

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		res   result
		first error
	)
	start := time.Now()
	deadline := start.Add(cfg.duration)
	for i := range cfg.clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			read, _ := http.NewRequest("GET", srv.URL+"/", nil)
			read.Header.Set("Cookie", cookies[i])
			write, _ := http.NewRequest("GET", srv.URL+"/?w=1", nil)
			write.Header.Set("Cookie", cookies[i])
			var err error
			for n := 0; err == nil; n++ {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				req := read
				if cfg.writeEvery > 0 && n%cfg.writeEvery == cfg.writeEvery-1 {
					req = write
				}
				err = send(client, req)
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			res.requests += len(lat)
			res.lat = append(res.lat, lat...)
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, first
}

// send sends req and reads the whole response, which must be a 200.
func send(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %s", resp.Status)
	}
	return err
}
