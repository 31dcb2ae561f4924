// Command benchhttp measures the orgkit binary over HTTP, from a separate load process (wrk),
// against a floor: bare Gin answering resolve's bytes from memory. On each database (the
// embedded SQLite, and Postgres) it measures /healthz, resolve by slug and by domain, a
// member's authenticated reads, a superadmin's list of 100, and the server's peak RSS, and
// holds them to the targets of issue 10 (shares of the floor's rate, p99, memory). On SQLite
// it also proves that unknown slugs cost at most one database query each per negative-cache
// lifetime. `make bench-http` builds the binary and runs it; it is a program, not a test, so
// `go test ./...` never starts it.
//
// Exit status: 0 when the run completed, whatever the throughput and memory verdicts (the
// numbers are informative on a shared machine); 1 when something broke (a non-2xx answer, a
// server that failed, an unreachable Postgres) or the negative-cache check failed (a
// correctness property).
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
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the program's flags.
type options struct {
	bin              string
	databases        []string // sqliteDB and/or postgresDB, in the order measured
	pg               string   // Postgres DSN; "off" drops postgres from databases
	orgs             int
	warmup, duration time.Duration
	passes           int
	threads          int
	connections      int
	unknown          int
	negativeTTL      time.Duration
	cpuprofile       string
	profileScenario  string
}

// parseOptions reads the flags; getenv supplies -pg's default (ORGKIT_BENCH_POSTGRES_DSN).
func parseOptions(args []string, getenv func(string) string) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchhttp", flag.ContinueOnError)
	pgDefault := getenv("ORGKIT_BENCH_POSTGRES_DSN")
	if pgDefault == "" {
		pgDefault = defaultPostgresDSN
	}
	databases := sqliteDB + "," + postgresDB
	fs.StringVar(&o.bin, "bin", "", "the orgkit binary (empty: build ./cmd/orgkit into a temporary directory)")
	fs.StringVar(&databases, "databases", databases, "the databases to measure, in order: sqlite, postgres or both, comma-separated")
	fs.StringVar(&o.pg, "pg", pgDefault, "Postgres server (a postgres:// URL) on which a fresh database is created and dropped; off: SQLite only (default $ORGKIT_BENCH_POSTGRES_DSN, else "+defaultPostgresDSN+")")
	fs.IntVar(&o.orgs, "orgs", 150, "organizations on each server, so the superadmin's list of 100 is a full page of more")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up pass per scenario, not measured (whole seconds)")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "each measured pass (whole seconds)")
	fs.IntVar(&o.passes, "passes", 3, "measured passes per scenario; the tables show their medians")
	fs.IntVar(&o.threads, "t", 2, "wrk threads")
	fs.IntVar(&o.connections, "c", 32, "wrk connections (the p99 targets are set at 32)")
	fs.IntVar(&o.unknown, "unknown", 2000, "distinct unknown slugs of the negative-cache check (SQLite)")
	fs.DurationVar(&o.negativeTTL, "negative-ttl", 30*time.Second, "ORGKIT_RESOLVE_NEGATIVE_TTL: the negative-cache check must finish within it")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the server's CPU profile of one extra pass to this file (per database: FILE with .sqlite/.postgres before its extension when both run)")
	fs.StringVar(&o.profileScenario, "cpuprofile-scenario", keySlug, "the scenario -cpuprofile profiles: "+strings.Join(profileKeys, ", "))
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.databases = strings.Split(databases, ",")
	if o.pg == "off" {
		o.databases = slices.DeleteFunc(o.databases, func(db string) bool { return db == postgresDB })
	}
	whole := func(d time.Duration) bool { return d >= time.Second && d%time.Second == 0 }
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case len(o.databases) == 0:
		return o, errors.New("no database left to measure: -pg=off leaves sqlite, give -databases sqlite")
	case slices.ContainsFunc(o.databases, func(db string) bool { return db != sqliteDB && db != postgresDB }):
		return o, fmt.Errorf("-databases %q: want sqlite, postgres or sqlite,postgres", databases)
	case len(slices.Compact(slices.Clone(o.databases))) != len(o.databases):
		return o, fmt.Errorf("-databases %q names a database twice", databases)
	case !whole(o.warmup) || !whole(o.duration):
		return o, errors.New("-warmup and -d must be whole seconds, at least 1s: wrk takes seconds")
	case o.passes < 1 || o.threads < 1 || o.connections < o.threads || o.unknown < 1:
		return o, errors.New("-passes, -t and -unknown must be positive, and -c at least -t")
	case o.orgs <= listSize:
		return o, fmt.Errorf("-orgs must be more than %d: the superadmin's list must be a full page of several", listSize)
	case !slices.Contains(profileKeys, o.profileScenario):
		return o, fmt.Errorf("-cpuprofile-scenario %q: want one of %s", o.profileScenario, strings.Join(profileKeys, ", "))
	case slices.Contains(o.databases, sqliteDB) && o.warmup+time.Duration(o.passes)*o.duration >= o.negativeTTL*4/5:
		// The negative-cache check must end well within one negative-cache lifetime, or a
		// slug may rightly be queried again and the check would prove nothing.
		return o, fmt.Errorf("-warmup + -passes × -d must stay well under -negative-ttl %v: raise it", o.negativeTTL)
	}
	return o, nil
}

