package faults

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/goredisstore"
	"github.com/seed3bbca6c1/scs/internal/enginetest"
)

// The cluster failover's shape and settings.
const (
	// nodeTimeout is the cluster's cluster-node-timeout: how long a master
	// must be unreachable before the others mark it failed and its
	// replica runs for election.
	nodeTimeout = 1000 * time.Millisecond

	// failoverLoad is how long the load runs before a master is killed;
	// the latency figures are those of this steady state.
	failoverLoad = 4 * time.Second

	// failoverLimit bounds the run after the kill: the replica's
	// promotion, the killed node's restart and resync as a replica, and
	// every client served again must fit in it.
	failoverLimit = 30 * time.Second

	// settle is how long the load goes on once every client has been
	// served again and the killed node is back as a replica.
	settle = 2 * time.Second

	// maxRequests bounds the requests of one client.
	maxRequests = 100000

	// restartLimit is when the killed node is restarted at the latest,
	// after the kill; restartAfter is how long after the promotion the
	// variants that reload restart it.
	restartLimit = 15 * time.Second
	restartAfter = 1 * time.Second

	// waitTimeout is the WAIT timeout of the WithReplicaWait variant.
	waitTimeout = 100 * time.Millisecond
)

// TestRedisClusterFailover runs 20 clients through goredisstore on a private
// Redis Cluster of three masters with one replica each (asynchronous
// replication, no persistence), kills with SIGKILL the master that holds
// the most of their sessions, lets the cluster promote its replica,
// restarts the killed node (it comes back as the new master's replica) and
// measures: requests answered 500 and for how long, the time until every
// client is served again, acknowledged updates lost (a counter that goes
// backwards), panics, and the latency of the steady state before the kill.
// It runs three times: with go-redis as is; with the application asking
// the cluster client to reload its slot map after a failed command (see
// reloadOnError); and that plus the store's WithReplicaWait(1, 100ms).
//
// The killed node is restarted once the replica is promoted: at once (1 s
// later) in the variants that reload, and only once every client has been
// served again (or restartLimit after the kill) in the first, so that its
// figures show go-redis finding the new master by itself, with the old one
// gone for good (the restarted node would answer MOVED, which go-redis
// follows at once).
func TestRedisClusterFailover(t *testing.T) {
	for _, v := range []failoverVariant{
		{name: "async"},
		{name: "async-reload", reload: true},
		{name: "wait-reload", reload: true, waitReplicas: 1},
	} {
		t.Run(v.name, func(t *testing.T) { clusterFailover(t, v) })
	}
}

// clusterNode is one redis-server of the private cluster.
type clusterNode struct {
	e  *enginetest.Engine
	c  *redis.Client // to this node only
	id string        // its cluster node ID
}

