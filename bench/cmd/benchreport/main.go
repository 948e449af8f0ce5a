// Command benchreport reads `go test -bench -benchmem` output (several
// -count runs) on standard input and prints, per scenario and library, the
// median ns/op, B/op, allocs/op, B/session and store writes per 1,000
// requests, with the ratios to the Baseline scenario, to SCS v2 (the
// sibling benchmark named .../scs) and to the raw driver (.../raw).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is the medians of one benchmark.
type sample struct {
	ns, bytes, allocs, session, writes float64
}

func main() {
	runs, order, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	med := map[string]sample{}
	for name, rs := range runs {
		med[name] = sample{
			ns:      median(rs, func(s sample) float64 { return s.ns }),
			bytes:   median(rs, func(s sample) float64 { return s.bytes }),
			allocs:  median(rs, func(s sample) float64 { return s.allocs }),
			session: median(rs, func(s sample) float64 { return s.session }),
			writes:  median(rs, func(s sample) float64 { return s.writes }),
		}
	}
	base := med["Baseline"]
	fmt.Printf("| benchmark | runs | ns/op | B/op | allocs/op | B/session | writes/1k req | x Baseline | x SCS | x raw |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, name := range order {
		s := med[name]
		xBase, xSCS, xRaw := "", "", ""
		if base.ns > 0 {
			xBase = fmt.Sprintf("%.1f", s.ns/base.ns)
		}
		if i := strings.LastIndex(name, "/"); i >= 0 {
			if scs, ok := med[name[:i]+"/scs"]; ok && scs.ns > 0 {
				xSCS = fmt.Sprintf("%.2f", s.ns/scs.ns)
			}
			if raw, ok := med[name[:i]+"/raw"]; ok && raw.ns > 0 {
				xRaw = fmt.Sprintf("%.2f", s.ns/raw.ns)
			}
		}
		sess := ""
		if s.session > 0 {
			sess = fmt.Sprintf("%.0f", s.session)
		}
		writes := ""
		if hasWrites[name] {
			writes = fmt.Sprintf("%.0f", s.writes)
		}
		fmt.Printf("| %s | %d | %.0f | %.0f | %.0f | %s | %s | %s | %s | %s |\n", name, len(runs[name]), s.ns, s.bytes, s.allocs, sess, writes, xBase, xSCS, xRaw)
	}
}

// parse collects the samples of every benchmark line, keyed by name without
// the Benchmark prefix and the -GOMAXPROCS suffix, in first-seen order.
// hasWrites records the benchmarks that report writes/1k-req, whose zero
// is a figure rather than a blank.
var hasWrites = map[string]bool{}

func parse(r io.Reader) (map[string][]sample, []string, error) {
	runs := map[string][]sample{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		var s sample
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			case "B/session":
				s.session = v
			case "writes/1k-req":
				s.writes = v
				hasWrites[name] = true
			}
		}
		if _, ok := runs[name]; !ok {
			order = append(order, name)
		}
		runs[name] = append(runs[name], s)
	}
	return runs, order, sc.Err()
}

func median(rs []sample, field func(sample) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = field(r)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