// profileKeys are the scenarios -cpuprofile-scenario may name: orgkit's, not the floor.
var profileKeys = []string{keyHealthz, keySlug, keyDomain, keyOrg, keyMe, keyList100, keyMemberList, keyUnknown}

func main() {
	if len(os.Args) > 1 && os.Args[1] == floorCommand {
		if err := runFloor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "benchhttp floor:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseOptions(os.Args[1:], os.Getenv)
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

// run sets everything up, measures each database in turn, prints each one's table as soon
// as it is measured and the targets at the end, and stops every process it started and
// drops the Postgres database it created, on failure too (the deferred stops, drops and
// removals run before run returns).
func run(ctx context.Context, o options, out io.Writer) (err error) {
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

	// Postgres first: an unreachable one fails the run before minutes of SQLite passes.
	backends := make([]backend, len(o.databases))
	for i, db := range o.databases {
		backends[i] = backend{name: db, about: "the embedded SQLite (pure Go), a file in a temporary directory"}
		if db != postgresDB {
			continue
		}
		pg, err := createPostgres(ctx, o.pg)
		if err != nil {
			return err
		}
		defer func() {
			if derr := pg.drop(); derr != nil && err == nil {
				err = derr
			}
		}()
		backends[i].url = pg.url
		backends[i].about = fmt.Sprintf("PostgreSQL %s, fresh database %s (dropped at the end)", pg.version, redact(pg.url))
	}

	var total time.Duration
	for _, db := range o.databases {
		total += loadTime(o, db)
	}
	loadBefore := loadAverage()
	fmt.Fprintf(out, "benchhttp: orgkit %s; wrk %s -t%d -c%d --latency; %s: about %v of load\n",
		o.bin, wrkPath, o.threads, o.connections, strings.Join(o.databases, " then "), total)
	fmt.Fprintf(out, "machine: %s, shared by orgkit, the floor, wrk and Postgres, nothing pinned; load average %s (1, 5, 15 min)\n",
		machine(), loadBefore)

	var runs []*dbRun
	for _, b := range backends {
		r, err := measure(ctx, o, wrkPath, dir, b)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		r.print(out, o)
		runs = append(runs, r)
	}
	printTargets(out, runs, loadBefore)
	for _, r := range runs {
		if r.negative != nil && !r.negative.ok() {
			return errNegativeCache
		}
	}
	return nil
}

// profile runs the extra profiled pass of -cpuprofile-scenario into file, when it is one of
// rows (unknown slugs are measured on SQLite only); it returns the scenario profiled.
func profile(ctx context.Context, srv *orgkit, l load, o options, rows []*scenario, file string) (*scenario, error) {
	for _, s := range rows {
		if s.key == o.profileScenario {
			return s, profilePass(ctx, srv, l, o, s, file)
		}
	}
	return nil, nil
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
