// Command benchhttp measures the orgkit binary's public resolve endpoint over HTTP, from a
// separate load process (wrk), against a floor: bare Gin answering the same bytes from
// memory. It also proves that unknown slugs cost at most one database query each per
// negative-cache lifetime. `make bench-http` builds the binary and runs it; it is a program,
// not a test, so `go test ./...` never starts it.
//
// Exit status: 0 when the run completed, whatever the throughput ratio (the numbers are
// informative on a shared machine); 1 when something broke or the negative-cache check
// failed (a correctness property).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
)

// options are the program's flags.
type options struct {
	bin              string
	warmup, duration time.Duration
	passes           int
	threads          int
	connections      int
	unknown          int
	negativeTTL      time.Duration
	target           float64
	cpuprofile       string
	profileScenario  string
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchhttp", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "the orgkit binary (empty: build ./cmd/orgkit into a temporary directory)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up pass per scenario, not measured (whole seconds)")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "each measured pass (whole seconds)")
	fs.IntVar(&o.passes, "passes", 3, "measured passes per scenario; the table shows their medians")
	fs.IntVar(&o.threads, "t", 2, "wrk threads")
	fs.IntVar(&o.connections, "c", 32, "wrk connections")
	fs.IntVar(&o.unknown, "unknown", 2000, "distinct unknown slugs of scenario (b)")
	fs.DurationVar(&o.negativeTTL, "negative-ttl", 30*time.Second, "ORGKIT_RESOLVE_NEGATIVE_TTL: scenario (b) must finish within it")
	fs.Float64Var(&o.target, "target", 0.9, "the (a)/(c) ratio printed as PASS")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the server's CPU profile of one extra pass to this file")
	fs.StringVar(&o.profileScenario, "cpuprofile-scenario", "slug", "the scenario -cpuprofile profiles: slug, domain or unknown")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	whole := func(d time.Duration) bool { return d >= time.Second && d%time.Second == 0 }
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case !whole(o.warmup) || !whole(o.duration):
		return o, errors.New("-warmup and -d must be whole seconds, at least 1s: wrk takes seconds")
	case o.passes < 1 || o.threads < 1 || o.connections < o.threads || o.unknown < 1:
		return o, errors.New("-passes, -t and -unknown must be positive, and -c at least -t")
	case o.warmup+time.Duration(o.passes)*o.duration >= o.negativeTTL*4/5:
		// Scenario (b) must end well within one negative-cache lifetime, or a slug may
		// rightly be queried again and the check would prove nothing.
		return o, fmt.Errorf("-warmup + -passes × -d must stay well under -negative-ttl %v: raise it", o.negativeTTL)
	}
	return o, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == floorCommand {
		if err := runFloor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "benchhttp floor:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(1)
	}
}

var errNegativeCache = errors.New("the negative cache check failed: unknown slugs cost more than one database query each")

// run sets everything up, measures, prints the report and stops every process it started,
// on failure too (the deferred stops and removals run before run returns).
func run(ctx context.Context, o options, out io.Writer) error {
	wrkPath, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("wrk is not installed (make bench-http installs it): %w", err)
	}
	dir, err := os.MkdirTemp("", "benchhttp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.bin == "" {
		if o.bin, err = buildOrgkit(ctx, dir); err != nil {
			return err
		}
	}

	dns, err := dnstest.Listen()
	if err != nil {
		return err
	}
	defer dns.Close()
	srv, err := startOrgkit(ctx, o.bin, dir, dns.Addr(), o.negativeTTL)
	if err != nil {
		return err
	}
	defer srv.stop(10 * time.Second)
	ans, err := seed(ctx, srv, dns)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	floor, floorBase, err := startFloor(ctx, dir, ans)
	if err != nil {
		return err
	}
	defer floor.stop(5 * time.Second)
	if err := checkFloor(ctx, floorBase, ans); err != nil {
		return err
	}
	script, list, err := writeUnknownScript(dir, unknownSlugs(o.unknown))
	if err != nil {
		return err
	}

	l := load{wrk: wrkPath, threads: o.threads, connections: o.connections}
	resolveURL := srv.base + resolvePath
	slug := &scenario{key: "slug", label: "(a) resolve ?slug=" + benchSlug, expect: allOK,
		target: target{url: resolveURL + "?slug=" + benchSlug}}
	byDomain := &scenario{key: "domain", label: "(a) resolve ?domain=" + benchDomain, expect: allOK,
		target: target{url: resolveURL + "?domain=" + benchDomain}}
	unknown := &scenario{key: "unknown", label: fmt.Sprintf("(b) resolve ?slug=<%d unknown>", o.unknown), expect: allNotFound,
		target: target{url: resolveURL + "?slug=", script: script, scriptArgs: []string{list}}}
	floorSc := &scenario{key: "floor", label: "(c) floor: bare Gin, same bytes", expect: allOK,
		target: target{url: floorBase + resolvePath + "?slug=" + benchSlug}}

	fmt.Fprintf(out, "benchhttp: orgkit on %s, floor on %s, wrk %s; about %v of load\n", srv.base, floorBase, wrkPath,
		time.Duration(4)*(o.warmup+time.Duration(o.passes)*o.duration))
	loadBefore := loadAverage()
	before, err := srv.stats(ctx)
	if err != nil {
		return err
	}
	if err := interleaved(ctx, l, o, slug, byDomain, floorSc); err != nil {
		return err
	}
	after, err := srv.stats(ctx)
	if err != nil {
		return err
	}
	neg, err := negativeRun(ctx, srv, l, o, unknown)
	if err != nil {
		return err
	}
	rep := report{o: o, rows: []*scenario{slug, byDomain, unknown, floorSc}, slug: slug, domain: byDomain, floor: floorSc,
		warmLoads: after.Loads - before.Loads, negative: neg, loadBefore: loadBefore}
	rep.print(out)

	if o.cpuprofile != "" {
		if err := profile(ctx, srv, l, o, []*scenario{slug, byDomain, unknown}, out); err != nil {
			return err
		}
	}
	if !neg.ok() {
		return errNegativeCache
	}
	return nil
}

// profile runs the extra profiled pass of -cpuprofile-scenario, one of orgkit's.
func profile(ctx context.Context, srv *orgkit, l load, o options, rows []*scenario, out io.Writer) error {
	for _, s := range rows {
		if s.key == o.profileScenario {
			if err := profilePass(ctx, srv, l, o, s, o.cpuprofile); err != nil {
				return err
			}
			fmt.Fprintf(out, "\nCPU profile of orgkit serve during an extra pass of %s: go tool pprof -top %s\n", s.label, o.cpuprofile)
			return nil
		}
	}
	return fmt.Errorf("-cpuprofile-scenario %q: want slug, domain or unknown", o.profileScenario)
}

// buildOrgkit builds ./cmd/orgkit into dir, for a run without -bin.
func buildOrgkit(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "orgkit")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/orgkit")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/orgkit: %w\n%s", err, out)
	}
	return bin, nil
}
