package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeRun is a measured Postgres run: the member's read reaches its ratio but not its p99,
// the list reaches neither.
func fakeRun() *dbRun {
	r := &dbRun{backend: backend{name: postgresDB, about: "PostgreSQL 15"}, fx: fixture{orgs: 150, memberID: 2},
		peakRSS: 60 << 20}
	r.rows = scenarios(postgresDB, "http://orgkit", "http://floor", r.fx)
	rates := map[string]float64{keyFloor: 30000, keyHealthz: 28000, keySlug: 28500, keyDomain: 27500,
		keyOrg: 9000, keyMe: 9500, keyList100: 600, keyMemberList: 4000}
	for _, s := range r.rows {
		for range 3 {
			s.passes = append(s.passes, wrkResult{RPS: rates[s.key], P50: time.Millisecond, P99: 12 * time.Millisecond})
		}
	}
	return r
}

func TestTargets(t *testing.T) {
	got := map[string]targetResult{}
	for _, tr := range fakeRun().targets() {
		got[tr.what] = tr
	}
	for what, want := range map[string]struct {
		measured string
		ok       bool
	}{
		"GET /healthz ≥ 0.90":                                                 {"0.93", true},
		"GET /v1/organizations/{id}, member ≥ 0.25, p99 < 10ms":               {"0.30, p99 12.000ms", false},
		"GET /v1/organizations?page_size=100, superadmin (100 of 150) ≥ 0.08": {"0.02", false},
		"peak RSS of orgkit serve < 100.0 MiB":                                {"60.0 MiB", true},
	} {
		if tr, ok := got[what]; !ok || tr.measured != want.measured || tr.ok != want.ok {
			t.Errorf("%s: got %+v, want %+v", what, tr, want)
		}
	}
	if len(got) != 7 { // healthz, slug, domain, org, me, list100, RSS; the member's list has no target
		t.Errorf("%d targets: %v", len(got), got)
	}
}

func TestPrint(t *testing.T) {
	var out bytes.Buffer
	r := fakeRun()
	r.print(&out, options{threads: 2, connections: 32, warmup: 3 * time.Second, passes: 3, duration: 5 * time.Second})
	printTargets(&out, []*dbRun{r}, "0.50 0.40 0.30")
	var me []string // the cells of the member's /v1/me row
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "| GET /v1/me, member ") {
			for cell := range strings.SplitSeq(strings.Trim(strings.TrimSpace(line), "|"), "|") {
				me = append(me, strings.TrimSpace(cell))
			}
		}
	}
	// scenario, body, req/s, p50, p99, × floor, target, verdict, each pass, × floor each pass
	if want := []string{"GET /v1/me, member", "", "9500", "1.000ms", "12.000ms", "0.32", "≥ 0.25, p99 < 10ms", "FAIL",
		"9500 9500 9500", "0.32 0.32 0.32"}; !slices.Equal(me, want) {
		t.Errorf("the /v1/me row is %q, want %q", me, want)
	}
	for _, want := range []string{
		"## postgres: PostgreSQL 15",
		"peak RSS of orgkit serve (VmHWM after the load, seeding included): 60.0 MiB: PASS",
		"4 of 7 targets met",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