// info returns the node's INFO section as a map.
func (n *clusterNode) info(ctx context.Context, section string) (map[string]string, error) {
	s, err := n.c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// clusterOK reports whether the node sees the cluster as ok.
func (n *clusterNode) clusterOK(ctx context.Context) error {
	s, err := n.c.ClusterInfo(ctx).Result()
	if err != nil {
		return err
	}
	if !strings.Contains(s, "cluster_state:ok") {
		return errors.New("cluster_state not ok")
	}
	return nil
}

// inSync reports whether the node is a replica whose link to its master is
// up and not loading.
func (n *clusterNode) inSync(ctx context.Context) error {
	m, err := n.info(ctx, "replication")
	if err != nil {
		return err
	}
	if m["role"] != "slave" || m["master_link_status"] != "up" || m["master_sync_in_progress"] != "0" {
		return fmt.Errorf("replica not in sync: role %s, link %s", m["role"], m["master_link_status"])
	}
	return nil
}

// startCluster starts six redis-servers on private ports and joins them into
// a cluster of three masters (slots split evenly) with one replica each;
// it returns masters then replicas, replica i replicating master i, once
// every node sees the cluster ok and every replica is in sync.
func startCluster(t *testing.T) []*clusterNode {
	ctx := context.Background()
	nodes := make([]*clusterNode, 6)
	for i := range nodes {
		e := enginetest.NewRedis(t,
			"--appendonly", "no",
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", // in the node's directory
			"--cluster-node-timeout", strconv.Itoa(int(nodeTimeout/time.Millisecond)),
			// A master starts the full sync of a new replica at once,
			// not after the default 5 s wait for more replicas.
			"--repl-diskless-sync-delay", "0",
		)
		e.Start()
		c := redis.NewClient(&redis.Options{Addr: e.Addr(), DialTimeout: time.Second, MaxRetries: -1})
		t.Cleanup(func() { c.Close() })
		nodes[i] = &clusterNode{e: e, c: c}
	}
	for _, n := range nodes {
		n.e.WaitReady(10*time.Second, func() error {
			id, err := n.c.Do(ctx, "CLUSTER", "MYID").Text()
			n.id = id
			return err
		})
	}
	for _, n := range nodes[1:] {
		if err := n.c.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(nodes[0].e.Port())).Err(); err != nil {
			t.Fatal(err)
		}
	}
	const slots = 16384
	for i, n := range nodes[:3] {
		if err := n.c.ClusterAddSlotsRange(ctx, i*slots/3, (i+1)*slots/3-1).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// A replica can replicate a master once it knows it.
	for i, n := range nodes[3:] {
		master := nodes[i]
		n.e.WaitReady(20*time.Second, func() error {
			return n.c.ClusterReplicate(ctx, master.id).Err()
		})
	}
	for _, n := range nodes {
		n.e.WaitReady(30*time.Second, func() error { return n.clusterOK(ctx) })
	}
	for _, n := range nodes[3:] {
		n.e.WaitReady(30*time.Second, func() error { return n.inSync(ctx) })
	}
	return nodes
}

// failoverClient is one user of the application with what the failover run
// measures of it.
type failoverClient struct {
	*client
	latencies   []time.Duration // of each 200 before the kill
	regressions int             // 200s whose counter was not above the last acknowledged one
	lostUpdates int             // acknowledged increments those 200s undid
	lastFail    time.Time       // when the last non-200 arrived
	lastOK      time.Time       // when the last 200 arrived
	mu          sync.Mutex      // guards lastFail and lastOK, read while running
}

// run increments the counter until stop is closed or maxRequests are sent;
// latencies are kept until killed is set.
func (c *failoverClient) run(stop <-chan struct{}, killed *atomic.Bool) {
	for i := 0; i < maxRequests; i++ {
		select {
		case <-stop:
			return
		default:
		}
		start := time.Now()
		status, body, err := c.get("/inc")
		now := time.Now()
		switch {
		case err != nil:
			c.hung++
			c.lastErr = err
		case status == http.StatusOK:
			n, err := strconv.Atoi(body)
			if err != nil {
				c.hung++
				c.lastErr = fmt.Errorf("body %q: %w", body, err)
				continue
			}
			if n <= c.acked {
				// The counter went backwards: the store lost the
				// increments that answered acked down to n.
				c.regressions++
				c.lostUpdates += c.acked - n + 1
			}
			c.ok++
			c.acked = n
			c.successes = append(c.successes, now)
			if !killed.Load() {
				c.latencies = append(c.latencies, now.Sub(start))
			}
			c.mu.Lock()
			c.lastOK = now
			c.mu.Unlock()
		default:
			c.fail++
			c.failures = append(c.failures, now)
			c.mu.Lock()
			c.lastFail = now
			c.mu.Unlock()
			time.Sleep(10 * time.Millisecond) // no busy loop while failing
		}
	}
}

// servedSince reports whether the client's last answer is a 200 that came
// after t and after its last failure.
func (c *failoverClient) servedSince(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastOK.After(t) && c.lastOK.After(c.lastFail)
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

// failoverVariant is how one failover run's client and store are set.
type failoverVariant struct {
	name         string
	waitReplicas int  // WithReplicaWait(waitReplicas, waitTimeout); 0: none
	reload       bool // reloadOnError on the cluster client
}

// reloadOnError is a go-redis hook that asks the cluster client to reload
// its slot map (CLUSTER SLOTS from any node it reaches, at most one reload
// at a time) after any failed command but a missing key. go-redis v9
// reloads it by itself only on a MOVED or READONLY reply, and at most
// every 10 s otherwise: a master that is gone, not replaced by a node
// answering MOVED, keeps its slots in the client's map until then.
type reloadOnError struct{ cc *redis.ClusterClient }

func (h reloadOnError) check(ctx context.Context, err error) {
	if err != nil && !errors.Is(err, redis.Nil) {
		h.cc.ReloadState(ctx)
	}
}

func (h reloadOnError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h reloadOnError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

// errorKind names the kind of a store error, for the figures.
func errorKind(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, goredisstore.ErrNotReplicated):
		return "not replicated"
	case strings.Contains(s, "CLUSTERDOWN"):
		return "CLUSTERDOWN"
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "EOF"), strings.Contains(s, "connection reset"):
		return "connection lost"
	}
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// clusterFailover runs the failover once, with the variant v.
func clusterFailover(t *testing.T, v failoverVariant) {
	waitReplicas := v.waitReplicas
	ctx := context.Background()
	nodes := startCluster(t)
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.e.Addr()
	}
	// go-redis's defaults for retries (MaxRedirects 3, backoff 8–512 ms);
	// timeouts short enough for the tests' 5 s request bound.
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:        addrs,
		DialTimeout:  time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
	})
	t.Cleanup(func() { cc.Close() })
	variant := "go-redis as is"
	if v.reload {
		cc.AddHook(reloadOnError{cc})
		variant = "slot map reloaded on errors"
	}
	store := goredisstore.NewUniversal(cc)
	if waitReplicas > 0 {
		store = store.WithReplicaWait(waitReplicas, waitTimeout)
		variant += fmt.Sprintf(", WithReplicaWait(%d, %v)", waitReplicas, waitTimeout)
	} else {
		variant += ", asynchronous replication"
	}
	sm := scs.New()
	sm.Store = store
	var panics, errs atomic.Int64
	var causesMu sync.Mutex
	causes := map[string]int{} // the store errors behind the 500s, by kind
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		errs.Add(1)
		causesMu.Lock()
		causes[errorKind(err)]++
		causesMu.Unlock()
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
	srv := httptest.NewServer(counterApp(sm, &panics))
	defer srv.Close()

	cs := make([]*failoverClient, clients)
	stop := make(chan struct{})
	var stopOnce sync.Once
	stopLoad := func() { stopOnce.Do(func() { close(stop) }) }
	var killedFlag atomic.Bool
	var wg sync.WaitGroup
	defer func() { stopLoad(); wg.Wait() }() // on a t.Fatal too
	for i := range cs {
		cs[i] = &failoverClient{client: newClient(t, srv.URL)}
		wg.Add(1)
		go func(c *failoverClient) {
			defer wg.Done()
			c.run(stop, &killedFlag)
		}(cs[i])
	}

	time.Sleep(failoverLoad) // the load runs

	// The victim: the master that holds the most of the clients'
	// sessions; the replica of master i is node i+3.
	u, _ := url.Parse(srv.URL)
	owner := make([]int, len(cs)) // the index of each session's master
	perMaster := make([]int, 3)
	for i, c := range cs {
		owner[i] = -1
		for _, ck := range c.http.Jar.Cookies(u) {
			if ck.Name != "session" {
				continue
			}
			m, err := cc.MasterForKey(ctx, goredisstore.DefaultPrefix+ck.Value)
			if err != nil {
				t.Fatal(err)
			}
			for j, n := range nodes[:3] {
				if n.e.Addr() == m.Options().Addr {
					owner[i] = j
					perMaster[j]++
				}
			}
		}
		if owner[i] < 0 {
			t.Fatalf("client %d: no session on any master", i)
		}
	}
	victim := 0
	for j := range perMaster {
		if perMaster[j] > perMaster[victim] {
			victim = j
		}
	}
	dead, heir := nodes[victim], nodes[victim+3]

	// When the cluster client's slot map moves a session of the killed
	// master to the heir (go-redis refreshes it on a MOVED reply, and
	// every 10 s otherwise).
	var victimKey string
	for i, c := range cs {
		if owner[i] == victim {
			for _, ck := range c.http.Jar.Cookies(u) {
				if ck.Name == "session" {
					victimKey = goredisstore.DefaultPrefix + ck.Value
				}
			}
		}
	}
	switched := make(chan time.Time, 1)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if m, err := cc.MasterForKey(ctx, victimKey); err == nil && m.Options().Addr == heir.e.Addr() {
				switched <- time.Now()
				return
			}
			time.Sleep(10 * time.Millisecond) // polling the client's slot map
		}
	}()

	killedFlag.Store(true)
	killed := time.Now()
	dead.e.Kill()

	// The cluster's own failover: the replica becomes master and the
	// cluster is ok again.
	promoted := heir.e.WaitReady(failoverLimit, func() error {
		m, err := heir.info(ctx, "replication")
		if err != nil {
			return err
		}
		if m["role"] != "master" {
			return errors.New("replica not promoted")
		}
		return heir.clusterOK(ctx)
	})
	// The killed node comes back, after the promotion (restarted empty
	// before it, it would come back as the master of an empty data set),
	// and rejoins as the new master's replica.
	restartAt := promoted.Add(restartAfter)
	if !v.reload {
		restartAt = killed.Add(restartLimit)
	}
	for time.Now().Before(restartAt) {
		all := true
		for _, c := range cs {
			all = all && c.servedSince(promoted)
		}
		if all && !v.reload {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling the clients
	}
	restarted := time.Now()
	dead.e.Start()
	rejoined := dead.e.WaitReady(failoverLimit, func() error { return dead.inSync(ctx) })

	// The load goes on until every client has been served since the
	// rejoin, then settles.
	deadline := killed.Add(failoverLimit)
	var allServed time.Time
	for allServed.IsZero() && time.Now().Before(deadline) {
		all := true
		for _, c := range cs {
			all = all && c.servedSince(rejoined)
		}
		if all {
			allServed = time.Now()
		}
		time.Sleep(20 * time.Millisecond) // polling the clients
	}
	if allServed.IsZero() {
		t.Errorf("not every client was served again within %v of the kill", failoverLimit)
	} else {
		time.Sleep(settle)
	}
	stopLoad()
	wg.Wait()
	remapped := time.Duration(-1)
	select {
	case at := <-switched:
		remapped = at.Sub(killed)
	default:
	}

	// The figures.
	var (
		requests, outage500, hung, regressions, lostUpdates int
		first500, last500                                   time.Time
		recovery                                            time.Duration // kill → each client's first 200 after it, the slowest
		latencies                                           []time.Duration
		affected, bystander500                              int // clients on the killed master; 500s of the others
	)
	for i, c := range cs {
		requests += c.ok + c.fail
		hung += c.hung
		regressions += c.regressions
		lostUpdates += c.lostUpdates
		latencies = append(latencies, c.latencies...)
		if owner[i] == victim {
			affected++
		}
		if c.hung > 0 {
			t.Errorf("client %d: %d requests hung or failed in transport, last: %v", i, c.hung, c.lastErr)
		}
		for _, at := range c.failures {
			if at.Before(killed) {
				continue
			}
			outage500++
			if owner[i] != victim {
				bystander500++
			}
			if first500.IsZero() || at.Before(first500) {
				first500 = at
			}
			if at.After(last500) {
				last500 = at
			}
		}
		// The client's first 200 after its last failure since the kill
		// (or after the kill, for one that never failed).
		since := killed
		if n := len(c.failures); n > 0 && c.failures[n-1].After(since) {
			since = c.failures[n-1]
		}
		first := time.Duration(-1)
		for _, at := range c.successes {
			if at.After(since) {
				first = at.Sub(killed)
				break
			}
		}
		if first < 0 {
			t.Errorf("client %d: never served again after the kill", i)
		} else if first > recovery {
			recovery = first
		}
		// What is stored now, compared with the last acknowledged value.
		status, body, err := c.get("/get")
		if err != nil || status != http.StatusOK {
			t.Errorf("client %d: reading the counter after the failover: %d %q %v", i, status, body, err)
			continue
		}
		if stored, _ := strconv.Atoi(body); stored < c.acked {
			regressions++
			lostUpdates += c.acked - stored
		}
		if c.acked == 0 {
			t.Errorf("client %d: no update acknowledged at all", i)
		}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })

	if n := panics.Load(); n > 0 {
		t.Errorf("%d handler panics (recovered)", n)
	}
	if outage500 == 0 {
		t.Errorf("no request failed after the kill: it did not take effect")
	}
	if int64(outage500) > errs.Load() {
		t.Errorf("%d failed requests but ErrorFunc called %d times", outage500, errs.Load())
	}
	if waitReplicas > 0 && lostUpdates > 0 {
		// Not a failure of the store: WAIT narrows the window of
		// asynchronous replication but does not close it.
		t.Logf("note: %d acknowledged updates lost despite WAIT", lostUpdates)
	}
	window := time.Duration(0)
	if !last500.IsZero() {
		window = last500.Sub(first500)
	}
	t.Logf("%s: %d requests by %d clients (%d with a session on the killed master); cluster-node-timeout %v; "+
		"replica promoted %v after the SIGKILL, go-redis's slot map moved to it %v after, killed node restarted %v and back in sync as a replica %v after it; "+
		"%d answered 500 (%d to clients of the other masters), from %v to %v after the kill (%v); every client served again %v after the kill; "+
		"acknowledged updates lost: %d (%d counters went backwards); hung: %d; panics: %d; "+
		"latency before the kill: p50 %v, p99 %v (%d requests); errors behind the 500s: %v",
		variant, requests, clients, affected, nodeTimeout,
		promoted.Sub(killed).Round(time.Millisecond), remapped.Round(time.Millisecond), restarted.Sub(killed).Round(time.Millisecond), rejoined.Sub(killed).Round(time.Millisecond),
		outage500, bystander500, first500.Sub(killed).Round(time.Millisecond), last500.Sub(killed).Round(time.Millisecond),
		window.Round(time.Millisecond), recovery.Round(time.Millisecond),
		lostUpdates, regressions, hung, panics.Load(),
		percentile(latencies, 50).Round(10*time.Microsecond), percentile(latencies, 99).Round(10*time.Microsecond), len(latencies), causes)
}
