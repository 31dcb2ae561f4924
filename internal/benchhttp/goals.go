package main

import (
	"fmt"
	"strings"
	"time"
)

// goal is one throughput target of issue 10: a share of the floor's requests/s measured in
// the same run, and for some scenarios a p99 ceiling. The zero goal is no target: the row is
// printed for information.
type goal struct {
	minRatio float64       // 0: no ratio target
	maxP99   time.Duration // 0: no latency target
}

// maxPeakRSS is the ceiling on the server's peak resident set (VmHWM) under the load.
const maxPeakRSS = 100 << 20

// goals are issue 10's targets per database and scenario key. The authenticated reads run
// on SQLite at a higher share (no network hop to the database) and without the latency
// ceiling the issue sets for Postgres; the list of 100 has the same 0.08 on both, so a
// regression on SQLite shows too.
var goals = map[string]map[string]goal{
	sqliteDB: {
		keyHealthz: {minRatio: 0.90},
		keySlug:    {minRatio: 0.90},
		keyDomain:  {minRatio: 0.90},
		keyOrg:     {minRatio: 0.30},
		keyMe:      {minRatio: 0.30},
		keyList100: {minRatio: 0.08},
	},
	postgresDB: {
		keyHealthz: {minRatio: 0.90},
		keySlug:    {minRatio: 0.90},
		keyDomain:  {minRatio: 0.90},
		keyOrg:     {minRatio: 0.25, maxP99: 10 * time.Millisecond},
		keyMe:      {minRatio: 0.25, maxP99: 10 * time.Millisecond},
		keyList100: {minRatio: 0.08},
	},
}

func (g goal) set() bool { return g.minRatio > 0 || g.maxP99 > 0 }

// met says whether a scenario whose median rate is ratio × the floor's, with median p99
// p99, reaches the goal. The zero goal is always met.
func (g goal) met(ratio float64, p99 time.Duration) bool {
	return ratio >= g.minRatio && (g.maxP99 == 0 || p99 < g.maxP99)
}

// String is the goal as the tables print it: "≥ 0.25, p99 < 10ms", or "" for none.
func (g goal) String() string {
	var parts []string
	if g.minRatio > 0 {
		parts = append(parts, fmt.Sprintf("≥ %.2f", g.minRatio))
	}
	if g.maxP99 > 0 {
		parts = append(parts, "p99 < "+g.maxP99.String())
	}
	return strings.Join(parts, ", ")
}

// verdict is PASS or FAIL.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
