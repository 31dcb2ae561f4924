package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
)

const (
	sqliteDB   = "sqlite"
	postgresDB = "postgres"
)

// backend is one database a run measures orgkit on.
type backend struct {
	name  string // sqliteDB or postgresDB
	url   string // ORGKIT_DATABASE_URL; empty for SQLite, whose file goes in the run's directory
	about string // where it is, for the report
}

// dbRun is what one database's run measured.
type dbRun struct {
	backend
	fx         fixture
	seeding    time.Duration
	rows       []*scenario // table order, the floor first
	warmLoads  int64       // resolve's database queries during the interleaved passes
	resolveReq int64       // requests of the resolve rows during them
	negative   *negativeCheck
	peakRSS    int64 // VmHWM of orgkit serve after the load
	loadAfter  string
	profile    string    // -cpuprofile's file for this database, empty without it
	profiled   *scenario // the scenario of the profiled pass
}

func (r *dbRun) row(key string) *scenario {
	for _, s := range r.rows {
		if s.key == key {
			return s
		}
	}
	return nil
}

// measure runs everything on one database: its own orgkit serve (on a fresh database),
// seeding, its own floor replaying that server's resolve answer, the interleaved passes,
// then (SQLite only) the negative-cache check, and the server's peak RSS. Every process it
// starts is stopped before it returns, on failure too.
func measure(ctx context.Context, o options, wrk, runDir string, b backend) (*dbRun, error) {
	dir := filepath.Join(runDir, b.name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	if b.name == sqliteDB {
		b.url = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	dns, err := dnstest.Listen()
	if err != nil {
		return nil, err
	}
	defer dns.Close()
	srv, err := startOrgkit(ctx, o.bin, dir, b.url, dns.Addr(), o.negativeTTL)
	if err != nil {
		return nil, err
	}
	defer srv.stop(10 * time.Second)

	r := &dbRun{backend: b}
	started := time.Now()
	if r.fx, err = seed(ctx, srv, dns, o.orgs); err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	r.seeding = time.Since(started)
	floor, floorBase, err := startFloor(ctx, dir, r.fx.answer)
	if err != nil {
		return nil, err
	}
	defer floor.stop(5 * time.Second)
	if err := checkFloor(ctx, floorBase, r.fx.answer); err != nil {
		return nil, err
	}
	r.rows = scenarios(b.name, srv.base, floorBase, r.fx)
	for _, s := range r.rows {
		if err := s.probe(ctx); err != nil {
			return nil, err
		}
	}

	l := load{wrk: wrk, threads: o.threads, connections: o.connections}
	before, err := srv.stats(ctx)
	if err != nil {
		return nil, err
	}
	if err := interleaved(ctx, l, o, r.rows...); err != nil {
		return nil, err
	}
	after, err := srv.stats(ctx)
	if err != nil {
		return nil, err
	}
	r.warmLoads = after.Loads - before.Loads
	r.resolveReq = r.row(keySlug).requests() + r.row(keyDomain).requests()

	if b.name == sqliteDB {
		script, list, err := writeUnknownScript(dir, unknownSlugs(o.unknown))
		if err != nil {
			return nil, err
		}
		unknown := unknownScenario(srv.base, script, list, o.unknown)
		neg, err := negativeRun(ctx, srv, l, o, unknown)
		if err != nil {
			return nil, err
		}
		r.negative = &neg
		r.rows = append(r.rows, unknown)
	}
	if r.peakRSS, err = peakRSS(srv.cmd.Process.Pid); err != nil {
		return nil, err
	}
	r.loadAfter = loadAverage()

	if o.cpuprofile != "" {
		r.profile = profileFile(o.cpuprofile, b.name, len(o.databases) > 1)
		if r.profiled, err = profile(ctx, srv, l, o, r.rows[1:], r.profile); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// loadTime is how long one database's wrk passes last, warm-ups included: the printed
// estimate of a run's length.
func loadTime(o options, db string) time.Duration {
	rows := len(scenarios(db, "", "", fixture{}))
	if db == sqliteDB {
		rows++ // the negative-cache check
	}
	return time.Duration(rows) * (o.warmup + time.Duration(o.passes)*o.duration)
}

// profileFile is where -cpuprofile writes db's profile: the file itself when one database
// is measured, else the name with the database before its extension (cpu.sqlite.pprof).
func profileFile(file, db string, several bool) string {
	if !several {
		return file
	}
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + "." + db + ext
}
