package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// print writes one database's table and checks, as soon as they are measured. The table is
// Markdown, aligned for the terminal: it can be pasted into a document as is.
func (r *dbRun) print(w io.Writer, o options) {
	fmt.Fprintf(w, "\n## %s: %s\n\n", r.name, r.about)
	fmt.Fprintf(w, "orgkit serve: in-process cache and limiter, pool of %d connections (ORGKIT_DB_MAX_CONNS' default, idle = open), access log off (ORGKIT_LOG_LEVEL=warn)\n",
		gormstore.DefaultMaxConns)
	fmt.Fprintf(w, "seeded through the API in %v: %d organizations, %s verified on the loopback DNS, a member (user %d) of %s\n",
		r.seeding.Round(10*time.Millisecond), r.fx.orgs, benchDomain, r.fx.memberID, benchSlug)
	fmt.Fprintf(w, "wrk -t%d -c%d --latency: a %v warm-up per scenario, then %d rounds of %v passes, scenarios round-robin; medians; body: its bytes (the whole answer's, headers included); × floor: req/s over the floor's\n\n",
		o.threads, o.connections, o.warmup, o.passes, o.duration)

	floor := r.row(keyFloor)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| scenario\t| body\t| req/s\t| p50\t| p99\t| × floor\t| target\t| verdict\t| req/s of each pass\t| × floor, each pass\t|")
	fmt.Fprintln(tw, "|---\t|--:\t|--:\t|--:\t|--:\t|--:\t|---\t|---\t|---\t|---\t|")
	for _, s := range r.rows {
		m := s.median()
		body, ratio, each := "", "", ""
		if s.bytes > 0 {
			body = fmt.Sprintf("%d B (%d)", s.bytes, s.wire)
		}
		// The negative-cache check ran on its own after the rounds: no floor pass ran beside it.
		if s != floor && s.key != keyUnknown {
			ratio = fmt.Sprintf("%.2f", m.RPS/floor.median().RPS)
			each = strings.Join(passRatios(s, floor), " ")
		}
		v := ""
		if s.goal.set() {
			v = verdict(s.goal.met(m.RPS/floor.median().RPS, m.P99))
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %.0f\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n",
			s.label, body, m.RPS, ms(m.P50), ms(m.P99), ratio, s.goal, v, strings.Join(passRates(s), " "), each)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)

	fmt.Fprintf(w, "resolve, warm cache: %d database queries over %d requests by slug and by domain\n", r.warmLoads, r.resolveReq)
	if n := r.negative; n != nil {
		passes := make([]string, len(n.perPass)-1)
		for i, l := range n.perPass[1:] {
			passes[i] = fmt.Sprintf("+%d", l)
		}
		fmt.Fprintf(w, "negative cache, %d unknown slugs run alone after the rounds: %d requests in %v (negative TTL %v); Loads: warm-up +%d, passes %s; cache hits +%d, cache errors +%d\n",
			n.slugs, n.requests, n.elapsed.Round(100*time.Millisecond), n.ttl, n.perPass[0], strings.Join(passes, " "), n.total.Hits, n.total.Errors)
		fmt.Fprintf(w, "negative cache: %s\n", n.verdict())
	}
	fmt.Fprintf(w, "peak RSS of orgkit serve (VmHWM after the load, seeding included): %s: %s (target < %s)\n",
		mib(r.peakRSS), verdict(r.peakRSS < maxPeakRSS), mib(maxPeakRSS))
	fmt.Fprintf(w, "load average after %s: %s\n", r.name, r.loadAfter)
	if r.profiled != nil {
		fmt.Fprintf(w, "CPU profile of orgkit serve during an extra pass of %s: go tool pprof -top %s\n", r.profiled.label, r.profile)
	}
}

// passRates are the req/s of each measured pass of s.
func passRates(s *scenario) []string {
	rates := make([]string, len(s.passes))
	for i, p := range s.passes {
		rates[i] = fmt.Sprintf("%.0f", p.RPS)
	}
	return rates
}

// passRatios divide pass i of s by pass i of the floor. The passes ran round-robin, so the
// two ran in the same round: the spread of these shows how much of the noise is the
// machine's rather than orgkit's.
func passRatios(s, floor *scenario) []string {
	var ratios []string
	for i := range min(len(s.passes), len(floor.passes)) {
		ratios = append(ratios, fmt.Sprintf("%.2f", s.passes[i].RPS/floor.passes[i].RPS))
	}
	return ratios
}

// targetResult is one line of the closing summary.
type targetResult struct {
	db, what, measured string
	ok                 bool
}

// targets are every target of issue 10 that r was held to: the scenarios with a goal, the
// peak RSS, and the negative-cache check where it ran.
func (r *dbRun) targets() []targetResult {
	var ts []targetResult
	floor := r.row(keyFloor).median().RPS
	for _, s := range r.rows {
		if !s.goal.set() {
			continue
		}
		m := s.median()
		ratio := m.RPS / floor
		measured := fmt.Sprintf("%.2f", ratio)
		if s.goal.maxP99 > 0 {
			measured += ", p99 " + ms(m.P99)
		}
		ts = append(ts, targetResult{db: r.name, what: s.label + " " + s.goal.String(), measured: measured, ok: s.goal.met(ratio, m.P99)})
	}
	ts = append(ts, targetResult{db: r.name, what: "peak RSS of orgkit serve < " + mib(maxPeakRSS), measured: mib(r.peakRSS), ok: r.peakRSS < maxPeakRSS})
	if n := r.negative; n != nil {
		ts = append(ts, targetResult{db: r.name, what: "negative cache: ≤ 1 database query per unknown slug",
			measured: fmt.Sprintf("+%d for %d", n.total.Loads, n.slugs), ok: n.ok()})
	}
	return ts
}

// printTargets closes the run: every target on every database, and how many were met.
func printTargets(w io.Writer, runs []*dbRun, loadBefore string) {
	fmt.Fprintln(w, "\n## Targets of issue 10 (ratios to the floor's median req/s on the same database, in the same run)")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| database\t| target\t| measured\t| verdict\t|")
	fmt.Fprintln(tw, "|---\t|---\t|---\t|---\t|")
	met, all := 0, 0
	for _, r := range runs {
		for _, t := range r.targets() {
			fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t|\n", t.db, t.what, t.measured, verdict(t.ok))
			all++
			if t.ok {
				met++
			}
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\n%d of %d targets met. Load average before: %s; after: %s.\n", met, all, loadBefore, loadAverage())
	fmt.Fprintln(w, "Throughput, latency and memory verdicts are informative on a shared machine (exit status 0); a non-2xx answer or a failed negative-cache check is a failure (exit status 1).")
}

// ms prints a latency in milliseconds with microsecond precision, the unit wrk is read in.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}
