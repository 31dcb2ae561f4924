package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything the run prints.
type report struct {
	o            options
	rows         []*scenario // in table order
	slug, domain *scenario   // (a)
	floor        *scenario   // (c)
	warmLoads    int64       // database queries during (a) and (c): 0 when (a)'s cache was warm
	negative     negativeCheck
	loadBefore   string // loadAverage() when the run started
}

func (r report) print(w io.Writer) {
	o := r.o
	fmt.Fprintf(w, "\norgkit resolve under wrk -t%d -c%d --latency: %v warm-up, then %d passes of %v; medians\n",
		o.threads, o.connections, o.warmup, o.passes, o.duration)
	fmt.Fprintf(w, "server: orgkit serve on the embedded default (SQLite, in-process cache and limiter); %d CPUs shared with wrk, nothing pinned\n", runtime.NumCPU())
	fmt.Fprintf(w, "load average before/after: %s / %s (other processes on the machine make the numbers noisy)\n", r.loadBefore, loadAverage())
	fmt.Fprintln(w, "access log: off (ORGKIT_LOG_LEVEL=warn; at the default, info, every request is logged), as production runs a hot public endpoint")
	fmt.Fprintln(w)

	// A Markdown table, aligned for the terminal: it can be pasted into a document as is.
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| scenario\t| req/s\t| p50\t| p99\t| req/s of each pass\t|")
	fmt.Fprintln(tw, "|---\t|--:\t|--:\t|--:\t|---\t|")
	for _, s := range r.rows {
		m := s.median()
		var each []string
		for _, p := range s.passes {
			each = append(each, fmt.Sprintf("%.0f", p.RPS))
		}
		fmt.Fprintf(tw, "| %s\t| %.0f\t| %s\t| %s\t| %s\t|\n", s.label, m.RPS, ms(m.P50), ms(m.P99), strings.Join(each, " "))
	}
	_ = tw.Flush()
	fmt.Fprintln(w)

	floor := r.floor.median().RPS
	for _, a := range []*scenario{r.slug, r.domain} {
		ratio := a.median().RPS / floor
		verdict := "PASS"
		if ratio < o.target {
			verdict = "FAIL"
		}
		// The passes ran round-robin, so pass i of (a) and of (c) ran side by side: their
		// ratios show how much of the spread is the machine's rather than orgkit's.
		var rounds []string
		for i := range min(len(a.passes), len(r.floor.passes)) {
			rounds = append(rounds, fmt.Sprintf("%.2f", a.passes[i].RPS/r.floor.passes[i].RPS))
		}
		fmt.Fprintf(w, "ratio (a) %s / (c) floor: %.2f %s (target ≥ %.2f); pass by pass: %s\n",
			a.key, ratio, verdict, o.target, strings.Join(rounds, " "))
	}
	fmt.Fprintf(w, "(a) warm cache: %d database queries over %d requests\n", r.warmLoads, r.slug.requests()+r.domain.requests())

	n := r.negative
	passes := make([]string, len(n.perPass)-1)
	for i, l := range n.perPass[1:] {
		passes[i] = fmt.Sprintf("+%d", l)
	}
	fmt.Fprintf(w, "(b) negative cache: %d requests in %v (negative TTL %v); Loads: warm-up +%d, passes %s; cache hits +%d, cache errors +%d\n",
		n.requests, n.elapsed.Round(100*time.Millisecond), n.ttl, n.perPass[0], strings.Join(passes, " "), n.total.Hits, n.total.Errors)
	fmt.Fprintf(w, "(b) %s\n", n.verdict())
}

// ms prints a latency in milliseconds with microsecond precision, the unit wrk is read in.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}

// loadAverage is the 1-minute load average, or "?" where /proc is not there.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
