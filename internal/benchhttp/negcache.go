package main

import (
	"context"
	"fmt"
	"time"
)

// negativeCheck is the proof the unknown-slugs run gives: over a run shorter than the
// negative TTL, n distinct unknown slugs cost at most n database queries, whatever the
// number of requests. Singleflight alone would not give it (it only merges concurrent
// misses); the negative cache must hold every "nothing" for the TTL.
type negativeCheck struct {
	slugs    int
	ttl      time.Duration
	elapsed  time.Duration // from the first request of the warm-up to the last of the passes
	total    resolveStats  // the counters' change over the whole run
	perPass  []int64       // Loads added by the warm-up, then by each measured pass
	requests int64         // every request of the run, warm-up included
}

// ok: at most one query per slug, and the run fitted in one negative-cache lifetime (a
// longer run may rightly query a slug again, and would prove nothing).
func (c negativeCheck) ok() bool {
	return c.elapsed < c.ttl && c.total.Loads <= int64(c.slugs) && c.total.Errors == 0
}

// negativeRun runs scenario s (unknown slugs) as one block, warm-up then the measured
// passes, reading /debug/vars around each pass. No other request reaches the server
// meanwhile, and background domain re-checks are off, so every Load counted is theirs.
func negativeRun(ctx context.Context, srv *orgkit, l load, o options, s *scenario) (negativeCheck, error) {
	c := negativeCheck{slugs: o.unknown, ttl: o.negativeTTL}
	first, err := srv.stats(ctx)
	if err != nil {
		return c, err
	}
	started := time.Now()
	prev := first
	for i := range o.passes + 1 {
		d, measured := o.duration, i > 0
		if !measured {
			d = o.warmup
		}
		r, err := s.run(ctx, l, d, measured)
		if err != nil {
			return c, err
		}
		c.requests += r.Requests
		now, err := srv.stats(ctx)
		if err != nil {
			return c, err
		}
		c.perPass = append(c.perPass, now.Loads-prev.Loads)
		prev = now
	}
	c.elapsed = time.Since(started)
	c.total = prev.minus(first)
	return c, nil
}

// verdict is the check's line of the report.
func (c negativeCheck) verdict() string {
	v := "PASS"
	if !c.ok() {
		v = "FAIL"
	}
	why := ""
	switch {
	case c.elapsed >= c.ttl:
		why = fmt.Sprintf(" (the run lasted %v, not shorter than the negative TTL: raise -negative-ttl)", c.elapsed.Round(time.Millisecond))
	case c.total.Errors != 0:
		why = fmt.Sprintf(" (%d cache errors: those requests went to the database)", c.total.Errors)
	}
	return fmt.Sprintf("database queries (Loads) +%d for %d distinct unknown slugs: %s (want ≤ %d)%s",
		c.total.Loads, c.slugs, v, c.slugs, why)
}
