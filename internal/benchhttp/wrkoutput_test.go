package main

import (
	"strings"
	"testing"
	"time"
)

// wrk 4.1's report of a pass with --latency, every optional line present.
const wrkReport = `Running 5s test @ http://127.0.0.1:41234/v1/public/organizations/resolve?slug=acme
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   375.60us  316.36us  10.22ms   92.20%
    Req/Sec    42.93k     2.30k   47.15k    73.00%
  Latency Distribution
     50%  301.00us
     75%  414.00us
     90%  611.00us
     99%    1.51ms
  427253 requests in 5.00s, 60.71MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 12
Requests/sec:  85437.62
Transfer/sec:     12.14MB
`

func TestParseWrk(t *testing.T) {
	t.Run("full report", func(t *testing.T) {
		r, err := parseWrk(wrkReport)
		if err != nil {
			t.Fatal(err)
		}
		want := wrkResult{RPS: 85437.62, P50: 301 * time.Microsecond, P99: 1510 * time.Microsecond,
			Requests: 427253, Non2xx3xx: 12, SocketErrors: 7}
		if r != want {
			t.Fatalf("got %+v, want %+v", r, want)
		}
	})
	t.Run("clean pass", func(t *testing.T) {
		clean := strings.NewReplacer("  Socket errors: connect 0, read 2, write 1, timeout 4\n", "",
			"  Non-2xx or 3xx responses: 12\n", "").Replace(wrkReport)
		r, err := parseWrk(clean)
		if err != nil || r.Non2xx3xx != 0 || r.SocketErrors != 0 {
			t.Fatalf("got %+v %v", r, err)
		}
	})
	t.Run("without --latency", func(t *testing.T) {
		var kept []string
		for _, l := range strings.Split(wrkReport, "\n") {
			if !strings.Contains(l, "%  ") && !strings.Contains(l, "Distribution") {
				kept = append(kept, l)
			}
		}
		if _, err := parseWrk(strings.Join(kept, "\n")); err == nil || !strings.Contains(err.Error(), "50% latency") {
			t.Fatalf("want a missing latency error, got %v", err)
		}
	})
	t.Run("script error", func(t *testing.T) {
		if _, err := parseWrk("PANIC: unprotected error in call to Lua API (bad.lua:1: syntax error)\n"); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"301.00us": 301 * time.Microsecond, "1.51ms": 1510 * time.Microsecond, "2.00s": 2 * time.Second,
		"1.50m": 90 * time.Second, "1.00h": time.Hour,
	} {
		if got, err := parseWrkDuration(in); err != nil || got != want {
			t.Errorf("%s: got %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "ms", "1.2ns"} {
		if _, err := parseWrkDuration(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
